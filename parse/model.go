package parse

import (
	"strings"
	"time"
)

// Format names the kind of input a Snapshot was read from. The values are
// part of the JSON contract ("format" of an input) and never change.
type Format string

const (
	FormatDebug2       Format = "goroutine-debug2"     // goroutine?debug=2, runtime.Stack(all), GOTRACEBACK dumps
	FormatCrash        Format = "crash"                // panic / fatal error / signal output with goroutines
	FormatLeakDebug2   Format = "goroutineleak-debug2" // goroutineleak?debug=2
	FormatDebug1       Format = "goroutine-debug1"     // goroutine profile: total N
	FormatLeakDebug1   Format = "goroutineleak-debug1" // goroutineleak profile: total N
	FormatDebug0       Format = "goroutine-debug0"     // protobuf goroutine profile
	FormatLeakDebug0   Format = "goroutineleak-debug0" // protobuf goroutineleak profile
	FormatMutex        Format = "mutex"                // mutex contention profile (protobuf or text)
	FormatBlock        Format = "block"                // block profile (protobuf or text)
	FormatRace         Format = "race"                 // race detector output without a goroutine dump
	FormatTrace        Format = "trace"                // runtime execution trace
	FormatUnrecognized Format = ""
)

// Caps says what an input can show. Detectors declare the caps they need and
// are skipped when a snapshot lacks them.
type Caps uint32

const (
	CapGoroutineIDs  Caps = 1 << iota // individual goroutines with IDs
	CapStates                         // wait states ("chan receive", "IO wait", ...)
	CapWaitAges                       // "N minutes" wait ages (absent means < 1 minute)
	CapCreators                       // "created by" frames
	CapCreatorIDs                     // "created by X in goroutine N" (Go 1.21+)
	CapLabels                         // pprof labels
	CapCrash                          // a crash header (panic, fatal error, signal)
	CapRaces                          // race detector reports
	CapContention                     // contention samples with delays
	CapTimeline                       // execution-trace timeline
	CapGroupedCounts                  // goroutines arrive pre-grouped with counts (debug=0/1)
	CapArgs                           // frame arguments were printed
)

var capNames = [...]string{
	"goroutine-ids", "states", "wait-ages", "creators", "creator-ids", "labels",
	"crash", "races", "contention", "timeline", "grouped-counts",
}

// Has reports whether every cap in want is present.
func (c Caps) Has(want Caps) bool { return c&want == want }

// Names lists the caps by their stable names.
func (c Caps) Names() []string {
	var out []string
	for i, n := range capNames {
		if c&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func (c Caps) String() string { return strings.Join(c.Names(), ",") }

// Source describes where a snapshot came from.
type Source struct {
	Name      string    // file name, URL or "-" for stdin
	Index     int       // 0-based position of this snapshot within its input (several dumps in one file)
	Format    Format    //
	GoVersion string    // "go1.26.8" when the input shows it, else ""
	Taken     time.Time // when the snapshot was taken, when the input shows it
	Offset    int64     // byte offset of the snapshot's first line within the (decompressed) input
	Line      int       // 1-based line of the snapshot's first line, for text inputs
	Bytes     int64     // bytes of input read for this snapshot
	// Compressed is true when the input was gzip-compressed; offsets and
	// lines are those of the decompressed text.
	Compressed bool
}

// Severity of a Warning.
type WarningKind string

const (
	WarnTruncated     WarningKind = "truncated"      // input ended mid-dump; data after the cut is lost
	WarnMalformed     WarningKind = "malformed"      // a line could not be understood and was skipped
	WarnLongLine      WarningKind = "long-line"      // a line longer than the reader's limit was cut
	WarnPprofCap      WarningKind = "pprof-64mib"    // net/http/pprof debug=2 output stopped at its 64 MiB buffer
	WarnCountMismatch WarningKind = "count-mismatch" // a profile's declared total differs from what was read
)

// Warning says what could not be read, and where.
type Warning struct {
	Kind    WarningKind
	Line    int   // 1-based line in the input, 0 when unknown or not text
	Offset  int64 // byte offset in the input, -1 when unknown
	Message string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return "line " + itoa(w.Line) + ": " + w.Message
	}
	return w.Message
}

// Snapshot is one dump, profile or trace read into the model.
type Snapshot struct {
	Source     Source
	Caps       Caps
	Goroutines []Goroutine // in input order; Count > 1 for grouped profiles
	Crash      *Crash      // nil unless the input is crash output
	Races      []Race      // race detector reports
	Contention *Contention // mutex and block profiles
	Timeline   *Timeline   // execution traces
	Warnings   []Warning
	// Total is the goroutine count the input declares ("goroutine profile:
	// total N"), or the sum of Counts when it declares none.
	Total int
}

// GoroutineCount is the number of goroutines the snapshot holds, counting
// grouped samples by their Count.
func (s *Snapshot) GoroutineCount() int {
	n := 0
	for i := range s.Goroutines {
		n += s.Goroutines[i].Count
	}
	return n
}

// GoroutineFlags are the facts a goroutine header can carry besides its state.
type GoroutineFlags uint16

const (
	FlagLockedToThread   GoroutineFlags = 1 << iota // "locked to thread"
	FlagLeaked                                      // "(leaked)": the runtime proved it can never run again
	FlagDurable                                     // "(durable)" in a synctest bubble
	FlagScan                                        // "(scan)": being scanned by the GC
	FlagSystem                                      // a runtime-internal goroutine (by its stack)
	FlagCrashed                                     // the goroutine that crashed the program
	FlagStackUnavailable                            // "goroutine running on other thread; stack unavailable"
	FlagFramesElided                                // the stack was cut by the runtime
	FlagSynctestBubble                              // member of a synctest bubble (see Goroutine.Bubble)
)

// Goroutine is one goroutine, or one group of identical goroutines in a
// grouped profile (Count > 1).
type Goroutine struct {
	ID        int64          // 0 when the input has no IDs
	Count     int            // 1 in dumps; the sample count in grouped profiles
	State     string         // wait state as printed, without modifiers: "chan receive", "IO wait", "running"
	Wait      time.Duration  // wait age; dumps print whole minutes, so 0 means "under a minute"
	Flags     GoroutineFlags //
	Stack     *Stack         // interned; never nil
	Labels    *Labels        // interned; nil when none
	CreatorID int64          // goroutine that created this one, 0 when unknown
	Line      int            // 1-based input line of the header, 0 for binary inputs
	// Extra holds what few goroutines carry; nil when there is none. It
	// keeps Goroutine small: a dump may hold a million of them.
	Extra *GoroutineExtra
}

// GoroutineExtra holds the rarer facts of a goroutine header.
type GoroutineExtra struct {
	Bubble    int64      // synctest bubble ID when FlagSynctestBubble
	Ancestors []Ancestor // GODEBUG=tracebackancestors sections
	GP, M     uint64     // "gp=0x... m=N" (Go 1.23+ crash and GOTRACEBACK=system output); M is the M id
	MNil      bool       // "m=nil"
	// HiddenFrames is, in a debug=1 profile, how many leading runtime
	// frames the profile did not print: the addresses on the count line
	// before the first printed one (2 for runtime.gopark and
	// runtime.selectgo, 3 for a channel operation's gopark, chansend or
	// chanrecv and its chansend1/chanrecv1/chanrecv2 wrapper). 0 when
	// none or unknown.
	HiddenFrames int
}

// extra returns g.Extra, allocating it on first use.
func (g *Goroutine) extra() *GoroutineExtra {
	if g.Extra == nil {
		g.Extra = new(GoroutineExtra)
	}
	return g.Extra
}

// Has reports whether all of f are set.
func (g *Goroutine) Has(f GoroutineFlags) bool { return g.Flags&f == f }

// Ancestor is one "[originating from goroutine N]:" section.
type Ancestor struct {
	ID    int64
	Stack *Stack
}

// Stack is an interned call stack: two goroutines with the same frames and
// the same creation site share one *Stack, so pointer equality is stack
// equality within one Interner.
type Stack struct {
	Frames    []*Frame // innermost first
	CreatedBy *Frame   // "created by" site, nil when absent
	Elided    int      // frames the runtime elided: -1 for "...additional frames elided...", N for "...N frames elided..."
	ElidedAt  int      // index in Frames where the elision marker appeared
	Hash      uint64   // stable content hash (function, file, line of every frame and the creator)
	ID        int      // dense per-Interner index, for maps and arrays
}

// Frame is one interned stack frame.
type Frame struct {
	Function string // fully qualified: "net/http.(*conn).serve", "main.main.func1", "runtime.gopark"
	File     string // as printed, "/usr/local/go/src/runtime/proc.go" or "C:/Go/src/..." or "?"
	Line     int    // may be negative or 0 for unknown
	PC       uint64 // the "+0x1d" offset in text dumps, or the address in profiles; 0 when unknown
	Inlined  bool   // printed with "(...)": an inlined call with no own arguments
	Runtime  bool   // in package runtime or internal runtime packages (kept, but marked)
	Cgo      bool   // a cgo frame (_Cfunc_, _cgo_, C code)

	hash uint64 // content hash of function, file and line
}

// Hash is a content hash of the frame's function, file and line, stable
// across processes.
func (f *Frame) Hash() uint64 { return f.hash }

// Package returns the import path of the frame's function: "net/http" for
// "net/http.(*conn).serve".
func (f *Frame) Package() string { return FuncPackage(f.Function) }

// FuncPackage returns the import path part of a fully qualified Go
// function name.
func FuncPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
}

// Labels are pprof goroutine labels, sorted by key; interned.
type Labels struct {
	Pairs []LabelPair
}

// LabelPair is one key and value.
type LabelPair struct{ Key, Value string }

// Get returns the value for key and whether it is present.
func (l *Labels) Get(key string) (string, bool) {
	if l == nil {
		return "", false
	}
	for _, p := range l.Pairs {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

func (l *Labels) String() string {
	if l == nil {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range l.Pairs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// Crash is the header of a crashed program's output.
type Crash struct {
	Kind    CrashKind
	Message string   // "runtime error: invalid memory address or nil pointer dereference", "concurrent map writes", "SIGQUIT: quit"
	Panics  []Panic  // the panic chain, outermost first, for Kind == CrashPanic
	Signal  string   // "[signal SIGSEGV: segmentation violation code=... addr=0x0 pc=...]" or "SIGQUIT: quit"
	Header  []string // the header lines as printed
	// GoroutineID is the crashing goroutine (the first one printed), 0 when
	// unknown. The crashing goroutine also carries FlagCrashed.
	GoroutineID int64
	// RuntimeStack is the "runtime stack:" section printed for fatal errors
	// raised on the system stack, nil when absent.
	RuntimeStack *Stack
	Line         int

	fatalSeen bool // a "fatal error:" line set Message
}

// CrashKind classifies a crash header.
type CrashKind string

const (
	CrashPanic      CrashKind = "panic"       // panic: ...
	CrashFatalError CrashKind = "fatal-error" // fatal error: ... (throw)
	CrashSignal     CrashKind = "signal"      // SIGQUIT: quit, SIGABRT: abort, unexpected signal, Exception 0x...
)

// Panic is one link of a panic chain.
type Panic struct {
	Message    string
	Recovered  bool // "[recovered]"
	Repanicked bool // "[recovered, repanicked]" (Go 1.23+)
}

// Race is one "WARNING: DATA RACE" report.
type Race struct {
	Accesses   []RaceAccess    // usually two: the current access and the previous one
	Goroutines []RaceGoroutine // "Goroutine N (running) created at:" sections
	Line       int
}

// RaceAccess is one side of a data race.
type RaceAccess struct {
	Op          string // "Read", "Write", "Previous write", "Previous read"
	Addr        uint64
	GoroutineID int64 // 0 for the main goroutine when printed as "main goroutine"
	Stack       *Stack
}

// RaceGoroutine is a goroutine named by a race report, with its creation stack.
type RaceGoroutine struct {
	ID        int64
	State     string // "running", "finished"
	CreatedAt *Stack
}

// Contention is a mutex or block profile.
type Contention struct {
	Kind    Format // FormatMutex or FormatBlock
	Period  int64  // sampling period (sampling rate for mutex profiles)
	Samples []ContentionSample
	// CyclesPerSecond is set for text profiles that count delay in CPU cycles.
	CyclesPerSecond int64
}

// ContentionSample is the contention recorded at one stack.
type ContentionSample struct {
	Stack       *Stack
	Contentions int64         // number of contention events (already scaled by the period)
	Delay       time.Duration // total delay at this stack (already scaled)
	Labels      *Labels
}
