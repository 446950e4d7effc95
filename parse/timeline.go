package parse

import (
	"math/bits"
	"time"
)

// Timeline is what a runtime execution trace shows over time, summarised in
// one pass for detectors: every goroutine's life and where its time went,
// the sites that create goroutines and how fast, the sites where goroutines
// block and who woke them, and system calls.
//
// Times are offsets from the first event of the trace, as `go tool trace`
// shows them, so a finding can name the same moment there.
//
// A trace only sees what happened while tracing ran. Goroutines that
// existed when tracing started have no creation event (AtStart); a state
// held since the start (SinceStart) lasted at least as long as the trace
// says, probably longer. The trace has no "locked to thread" fact.
type Timeline struct {
	Version     int           // trace format, the N of the "go 1.N trace" header: 11, 19, 21 (before Go 1.22) or 22, 23, 25, 26
	Writers     string        // the Go releases that write this format: "Go 1.11 to 1.18", "Go 1.26 and later"
	Start       int64         // trace clock (nanoseconds) of the first event; offsets count from it
	End         int64         // trace clock of the last event
	Duration    time.Duration // from the first to the last event
	WallStart   time.Time     // wall clock at Start, when the trace records one (Go 1.25+), else zero
	Generations int           // complete generations summarised (a trace before Go 1.22 is one)
	Events      int64         // events summarised
	// GOMAXPROCS is the last value the trace records, 0 when it records
	// none (traces before Go 1.22 lose the value set before tracing
	// started; Procs is then the best estimate).
	GOMAXPROCS int
	Procs      int // distinct Ps that ran during the trace
	// ProcSteals counts Ps taken from goroutines blocked in system calls
	// (the scheduler handing the P to another thread).
	ProcSteals int

	// Goroutines holds every goroutine alive at the end and the first
	// MaxExitedGoroutines that exited, ordered by creation (those that
	// existed at the start first) and then by ID. Goroutine IDs say nothing
	// about creation order.
	Goroutines []TraceGoroutine
	// ExitedDropped counts exited goroutines left out of Goroutines; they
	// are still counted in Sites.
	ExitedDropped int

	Created      int // goroutines created during the trace
	Exited       int // goroutines that exited during the trace
	AliveAtStart int // goroutines that existed when tracing started and appear in the trace
	AliveAtEnd   int // goroutines alive at the end
	BlockedAtEnd int // of AliveAtEnd, those waiting at the end

	// BucketWidth is the width of the buckets of every Series in the
	// timeline; it adapts to the trace so that there are at most
	// MaxBuckets of them.
	BucketWidth time.Duration
	CreatedPer  Series // goroutines created per bucket
	ExitedPer   Series // goroutines exited per bucket

	Sites    []*SpawnSite   // creation sites, most goroutines first
	Blocks   []*BlockSite   // blocking sites, most blocked time first
	Syscalls []*SyscallSite // system call sites, most time first
	// LongSyscalls are the system calls (and cgo calls) that lasted at
	// least LongSyscall, or were still in progress at the end, longest
	// first, at most MaxLongSyscalls of them.
	LongSyscalls []Syscall
	// SchedLatency is the time goroutines spent runnable before they ran,
	// one sample per runnable spell that ended during the trace.
	SchedLatency Histogram
	// Waiting is the total time all goroutines spent waiting, by reason,
	// longest first.
	Waiting []WaitTime
}

// Limits of what a Timeline keeps individually; beyond them it only counts.
const (
	MaxExitedGoroutines = 1 << 16               // exited goroutines kept in Timeline.Goroutines
	MaxLongSyscalls     = 1024                  // individual system calls kept in Timeline.LongSyscalls
	LongSyscall         = 10 * time.Millisecond // a system call at least this long is kept individually
	MaxBuckets          = 128                   // buckets per Series
	MaxUnblockers       = 8                     // distinct unblocking stacks kept per BlockSite
	MaxCreators         = 64                    // distinct creators counted per SpawnSite
)

// Bucket returns the index of the Series bucket that holds offset.
func (t *Timeline) Bucket(offset time.Duration) int {
	if t.BucketWidth <= 0 || offset < 0 {
		return 0
	}
	return int(offset / t.BucketWidth)
}

// TraceGoroutine is one goroutine as the trace shows it.
type TraceGoroutine struct {
	ID        int64
	StartFunc string // the function it started in; "" when the trace shows none of its stacks
	// Created is the offset of its creation, 0 when it existed when
	// tracing started (AtStart).
	Created time.Duration
	// AtStart is true for a goroutine that existed when tracing started:
	// its creation time, creator and creation stack are unknown.
	AtStart   bool
	CreatorID int64  // goroutine that created it; 0 when unknown
	CreatedAt *Stack // the creator's stack at the go statement; nil when unknown
	Site      *SpawnSite
	Exited    bool          // it exited during the trace; false means alive at the end
	Ended     time.Duration // offset of its exit, when Exited

	Running  time.Duration // time running on a P
	Runnable time.Duration // time ready to run but not running (scheduler latency)
	Syscall  time.Duration // time in system calls and cgo calls
	Waits    []WaitTime    // time waiting, by reason, longest first

	// State is the goroutine's state at the end of the trace: "running",
	// "runnable", "syscall", or a wait reason in the goroutine-dump
	// vocabulary ("chan send", "sync.Mutex.Lock", "select", "IO wait",
	// ...; see waitState). It is "" for an exited goroutine.
	State string
	// Since is the offset at which it entered State.
	Since time.Duration
	// SinceStart is true when it was in State since tracing started: it
	// has been in it at least as long as the trace shows.
	SinceStart bool
	// Stack is its last stack: where it blocks when waiting, the system
	// call when in one; nil when the trace shows none.
	Stack *Stack
}

// Blocked reports whether the goroutine was waiting when the trace ended.
func (g *TraceGoroutine) Blocked() bool {
	return !g.Exited && g.State != "" && g.State != "running" && g.State != "runnable" && g.State != "syscall"
}

// Lifetime returns how long the goroutine lived within the trace, up to end
// (the trace Duration) when it did not exit.
func (g *TraceGoroutine) Lifetime(end time.Duration) time.Duration {
	if g.Exited {
		return g.Ended - g.Created
	}
	return end - g.Created
}

// WaitTime is time spent waiting for one reason.
type WaitTime struct {
	Reason string
	Time   time.Duration
}

// Series counts events per bucket of Timeline.BucketWidth, from the start
// of the trace. It may be shorter than the trace: missing buckets are zero.
type Series []int32

// At returns the count of bucket i.
func (s Series) At(i int) int {
	if i < 0 || i >= len(s) {
		return 0
	}
	return int(s[i])
}

// Max returns the largest bucket and its index.
func (s Series) Max() (n, at int) {
	for i, v := range s {
		if int(v) > n {
			n, at = int(v), i
		}
	}
	return n, at
}

// SpawnSite is a place that creates goroutines: a go statement (the first
// frame of the creation stack) and the function the goroutines start in.
// Goroutines that existed before tracing started have no known creation
// site; they are grouped by their start function under a site with a nil
// CreatedBy.
type SpawnSite struct {
	CreatedBy *Frame // the go statement; nil for goroutines that existed at the start
	Stack     *Stack // one full creation stack seen at this site; nil with CreatedBy
	StartFunc string
	Created   int // goroutines created here during the trace
	// AliveAtStart counts the goroutines that existed when tracing started
	// (only for sites with a nil CreatedBy).
	AliveAtStart int
	Exited       int // goroutines from this site that exited during the trace
	AliveAtEnd   int
	CreatedPer   Series // creations per bucket of Timeline.BucketWidth
	ExitedPer    Series // exits per bucket
	// PeakLive is the most goroutines of this site alive at the end of a
	// bucket, PeakAt the end of that bucket.
	PeakLive int
	PeakAt   time.Duration
	// Lifetimes of the goroutines created here that exited.
	Lifetimes Histogram
	// Creators counts the distinct goroutines that created goroutines
	// here, up to MaxCreators.
	Creators int

	creatorIDs []int64 // the creators counted
}

// Live returns how many goroutines of the site were alive at the end of
// each of n buckets.
func (s *SpawnSite) Live(n int) []int {
	live := make([]int, n)
	cur := s.AliveAtStart
	for i := range live {
		cur += s.CreatedPer.At(i) - s.ExitedPer.At(i)
		live[i] = cur
	}
	return live
}

// PeakRate returns the highest creation rate of the site, in goroutines per
// second over one bucket of width.
func (s *SpawnSite) PeakRate(width time.Duration) float64 {
	n, _ := s.CreatedPer.Max()
	if width <= 0 {
		return 0
	}
	return float64(n) / width.Seconds()
}

// BlockSite is a place where goroutines wait: a wait reason and the
// blocking stack, with the runtime's own innermost frames (gopark,
// chanrecv...) removed so that the same site reads the same whether the
// trace saw the goroutine block or found it blocked.
type BlockSite struct {
	Reason string // in the goroutine-dump vocabulary: "chan send", "sync.Mutex.Lock", ...
	Stack  *Stack // nil when the trace shows no stack for the wait
	// Blocks counts the waits that ended during the trace; Delays holds
	// their durations (except those already in progress at the start,
	// whose length is unknown).
	Blocks int
	Delays Histogram
	Total  time.Duration // all time waited here, including waits still in progress at the end
	Max    time.Duration // the longest wait that ended
	// Open counts the goroutines still waiting here at the end; OpenMax is
	// the longest of those waits, OpenSinceStart how many of them were
	// already waiting when tracing started (their waits are longer than
	// the trace shows).
	Open           int
	OpenMax        time.Duration
	OpenSinceStart int
	// Unblockers are who ended the waits, most first: the lock holder's
	// Unlock, the channel partner's send or receive, the timer or poller
	// (nil Stack). At most MaxUnblockers distinct stacks; OtherUnblocks
	// counts the rest.
	Unblockers    []Unblocker
	OtherUnblocks int
}

// Unblocker is one stack that woke goroutines waiting at a BlockSite.
type Unblocker struct {
	// Stack is the unblocking goroutine's stack at the wake-up; nil when
	// no goroutine did it (timers, the network poller, the scheduler).
	Stack       *Stack
	Count       int
	GoroutineID int64 // one goroutine that did it; 0 for none
}

// SyscallSite aggregates the system calls made from one stack.
type SyscallSite struct {
	Stack     *Stack
	Cgo       bool // a cgo call (runtime.cgocall or a _Cfunc_ frame)
	Calls     int  // calls that ended during the trace
	Durations Histogram
	Total     time.Duration // all time in calls here, including calls in progress at the end
	Max       time.Duration // the longest call that ended
	// Blocked counts the calls during which the goroutine lost its P (the
	// scheduler handed it to another thread).
	Blocked int
	Open    int           // calls still in progress at the end
	OpenMax time.Duration // the longest of them
}

// Syscall is one long system call or cgo call.
type Syscall struct {
	Goroutine int64
	Start     time.Duration // offset of its start (0 with SinceStart)
	Duration  time.Duration
	// Ongoing is true when the call had not returned when the trace
	// ended; SinceStart when it was already in progress when tracing
	// started. Either way Duration is a lower bound.
	Ongoing    bool
	SinceStart bool
	Blocked    bool // the goroutine lost its P during the call
	Cgo        bool
	Stack      *Stack
}

// Histogram summarises durations in logarithmic buckets (four per power of
// two, so a quantile is within about 12% of the true value), with the
// exact count, sum and maximum. The zero value is empty and ready to use.
type Histogram struct {
	Count   int64
	Sum     time.Duration
	Max     time.Duration
	buckets []uint32
}

const histSub = 2 // log2 of the buckets per power of two

// histBucket returns the bucket index of a duration of d nanoseconds.
func histBucket(d uint64) int {
	if d < 1<<histSub {
		return int(d)
	}
	e := bits.Len64(d) - 1
	sub := int(d>>(e-histSub)) & (1<<histSub - 1)
	return (e-histSub+1)<<histSub + sub
}

// histUpper returns the largest duration in bucket i.
func histUpper(i int) time.Duration {
	if i < 1<<histSub {
		return time.Duration(i)
	}
	e := i>>histSub + histSub - 1
	sub := uint64(i & (1<<histSub - 1))
	lo := uint64(1)<<e | sub<<(e-histSub)
	return time.Duration(lo + 1<<(e-histSub) - 1)
}

// Add records one duration; negative durations count as zero.
func (h *Histogram) Add(d time.Duration) {
	d = max(d, 0)
	if i := histBucket(uint64(d)); i < len(h.buckets) {
		h.buckets[i]++
	} else {
		h.grow(i)
	}
	h.Count++
	h.Sum += d
	h.Max = max(h.Max, d)
}

// grow counts one duration in bucket i, beyond the buckets so far; apart
// from Add so that Add inlines.
func (h *Histogram) grow(i int) {
	h.buckets = append(h.buckets, make([]uint32, i+1-len(h.buckets))...)
	h.buckets[i]++
}

// Mean returns the average duration, 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.Count == 0 {
		return 0
	}
	return h.Sum / time.Duration(h.Count)
}

// Quantile returns an upper estimate of the q-quantile (0 < q <= 1), never
// more than Max; 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.Count == 0 {
		return 0
	}
	rank := int64(q*float64(h.Count) + 0.5)
	rank = min(max(rank, 1), h.Count)
	var seen int64
	for i, n := range h.buckets {
		seen += int64(n)
		if seen >= rank {
			return min(histUpper(i), h.Max)
		}
	}
	return h.Max
}
