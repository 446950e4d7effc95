package parse

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// summarizer folds the events of an execution trace into a Timeline in one
// pass. It keeps state for live goroutines, for the distinct stacks and
// sites it has seen and for a bounded number of exited goroutines and long
// system calls; nothing grows with the number of events.
type summarizer struct {
	in *Interner
	tl *Timeline

	started bool
	start   trace.Time // time of the first event (a sync: readers start with one)
	last    trace.Time // time of the latest event
	gen     genCount

	gs      map[trace.GoID]*gstate
	gcache  [goCacheSize]*gstate // recently used states of gs, by ID: the map costs on every event
	exited  []*gstate            // the first MaxExitedGoroutines to exit
	sites   map[siteKey]*SpawnSite
	bySpawn map[*Stack]*SpawnSite // sites by creation stack, a shortcut past sites
	// blocks holds the blocking sites by blocking stack, with and without
	// its runtime frames: both keys lead to the same group.
	blocks   map[*Stack]*blockGroup
	syscalls map[*Stack]*SyscallSite
	inSys    []uint64 // the goroutine in a system call on each P, by P ID: its ID+1, 0 for none
	procs    map[trace.ProcID]struct{}
	long     syscallHeap

	// conv holds the interned conversions of the current generation's
	// stacks, made on first use; trace stacks belong to one generation,
	// so it is cleared at every generation.
	conv     map[trace.Stack]convStack
	frames   []*Frame
	lastSite *SpawnSite

	// Goroutine states and their first wait time come from slabs: a
	// trace may create millions of goroutines.
	gslab []gstate
	wslab []WaitTime
	free  []*gstate // states of exited goroutines not kept, for reuse
}

// convStack is one trace stack converted to an interned one (nil for a
// stack without frames); sys is the system call site of the stack, once a
// system call was made from it.
type convStack struct {
	stk *Stack
	sys *SyscallSite
}

// goCacheSize is the number of goroutine states cached in front of the
// map; goroutines that are busy at the same time rarely collide.
const goCacheSize = 1024

// gstate is a live goroutine: its public record and what the summarizer
// needs to account for its current state.
//
// The fields nearly every event touches come first, together, so that an
// event touches one or two cache lines of its goroutine rather than five:
// the trace reader streams through megabytes between two events of one
// goroutine. The record's durations and stack are kept in them and copied
// into TraceGoroutine by flush.
type gstate struct {
	id         trace.GoID
	state      trace.GoState
	sinceStart bool       // in state since the start of the trace
	sysBlocked bool       // the current system call lost its P
	needStart  bool       // StartFunc is still unknown
	since      trace.Time // when it entered state
	running    time.Duration
	runnable   time.Duration
	syscall    time.Duration
	stack      *Stack // the last stack (TraceGoroutine.Stack)
	prevStack  *Stack // the stack before it: loops alternate between two (a read and a write)
	// The trace stacks of stack and prevStack in the current generation,
	// trace.NoStack for none.
	lastTS, prevTS trace.Stack
	sysStack       *Stack       // stack of the current system call
	sysP           trace.ProcID // the P the current system call holds
	// The sites of the latest system calls, from two stacks.
	lastSys, prevSys *SyscallSite

	TraceGoroutine
	rawReason  string // the trace's wait reason while waiting
	reason     string // the wait reason in the dump vocabulary while waiting
	blockStack *Stack // stack of the current wait
	siteKnown  bool   // Site was resolved
	// The latest blocking site and its blocking stack.
	lastBlock      *BlockSite
	lastBlockStack *Stack
}

// flush copies the fields kept apart into g's public record.
func (g *gstate) flush() {
	g.Running, g.Runnable, g.Syscall, g.Stack = g.running, g.runnable, g.syscall, g.stack
}

type siteKey struct {
	createdBy *Frame
	startFunc string
}

// blockGroup holds the blocking sites of one stack, one per wait reason.
type blockGroup struct {
	stack *Stack // without its runtime frames
	sites []*BlockSite
}

// maxProcs bounds the P IDs whose system calls are followed; the runtime
// numbers Ps from 0 to GOMAXPROCS-1.
const maxProcs = 1 << 16

// syscallOn returns the ID+1 of the goroutine in a system call holding P
// p, 0 for none. (IDs rather than pointers: the table is written twice per
// system call, and a pointer store costs a write barrier check.)
func (s *summarizer) syscallOn(p trace.ProcID) uint64 {
	if p < 0 || int(p) >= len(s.inSys) {
		return 0
	}
	return s.inSys[p]
}

func newSummarizer(in *Interner, version int) *summarizer {
	return &summarizer{
		gen:      genCount{syncOff: traceHeaderSize},
		conv:     make(map[trace.Stack]convStack),
		in:       in,
		tl:       &Timeline{Version: version, Writers: traceWriters(version), BucketWidth: time.Millisecond},
		gs:       make(map[trace.GoID]*gstate),
		sites:    make(map[siteKey]*SpawnSite),
		bySpawn:  make(map[*Stack]*SpawnSite),
		blocks:   make(map[*Stack]*blockGroup),
		syscalls: make(map[*Stack]*SyscallSite),
		procs:    make(map[trace.ProcID]struct{}),
	}
}

// offset converts a trace time to an offset from the first event.
func (s *summarizer) offset(t trace.Time) time.Duration { return time.Duration(t - s.start) }

// record folds one record into the summary.
func (s *summarizer) record(r *traceRec) {
	t := r.t
	if t > s.last {
		s.last = t
	}
	s.tl.Events += int64(r.skip) + 1
	switch r.kind {
	case recGo:
		s.goroutine(r)
	case recProc:
		s.proc(r)
	case recSync:
		s.sync(r)
	case recGOMAXPROCS:
		s.tl.GOMAXPROCS = int(r.id)
	}
}

// skipped counts n events that made no record after the last one, the
// latest at t.
func (s *summarizer) skipped(n uint32, t trace.Time) {
	if n == 0 {
		return
	}
	s.tl.Events += int64(n)
	if t > s.last {
		s.last = t
	}
}

// restamp gives a record from a reader that did not read the whole trace
// the time one reader of the whole trace would have: a Go 1.22+ reader
// moves an event that is not later than the one before it to just after
// it, and the skipped events before the record moved likewise. Within one
// reader times are already so; only where a reader starts, in the middle
// of the trace, may the first events move.
func (s *summarizer) restamp(r *traceRec) {
	r.t = max(r.t, s.last+trace.Time(r.skip)+1)
}

// restampSkipped is restamp for n skipped events, the last at t, after the
// last record.
func (s *summarizer) restampSkipped(n uint32, t trace.Time) trace.Time {
	if n == 0 {
		return t
	}
	return max(t, s.last+trace.Time(n))
}

// complete is the number of whole generations summarised: every sync but
// the last opens one that the next sync closes.
func (g genCount) complete() int { return max(g.syncs-1, 0) }

// sinceSync is the number of events since the last sync.
func (s *summarizer) sinceSync() int64 { return s.tl.Events - s.gen.syncEvents }

// genCount is what the summary knows of the generations it has seen.
type genCount struct {
	syncs      int   // sync events seen: one opens each generation, one closes the trace
	syncEvents int64 // events summarised when the last sync arrived
	syncOff    int64 // input consumed when the last sync arrived
	validEnd   int64 // input consumed when the last complete generation had been read
}

// sync starts a generation: the stacks of the last one are gone.
func (s *summarizer) sync(r *traceRec) {
	if !s.started {
		s.started, s.start = true, r.t
		s.tl.Start = int64(r.t)
	}
	s.gen.syncs++
	s.gen.syncEvents = s.tl.Events
	s.gen.validEnd, s.gen.syncOff = s.gen.syncOff, r.pos
	clear(s.conv)
	for _, g := range s.gs {
		g.lastTS, g.prevTS = trace.NoStack, trace.NoStack
	}
	if !s.tl.WallStart.IsZero() {
		return
	}
	if c := r.clock; c != nil && !c.Wall.IsZero() {
		s.tl.WallStart = c.Wall.Add(-time.Duration(c.Trace - s.start))
	}
}

// proc counts the Ps that run and the Ps stolen from system calls.
func (s *summarizer) proc(r *traceRec) {
	id := trace.ProcID(r.id)
	from, to := trace.ProcState(r.from), trace.ProcState(r.to)
	if to == trace.ProcRunning {
		s.procs[id] = struct{}{}
	}
	// A P taken away by another P (ProcSteal) leaves Running for Idle in
	// an event that is not its own.
	if from == trace.ProcRunning && to == trace.ProcIdle && r.proc != id {
		s.tl.ProcSteals++
		if on := s.syscallOn(id); on != 0 {
			if g := s.lookup(trace.GoID(on - 1)); g != nil {
				g.sysBlocked = true
			}
			s.inSys[id] = 0
		}
	}
}

// goroutine folds one goroutine state transition (never one to
// GoUndetermined, which tells nothing and makes no record).
func (s *summarizer) goroutine(r *traceRec) {
	id := trace.GoID(r.id)
	from, to := trace.GoState(r.from), trace.GoState(r.to)
	g := s.gcache[uint64(id)%goCacheSize]
	if g == nil || g.id != id {
		g = s.lookup(id)
	}
	if g == nil || g.state != from || from == to || from == trace.GoNotExist || from == trace.GoUndetermined {
		s.transition(g, r, id, from, to)
		return
	}
	// Most events: a goroutine we follow leaves the state we have it in.
	// Leaving Running and entering Running or Runnable only move the
	// clock; they are done here, saving a call on most events (this is
	// leave's and enter's code for those states).
	stk := g.stack
	if r.stk != g.lastTS {
		stk = s.ownStack(g, r.stk)
	}
	if from == trace.GoRunning {
		g.running += time.Duration(r.t - g.since)
		g.sinceStart = false
	} else {
		s.leave(g, r.t, r, to)
	}
	if to == trace.GoRunning || to == trace.GoRunnable {
		g.state, g.since = to, r.t
	} else {
		s.enter(g, r.t, r, to, stk)
	}
}

// transition is goroutine for every case: creations, goroutines seen for
// the first time, states restated at a new generation.
func (s *summarizer) transition(g *gstate, r *traceRec, id trace.GoID, from, to trace.GoState) {
	t := r.t
	if g != nil && from == trace.GoNotExist && to != trace.GoNotExist {
		// The reader saw a creation of a goroutine we think is alive: a
		// new goroutine with a reused ID. Close the old one.
		s.leave(g, t, r, trace.GoNotExist)
		s.exit(g, t)
		g = nil
	}
	if g == nil {
		if from == trace.GoNotExist && to == trace.GoNotExist {
			return
		}
		if from == trace.GoNotExist {
			g = s.create(r, id)
		} else {
			g = s.appear(id)
		}
	}
	stk := s.ownStack(g, r.stk)
	if g.state == trace.GoUndetermined {
		s.first(g, t, r, from, to, stk)
		return
	}
	if from == to || g.state == to {
		s.restate(g, stk)
		return
	}
	s.leave(g, t, r, to)
	s.enter(g, t, r, to, stk)
}

// lookup returns the state of live goroutine id, nil when there is none.
func (s *summarizer) lookup(id trace.GoID) *gstate {
	c := &s.gcache[uint64(id)%goCacheSize]
	if g := *c; g != nil && g.id == id {
		return g
	}
	g := s.gs[id]
	if g != nil {
		*c = g
	}
	return g
}

// agrees reports whether a goroutine status record from a reader that
// started at a later generation (a transition from GoUndetermined) agrees
// with the summary so far: the goroutine is alive, in the status's state.
// A reader of the whole trace checks this and stops with an error where
// it does not hold.
func (s *summarizer) agrees(r *traceRec) bool {
	g := s.lookup(trace.GoID(r.id))
	return g != nil && g.state == trace.GoState(r.to)
}

// insert adds the state of a new live goroutine.
func (s *summarizer) insert(id trace.GoID, g *gstate) {
	s.gs[id] = g
	s.gcache[uint64(id)%goCacheSize] = g
}

// remove forgets the state of a goroutine that exited.
func (s *summarizer) remove(g *gstate) {
	delete(s.gs, g.id)
	if c := &s.gcache[uint64(g.id)%goCacheSize]; *c == g {
		*c = nil
	}
}

// first handles the first transition of a goroutine that existed when
// tracing started. Having done nothing the trace recorded until now, it was
// in the transition's from state since the start, or, when the trace does
// not know that state (a status event), in its to state.
func (s *summarizer) first(g *gstate, t trace.Time, r *traceRec, from, to trace.GoState, stk *Stack) {
	if to == trace.GoNotExist && (from == trace.GoUndetermined || from == to) {
		from = trace.GoRunning // only a running goroutine exits
	}
	if from == trace.GoUndetermined || from == to {
		s.enter(g, s.start, r, to, stk)
		g.sinceStart = true
		return
	}
	g.state, g.since, g.sinceStart = from, s.start, true
	s.leave(g, t, r, to)
	s.enter(g, t, r, to, stk)
}

// create starts a goroutine created during the trace.
func (s *summarizer) create(r *traceRec, id trace.GoID) *gstate {
	t := r.t
	g := s.newG()
	g.state, g.since = trace.GoNotExist, t
	g.id, g.ID, g.needStart = id, int64(id), true
	g.Created = s.offset(t)
	if c := r.by; c != trace.NoGoroutine {
		g.CreatorID = int64(c)
	}
	g.CreatedAt = s.stack(r.evStk)
	if start := s.stack(r.stk); start != nil {
		g.StartFunc, g.needStart = start.Frames[0].Function, false
	}
	s.insert(id, g)
	s.tl.Created++
	s.count(&s.tl.CreatedPer, g.Created)
	site := s.site(g)
	site.Created++
	s.count(&site.CreatedPer, g.Created)
	if g.CreatorID != 0 {
		site.addCreator(g.CreatorID)
	}
	return g
}

// appear starts a goroutine seen for the first time without a creation
// event: it existed when tracing started, and since it did nothing the
// trace recorded until now, it has been in its current state since then.
func (s *summarizer) appear(id trace.GoID) *gstate {
	g := s.newG()
	g.state, g.since, g.sinceStart = trace.GoUndetermined, s.start, true
	g.id, g.ID, g.needStart = id, int64(id), true
	g.AtStart = true
	s.insert(id, g)
	s.tl.AliveAtStart++
	return g
}

// slabSize is the number of goroutine states and wait times allocated at
// once.
const slabSize = 256

// newG returns a zero goroutine state, reusing one of an exited goroutine
// when it can: the few states in use stay in the cache.
func (s *summarizer) newG() *gstate {
	if n := len(s.free); n > 0 {
		g := s.free[n-1]
		s.free = s.free[:n-1]
		*g = gstate{}
		return g
	}
	if len(s.gslab) == 0 {
		s.gslab = make([]gstate, slabSize)
	}
	g := &s.gslab[0]
	s.gslab = s.gslab[1:]
	return g
}

// addWait adds d to reason in g's waits.
func (s *summarizer) addWait(g *gstate, reason string, d time.Duration) {
	for i := range g.Waits {
		if w := &g.Waits[i]; w.Reason == reason {
			w.Time += d
			return
		}
	}
	if g.Waits == nil {
		if len(s.wslab) == 0 {
			s.wslab = make([]WaitTime, slabSize)
		}
		g.Waits, s.wslab = s.wslab[:0:1], s.wslab[1:]
	}
	g.Waits = append(g.Waits, WaitTime{Reason: reason, Time: d})
}

// ownStack converts a stack of g's own transition and records it as g's
// last stack; a goroutine often shows the same stack again and again, or
// two in turn.
func (s *summarizer) ownStack(g *gstate, ts trace.Stack) *Stack {
	if ts == trace.NoStack {
		return nil
	}
	if ts == g.lastTS {
		return g.stack
	}
	if ts == g.prevTS {
		g.stack, g.prevStack = g.prevStack, g.stack
		g.lastTS, g.prevTS = g.prevTS, g.lastTS
		return g.stack
	}
	stk := s.stack(ts)
	if stk != nil {
		g.prevStack, g.prevTS = g.stack, g.lastTS
		s.noteStack(g, stk)
		g.lastTS = ts
	}
	return stk
}

// noteStack records a stack of g's own: its last stack, and its start
// function when its creation was not seen (the outermost frame).
func (s *summarizer) noteStack(g *gstate, stk *Stack) {
	g.stack = stk
	if g.needStart && len(stk.Frames) > 0 {
		g.StartFunc, g.needStart = stk.Frames[len(stk.Frames)-1].Function, false
	}
}

// restate handles a transition that does not change g's state (a status
// restated at a new generation): its stack may tell a wait reason the
// trace left empty.
func (s *summarizer) restate(g *gstate, stk *Stack) {
	if stk == nil {
		return
	}
	switch g.state {
	case trace.GoWaiting:
		if g.blockStack == nil {
			g.blockStack = stk
			g.reason = waitState(g.rawReason, stk)
		}
	case trace.GoSyscall:
		if g.sysStack == nil {
			g.sysStack = stk
		}
	}
}

// leave accounts for the time g spent in its current state, which it
// leaves at t for state to.
func (s *summarizer) leave(g *gstate, t trace.Time, r *traceRec, to trace.GoState) {
	d := time.Duration(t - g.since)
	switch g.state {
	case trace.GoRunning:
		g.running += d
	case trace.GoRunnable:
		g.runnable += d
		if !g.sinceStart {
			s.tl.SchedLatency.Add(d)
		}
	case trace.GoWaiting:
		s.endWait(g, d, r, to)
	case trace.GoSyscall:
		g.syscall += d
		s.endSyscall(g, d, to)
	}
	g.sinceStart = false
}

// endWait closes a wait of d that ends with a transition to state to.
func (s *summarizer) endWait(g *gstate, d time.Duration, r *traceRec, to trace.GoState) {
	reason := g.waitReason()
	var by int64
	var byStack *Stack
	if to == trace.GoRunnable {
		// In a Waiting->Runnable transition the event's goroutine and
		// stack are the unblocker's.
		if ub := r.by; ub != trace.NoGoroutine && ub != g.id {
			by, byStack = int64(ub), s.stack(r.evStk)
		}
		if reason == "waiting" {
			// A wait the trace found without a reason or stack: a sync
			// unlock that ends it names it.
			if r := unblockedWait(byStack); r != "" {
				reason = r
			}
		}
	}
	s.addWait(g, reason, d)
	b := s.goBlock(g, reason)
	b.Total += d
	b.Blocks++
	b.Max = max(b.Max, d)
	if !g.sinceStart {
		b.Delays.Add(d)
	}
	if to == trace.GoRunnable {
		b.addUnblocker(byStack, by)
	}
	g.blockStack, g.rawReason, g.reason = nil, "", ""
}

// endSyscall closes a system call of d that ends with a transition to
// state to.
func (s *summarizer) endSyscall(g *gstate, d time.Duration, to trace.GoState) {
	// Returning Runnable (GoSyscallEndBlocked) means the call lost its P.
	blocked := g.sysBlocked || to == trace.GoRunnable
	site := s.goSyscallSite(g)
	site.Calls++
	site.Total += d
	site.Max = max(site.Max, d)
	if blocked {
		site.Blocked++
	}
	if !g.sinceStart {
		site.Durations.Add(d)
	}
	if d >= LongSyscall {
		s.long.add(Syscall{
			Goroutine: g.ID, Start: s.offset(g.since), Duration: d, SinceStart: g.sinceStart,
			Blocked: blocked, Cgo: site.Cgo, Stack: g.sysStack,
		})
	}
	if s.syscallOn(g.sysP) == uint64(g.id)+1 {
		s.inSys[g.sysP] = 0
	}
	g.sysStack, g.sysBlocked, g.sysP = nil, false, trace.NoProc
}

// enter puts g in state to at t.
func (s *summarizer) enter(g *gstate, t trace.Time, r *traceRec, to trace.GoState, stk *Stack) {
	g.state, g.since = to, t
	switch to {
	case trace.GoWaiting:
		g.rawReason = r.reason
		g.blockStack = stk
		g.reason = waitState(g.rawReason, stk)
	case trace.GoSyscall:
		g.sysStack = stk
		s.noteSyscallSite(g, r.stk, stk)
		g.sysP = r.proc
		if g.sysP >= 0 && g.sysP < maxProcs {
			if int(g.sysP) >= len(s.inSys) {
				s.inSys = append(s.inSys, make([]uint64, int(g.sysP)+1-len(s.inSys))...)
			}
			s.inSys[g.sysP] = uint64(g.id) + 1
		}
	case trace.GoNotExist:
		s.exit(g, t)
	}
}

// exit records g's end at t and forgets its state.
func (s *summarizer) exit(g *gstate, t trace.Time) {
	s.remove(g)
	g.flush()
	g.Exited = true
	g.Ended = s.offset(t)
	g.State, g.Since, g.SinceStart = "", g.Ended, false
	s.tl.Exited++
	s.count(&s.tl.ExitedPer, g.Ended)
	site := s.site(g)
	site.Exited++
	s.count(&site.ExitedPer, g.Ended)
	if !g.AtStart {
		site.Lifetimes.Add(g.Ended - g.Created)
	}
	if len(s.exited) < MaxExitedGoroutines {
		s.exited = append(s.exited, g)
	} else {
		s.tl.ExitedDropped++
		s.free = append(s.free, g)
	}
}

// record returns g's public record, sorted for reading.
func (g *gstate) record() TraceGoroutine {
	r := g.TraceGoroutine
	slices.SortFunc(r.Waits, func(a, b WaitTime) int { return cmp.Compare(b.Time, a.Time) })
	return r
}

// waitReason returns g's wait reason in the dump vocabulary.
func (g *gstate) waitReason() string {
	if g.reason == "" {
		return waitState(g.rawReason, g.blockStack)
	}
	return g.reason
}

// site returns g's spawn site, resolving it on first use: by its go
// statement when the trace saw its creation, else by its start function.
func (s *summarizer) site(g *gstate) *SpawnSite {
	if g.siteKnown {
		return g.Site
	}
	if g.CreatedAt != nil {
		site := s.lastSite
		if site == nil || site.Stack != g.CreatedAt {
			site = s.bySpawn[g.CreatedAt]
		}
		if site != nil && site.StartFunc == g.StartFunc {
			g.Site, g.siteKnown, s.lastSite = site, true, site
			return site
		}
	}
	var k siteKey
	k.startFunc = g.StartFunc
	if g.CreatedAt != nil && len(g.CreatedAt.Frames) > 0 {
		k.createdBy = g.CreatedAt.Frames[0]
	}
	site := s.sites[k]
	if site == nil {
		site = &SpawnSite{CreatedBy: k.createdBy, StartFunc: k.startFunc}
		if k.createdBy != nil {
			site.Stack = g.CreatedAt
		}
		s.sites[k] = site
	}
	if g.CreatedAt != nil {
		s.bySpawn[g.CreatedAt] = site
		s.lastSite = site
	}
	if g.AtStart {
		site.AliveAtStart++
	}
	g.Site, g.siteKnown = site, true
	return site
}

// count adds one to the bucket of offset in series, widening the buckets
// of every series when the trace outgrows MaxBuckets of them.
func (s *summarizer) count(series *Series, offset time.Duration) {
	s.cover(offset)
	// Past the widest buckets cover allows (offsets of ~73 years: a
	// corrupt clock), the last bucket takes the rest.
	i := min(int(offset/s.tl.BucketWidth), MaxBuckets-1)
	if i >= len(*series) {
		*series = append(*series, make(Series, i+1-len(*series))...)
	}
	(*series)[i]++
}

// cover widens the buckets until MaxBuckets of them reach past offset.
func (s *summarizer) cover(offset time.Duration) {
	for offset >= s.tl.BucketWidth*MaxBuckets && s.tl.BucketWidth < math.MaxInt64/(4*MaxBuckets) {
		s.widen()
	}
}

// widen doubles the bucket width, merging pairs of buckets in every series.
func (s *summarizer) widen() {
	s.tl.BucketWidth *= 2
	s.tl.CreatedPer = s.tl.CreatedPer.halve()
	s.tl.ExitedPer = s.tl.ExitedPer.halve()
	for _, site := range s.sites {
		site.CreatedPer = site.CreatedPer.halve()
		site.ExitedPer = site.ExitedPer.halve()
	}
}

// halve merges pairs of buckets.
func (s Series) halve() Series {
	for i, v := range s {
		if i%2 == 0 {
			s[i/2] = v
		} else {
			s[i/2] += v
		}
	}
	return s[:(len(s)+1)/2]
}

// goBlock returns the blocking site of g's current wait; goroutines tend
// to block at the same site again and again.
func (s *summarizer) goBlock(g *gstate, reason string) *BlockSite {
	if b := g.lastBlock; b != nil && g.blockStack == g.lastBlockStack && b.Reason == reason {
		return b
	}
	b := s.block(reason, g.blockStack)
	g.lastBlock, g.lastBlockStack = b, g.blockStack
	return b
}

// noteSyscallSite makes the site of system calls from stk, the stack of
// record stack index idx, g's latest.
func (s *summarizer) noteSyscallSite(g *gstate, ts trace.Stack, stk *Stack) {
	switch {
	case g.lastSys != nil && g.lastSys.Stack == stk:
	case g.prevSys != nil && g.prevSys.Stack == stk:
		g.lastSys, g.prevSys = g.prevSys, g.lastSys
	default:
		g.lastSys, g.prevSys = s.stackSyscallSite(ts, stk), g.lastSys
	}
}

// goSyscallSite returns the site of g's current system call.
func (s *summarizer) goSyscallSite(g *gstate) *SyscallSite {
	if site := g.lastSys; site != nil && site.Stack == g.sysStack {
		return site
	}
	g.lastSys = s.syscallSite(g.sysStack)
	return g.lastSys
}

// block returns the blocking site for a reason and stack.
func (s *summarizer) block(reason string, stk *Stack) *BlockSite {
	grp := s.blocks[stk]
	if grp == nil {
		trimmed := s.trimRuntime(stk)
		grp = s.blocks[trimmed]
		if grp == nil {
			grp = &blockGroup{stack: trimmed}
			s.blocks[trimmed] = grp
		}
		s.blocks[stk] = grp
	}
	for _, b := range grp.sites {
		if b.Reason == reason {
			return b
		}
	}
	b := &BlockSite{Reason: reason, Stack: grp.stack}
	grp.sites = append(grp.sites, b)
	return b
}

// trimRuntime drops the runtime's innermost frames (gopark, chanrecv,
// selectgo, the sync and poll hooks into the runtime) from a blocking
// stack, keeping at least one frame. A wait the trace saw begin (GoBlock)
// and one found in progress (GoStatusStack) differ only there.
func (s *summarizer) trimRuntime(stk *Stack) *Stack {
	if stk == nil {
		return nil
	}
	i := 0
	for i < len(stk.Frames)-1 && isParkFrame(stk.Frames[i]) {
		i++
	}
	if i == 0 {
		return stk
	}
	return s.in.Stack(stk.Frames[i:], nil, 0, 0)
}

// isParkFrame reports whether f is part of the machinery that parks a
// goroutine rather than the code that waits: the runtime, the runtime
// hooks of other packages (sync.runtime_SemacquireMutex,
// internal/poll.runtime_pollWait) and internal/sync.
func isParkFrame(f *Frame) bool {
	return f.Runtime || strings.Contains(f.Function, ".runtime_") || strings.HasPrefix(f.Function, "internal/sync.")
}

// unblockedWait names the wait that an unblocking stack ends, when it is a
// sync primitive's release: sync.(*Mutex).Unlock ends a Lock. Channel
// operations are ambiguous (a send wakes a receive or a select) and give "".
func unblockedWait(stk *Stack) string {
	if stk == nil {
		return ""
	}
	for _, f := range stk.Frames {
		switch f.Function {
		case "sync.(*Mutex).Unlock", "sync.(*Mutex).unlockSlow", "internal/sync.(*Mutex).Unlock", "internal/sync.(*Mutex).unlockSlow":
			return "sync.Mutex.Lock"
		case "sync.(*RWMutex).Unlock":
			return "sync.RWMutex.RLock"
		case "sync.(*RWMutex).RUnlock", "sync.(*RWMutex).rUnlockSlow":
			return "sync.RWMutex.Lock"
		case "sync.(*WaitGroup).Add", "sync.(*WaitGroup).Done":
			return "sync.WaitGroup.Wait"
		case "sync.(*Cond).Signal", "sync.(*Cond).Broadcast":
			return "sync.Cond.Wait"
		}
	}
	return ""
}

// addCreator counts a creator goroutine of the site, up to MaxCreators.
func (site *SpawnSite) addCreator(id int64) {
	ids := site.creatorIDs
	if n := len(ids); n > 0 && ids[n-1] == id || n >= MaxCreators || slices.Contains(ids, id) {
		return
	}
	site.creatorIDs = append(ids, id)
	site.Creators = len(site.creatorIDs)
}

// addUnblocker records who ended a wait at b.
func (b *BlockSite) addUnblocker(stk *Stack, by int64) {
	for i := range b.Unblockers {
		if u := &b.Unblockers[i]; u.Stack == stk {
			u.Count++
			return
		}
	}
	if len(b.Unblockers) >= MaxUnblockers {
		b.OtherUnblocks++
		return
	}
	b.Unblockers = append(b.Unblockers, Unblocker{Stack: stk, Count: 1, GoroutineID: by})
}

// stackSyscallSite returns the site of system calls made from stk, the
// conversion of trace stack ts, through the generation's table.
func (s *summarizer) stackSyscallSite(ts trace.Stack, stk *Stack) *SyscallSite {
	c, ok := s.conv[ts] // converted by ownStack
	if ts == trace.NoStack || !ok {
		return s.syscallSite(stk)
	}
	if c.sys == nil {
		c.sys = s.syscallSite(stk)
		s.conv[ts] = c
	}
	return c.sys
}

// syscallSite returns the site of system calls made from stk.
func (s *summarizer) syscallSite(stk *Stack) *SyscallSite {
	site := s.syscalls[stk]
	if site == nil {
		site = &SyscallSite{Stack: stk, Cgo: isCgoStack(stk)}
		s.syscalls[stk] = site
	}
	return site
}

// isCgoStack reports whether a system call stack is a cgo call.
func isCgoStack(stk *Stack) bool {
	if stk == nil {
		return false
	}
	for _, f := range stk.Frames {
		if f.Cgo {
			return true
		}
	}
	return false
}

// stack returns the interned stack of a trace stack, nil for none; each
// stack of a generation is converted once.
func (s *summarizer) stack(ts trace.Stack) *Stack {
	if ts == trace.NoStack {
		return nil
	}
	if c, ok := s.conv[ts]; ok {
		return c.stk
	}
	fr := s.frames[:0]
	for f := range ts.Frames() {
		fr = append(fr, s.in.FrameOf(frameFunc(f.Func), f.File, int(min(f.Line, 1<<31-1)), f.PC))
	}
	s.frames = fr
	var stk *Stack
	if len(fr) > 0 {
		stk = s.in.Stack(fr, nil, 0, 0)
	}
	s.conv[ts] = convStack{stk: stk}
	return stk
}

// frameFunc names a frame whose function the trace does not know "?", as
// dumps print unknown places.
func frameFunc(fn string) string {
	if fn == "" {
		return "?"
	}
	return fn
}

// syscallHeap keeps the longest system calls, shortest on top.
type syscallHeap []Syscall

func (h syscallHeap) Len() int           { return len(h) }
func (h syscallHeap) Less(i, j int) bool { return h[i].Duration < h[j].Duration }
func (h syscallHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *syscallHeap) Push(x any)        { *h = append(*h, x.(Syscall)) }
func (h *syscallHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// add keeps c if it is among the MaxLongSyscalls longest.
func (h *syscallHeap) add(c Syscall) {
	if len(*h) < MaxLongSyscalls {
		heap.Push(h, c)
		return
	}
	if (*h)[0].Duration < c.Duration {
		(*h)[0] = c
		heap.Fix(h, 0)
	}
}

// finish ends the summary at the last event: every goroutine still alive
// is closed there. It returns the timeline and the goroutines alive at the
// end in dump form, by ID.
func (s *summarizer) finish() (*Timeline, []Goroutine) {
	tl := s.tl
	end := s.last
	tl.Duration = s.offset(end)
	tl.End = int64(end)
	live := make([]*gstate, 0, len(s.gs))
	for _, g := range s.gs {
		live = append(live, g)
	}
	slices.SortFunc(live, func(a, b *gstate) int { return cmp.Compare(a.ID, b.ID) })
	dump := make([]Goroutine, 0, len(live))
	for _, g := range live {
		s.close(g, end)
		dump = append(dump, s.dumpGoroutine(g, end))
	}
	all := slices.Concat(live, s.exited)
	slices.SortFunc(all, func(a, b *gstate) int {
		if a.AtStart != b.AtStart {
			if a.AtStart {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Created, b.Created), cmp.Compare(a.ID, b.ID))
	})
	tl.Goroutines = make([]TraceGoroutine, len(all))
	for i, g := range all {
		tl.Goroutines[i] = g.record()
	}
	tl.Procs = len(s.procs)
	s.cover(tl.Duration)
	s.finishSites()
	s.finishBlocks()
	tl.Syscalls = sortedValues(s.syscalls, func(a, b *SyscallSite) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(stackHash(a.Stack), stackHash(b.Stack)))
	})
	tl.LongSyscalls = slices.Clone(s.long)
	slices.SortFunc(tl.LongSyscalls, func(a, b Syscall) int {
		return cmp.Or(cmp.Compare(b.Duration, a.Duration), cmp.Compare(a.Goroutine, b.Goroutine))
	})
	tl.Waiting = waitTotals(tl.Blocks)
	return tl, dump
}

// waitTotals sums the time waited at blocking sites by reason, longest
// first.
func waitTotals(blocks []*BlockSite) []WaitTime {
	var out []WaitTime
	for _, b := range blocks {
		i := slices.IndexFunc(out, func(w WaitTime) bool { return w.Reason == b.Reason })
		if i < 0 {
			i = len(out)
			out = append(out, WaitTime{Reason: b.Reason})
		}
		out[i].Time += b.Total
	}
	slices.SortFunc(out, func(a, b WaitTime) int {
		return cmp.Or(cmp.Compare(b.Time, a.Time), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

// close accounts for a goroutine alive at the end of the trace.
func (s *summarizer) close(g *gstate, end trace.Time) {
	d := time.Duration(end - g.since)
	defer g.flush()
	switch g.state {
	case trace.GoRunning:
		g.running += d
		g.State = "running"
	case trace.GoRunnable:
		g.runnable += d
		g.State = "runnable"
	case trace.GoWaiting:
		reason := g.waitReason()
		s.addWait(g, reason, d)
		b := s.block(reason, g.blockStack)
		b.Total += d
		b.Open++
		b.OpenMax = max(b.OpenMax, d)
		if g.sinceStart {
			b.OpenSinceStart++
		}
		g.State = reason
		s.tl.BlockedAtEnd++
	case trace.GoSyscall:
		g.syscall += d
		site := s.syscallSite(g.sysStack)
		site.Total += d
		site.Open++
		site.OpenMax = max(site.OpenMax, d)
		s.long.add(Syscall{
			Goroutine: g.ID, Start: s.offset(g.since), Duration: d, Ongoing: true, SinceStart: g.sinceStart,
			Blocked: g.sysBlocked, Cgo: site.Cgo, Stack: g.sysStack,
		})
		g.State = "syscall"
	default: // unreachable: every goroutine has a state once seen
		g.running += d
		g.State = "running"
	}
	g.Since, g.SinceStart = s.offset(g.since), g.sinceStart
	s.site(g).AliveAtEnd++
	s.tl.AliveAtEnd++
}

// dumpGoroutine returns g as a goroutine dump would show it at the end of
// the trace: its last stack with its creation site, its state and how long
// it has been in it when waiting or in a system call.
func (s *summarizer) dumpGoroutine(g *gstate, end trace.Time) Goroutine {
	var frames []*Frame
	if g.Stack != nil {
		frames = g.Stack.Frames
	}
	var createdBy *Frame
	if g.CreatedAt != nil && len(g.CreatedAt.Frames) > 0 {
		createdBy = g.CreatedAt.Frames[0]
	}
	d := Goroutine{
		ID:        g.ID,
		Count:     1,
		State:     g.State,
		Stack:     s.in.Stack(frames, createdBy, 0, 0),
		CreatorID: g.CreatorID,
	}
	if g.state == trace.GoWaiting || g.state == trace.GoSyscall {
		d.Wait = time.Duration(end - g.since)
	}
	if isSystemStart(g.StartFunc) {
		d.Flags |= FlagSystem
	}
	return d
}

// finishSites sorts the spawn sites, most goroutines first, and finds each
// one's peak of live goroutines.
func (s *summarizer) finishSites() {
	n := min(s.tl.Bucket(s.tl.Duration)+1, MaxBuckets)
	for _, site := range s.sites {
		site.PeakLive = site.AliveAtStart
		for i, live := range site.Live(n) {
			if live > site.PeakLive {
				site.PeakLive, site.PeakAt = live, min(time.Duration(i+1)*s.tl.BucketWidth, s.tl.Duration)
			}
		}
	}
	s.tl.Sites = sortedValues(s.sites, func(a, b *SpawnSite) int {
		return cmp.Or(cmp.Compare(b.Created+b.AliveAtStart, a.Created+a.AliveAtStart),
			cmp.Compare(a.StartFunc, b.StartFunc), cmp.Compare(frameHash(a.CreatedBy), frameHash(b.CreatedBy)))
	})
}

// finishBlocks sorts the blocking sites, most blocked time first, and
// their unblockers, most wake-ups first.
func (s *summarizer) finishBlocks() {
	var blocks []*BlockSite
	for stk, grp := range s.blocks {
		if stk != grp.stack {
			continue // a full stack leading to its trimmed one's group
		}
		for _, b := range grp.sites {
			slices.SortStableFunc(b.Unblockers, func(x, y Unblocker) int { return cmp.Compare(y.Count, x.Count) })
			blocks = append(blocks, b)
		}
	}
	slices.SortFunc(blocks, func(a, b *BlockSite) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Reason, b.Reason), cmp.Compare(stackHash(a.Stack), stackHash(b.Stack)))
	})
	s.tl.Blocks = blocks
}

// sortedValues returns the values of m sorted by cmpFn.
func sortedValues[K comparable, V any](m map[K]V, cmpFn func(a, b V) int) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, cmpFn)
	return out
}

func stackHash(s *Stack) uint64 {
	if s == nil {
		return 0
	}
	return s.Hash
}

func frameHash(f *Frame) uint64 {
	if f == nil {
		return 0
	}
	return f.hash
}

// isSystemStart reports whether a goroutine starting in fn belongs to the
// runtime (GC workers, the finalizer, the scavenger...).
func isSystemStart(fn string) bool {
	return isRuntimeFunc(fn) && fn != "runtime.main" && fn != "runtime.handleAsyncEvent"
}

// waitState returns the wait state a goroutine dump would print for a
// trace's wait reason and the blocking stack. Traces name waits more
// coarsely than dumps: "sync" covers Mutex, RWMutex, WaitGroup and bare
// semaphores, "forever" nil channels and select {}, and a goroutine found
// already blocked when tracing started has no reason at all; the stack
// tells them apart. It returns "waiting" when neither says more.
func waitState(reason string, stk *Stack) string {
	switch reason {
	case "chan receive", "chan send", "select", "sleep":
		return reason
	case "network":
		return "IO wait"
	case "sync.(*Cond).Wait":
		return "sync.Cond.Wait"
	case "GC mark assist wait for work":
		return "GC assist wait"
	case "GC background sweeper wait":
		return "GC sweep wait"
	case "wait until GC ends":
		return "wait for GC cycle"
	case "sync":
		if op := stackWait(stk); isSyncState(op) {
			return op
		}
		return "semacquire"
	case "forever":
		switch op := stackWait(stk); op {
		case "chan receive":
			return "chan receive (nil chan)"
		case "chan send":
			return "chan send (nil chan)"
		case "select (no cases)":
			return op
		}
		return reason
	case "", "unspecified", "system goroutine wait":
		if op := stackWait(stk); op != "" {
			return op
		}
		if reason == "system goroutine wait" {
			return reason
		}
		return "waiting"
	}
	return reason
}

// isSyncState reports whether op is a sync package wait.
func isSyncState(op string) bool {
	switch op {
	case "sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "semacquire":
		return true
	}
	return false
}

// stackWait names the wait of a blocking stack from its innermost frame
// that shows one, as the runtime would name it; "" when none does. A bare
// semaphore acquisition is refined by the sync primitive that called it.
func stackWait(stk *Stack) string {
	if stk == nil {
		return ""
	}
	found := ""
	for _, f := range stk.Frames {
		op := frameWait(f.Function)
		switch {
		case op == "":
			continue
		case found == "semacquire":
			if isSyncState(op) && op != "semacquire" {
				return op
			}
			if op != "semacquire" {
				return found
			}
		case op == "semacquire":
			found = op
		default:
			return op
		}
	}
	return found
}

// frameWait names the wait a frame's function performs.
func frameWait(fn string) string {
	switch fn {
	case "runtime.chanrecv", "runtime.chanrecv1", "runtime.chanrecv2":
		return "chan receive"
	case "runtime.chansend", "runtime.chansend1":
		return "chan send"
	case "runtime.selectgo", "reflect.rselect":
		return "select"
	case "runtime.block":
		return "select (no cases)"
	case "sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow", "internal/sync.(*Mutex).Lock", "internal/sync.(*Mutex).lockSlow":
		return "sync.Mutex.Lock"
	case "sync.(*RWMutex).RLock":
		return "sync.RWMutex.RLock"
	case "sync.(*RWMutex).Lock":
		return "sync.RWMutex.Lock"
	case "sync.(*WaitGroup).Wait":
		return "sync.WaitGroup.Wait"
	case "sync.(*Cond).Wait", "runtime.notifyListWait", "sync.runtime_notifyListWait":
		return "sync.Cond.Wait"
	case "runtime.semacquire", "runtime.semacquire1", "sync.runtime_Semacquire", "internal/poll.runtime_Semacquire":
		return "semacquire"
	case "time.Sleep", "runtime.timeSleep":
		return "sleep"
	case "runtime.netpollblock", "internal/poll.runtime_pollWait":
		return "IO wait"
	case "runtime.gcBgMarkWorker":
		return "GC worker (idle)"
	case "runtime.bgsweep":
		return "GC sweep wait"
	case "runtime.bgscavenge":
		return "GC scavenge wait"
	case "runtime.runfinq", "runtime.runFinalizers":
		return "finalizer wait"
	case "runtime.forcegchelper":
		return "force gc (idle)"
	case "runtime.runCleanups":
		return "cleanup wait"
	case "runtime.updateMaxProcsGoroutine":
		return "GOMAXPROCS updater (idle)"
	case "runtime.ReadTrace", "runtime.readTrace0", "runtime.traceReader":
		return "trace reader (blocked)"
	}
	return ""
}
