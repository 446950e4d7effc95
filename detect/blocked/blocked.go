package blocked

import (
	"cmp"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/doctext"
	"github.com/gorensic/gorensic/detect/internal/lockwait"
	"github.com/gorensic/gorensic/detect/internal/words"
	"github.com/gorensic/gorensic/parse"
)

//go:embed doc.go
var docSource string

// Detector reports goroutines that hold OS threads while stuck; see the
// package documentation.
var Detector = &detect.Detector{
	Name:     "blocked-thread",
	Kinds:    []detect.Kind{detect.KindBlockedThread},
	Doc:      doctext.FromSource(docSource),
	NeedsAny: parse.CapGoroutineIDs | parse.CapGroupedCounts | parse.CapCrash,
	Run:      run,
}

// minAge is the wait age from which a call holds its thread suspiciously
// long: dumps print ages from one minute on.
const minAge = time.Minute

// criticalFactor times Config.SyscallMinWait is the age of a critical
// finding.
const criticalFactor = 12

// burstCriticalFactor times Config.SyscallBurst threads is critical.
const burstCriticalFactor = 5

// maxEvidence is how many stacks a finding shows.
const maxEvidence = 3

type class int

const (
	clsSyscall class = iota + 1
	clsCgo
	clsLocked
)

// key is the class's part of a finding's key.
func (c class) key() string {
	return [...]string{clsSyscall: "syscall", clsCgo: "cgo", clsLocked: "locked"}[c]
}

// site is the goroutines of one class blocked at one culprit.
type site struct {
	cls     class
	key     string
	culprit *parse.Frame
	groups  []*parse.Group
	count   int
	long    int // goroutines that have waited minAge or more
	locked  int
	benign  string // why this is by design; "" when it is not
	call    string // the system call or C function
	op      detect.Op
	waits   []time.Duration
	crashed bool
}

func (st *site) waitMin() time.Duration    { return st.waits[0] }
func (st *site) waitMax() time.Duration    { return st.waits[len(st.waits)-1] }
func (st *site) waitMedian() time.Duration { return st.waits[len(st.waits)/2] }

func run(p *detect.Pass) error {
	s := p.Snapshot
	sites := collect(s, p.Groups)
	exhausted := threadExhaustion(s.Crash)
	reported := map[string]bool{} // culprits of the dump rules' findings
	for _, st := range sites {
		if st.long > 0 {
			reported[st.culprit.Function] = true
		}
		reportSite(p, st)
	}
	for _, ts := range traceSites(s, p.Config) {
		if reported[ts.culprit.Function] {
			continue // the goroutine rules already report the call
		}
		p.Report(traceFinding(p, ts))
	}
	threads, bySyscall, byCgo, byLocked := 0, 0, 0, 0
	for _, st := range sites {
		threads += st.count
		switch st.cls {
		case clsSyscall:
			bySyscall += st.count
		case clsCgo:
			byCgo += st.count
		case clsLocked:
			byLocked += st.count
		}
	}
	if exhausted || threads >= max(p.Config.SyscallBurst, 1) {
		reportThreads(p, sites, threads, bySyscall, byCgo, byLocked, exhausted)
	}
	return nil
}

// threadExhaustion reports whether the program crashed for want of
// threads: past its own limit ("thread exhaustion"), or refused one by
// the operating system ("failed to create new OS thread", newosproc).
func threadExhaustion(c *parse.Crash) bool {
	if c == nil {
		return false
	}
	for _, h := range append([]string{c.Message}, c.Header...) {
		for _, m := range []string{"thread exhaustion", "-thread limit", "failed to create new OS thread", "pthread_create failed"} {
			if strings.Contains(h, m) {
				return true
			}
		}
		if strings.TrimSpace(h) == "newosproc" || strings.HasSuffix(h, "fatal error: newosproc") {
			return true
		}
	}
	return false
}

// osRefused reports whether the operating system refused a thread (as
// opposed to the runtime's own limit).
func osRefused(c *parse.Crash) bool {
	for _, h := range append([]string{c.Message}, c.Header...) {
		if strings.Contains(h, "failed to create new OS thread") || strings.Contains(h, "pthread_create failed") || strings.HasSuffix(strings.TrimSpace(h), "newosproc") {
			return true
		}
	}
	return false
}

// collect classifies the groups and gathers them into sites, biggest
// first.
func collect(s *parse.Snapshot, groups []*parse.Group) []*site {
	byKey := make(map[string]*site)
	var out []*site
	for _, g := range groups {
		if g.Stack == nil || len(g.Stack.Frames) == 0 {
			continue
		}
		if runtimeOnly(g.Stack) {
			continue // the runtime's own goroutines (ensureSigM's locked select, timer notes)
		}
		op := detect.OpOf(g.State, g.Stack)
		locked := g.Flags&parse.FlagLockedToThread != 0
		var cls class
		switch {
		case op == detect.OpSyscall:
			if serviceSyscall(g.Stack) {
				continue
			}
			cls = clsSyscall
		case op == detect.OpCgo:
			cls = clsCgo
		case locked && blocking(op):
			cls = clsLocked
		default:
			continue
		}
		culprit, call := culpritOf(s, g, cls)
		if culprit == nil {
			continue
		}
		key := fmt.Sprintf("%d|%s", cls, detect.NormalizeFunction(culprit.Function))
		st := byKey[key]
		if st == nil {
			st = &site{cls: cls, key: key, culprit: culprit, call: call, op: op}
			byKey[key] = st
			out = append(out, st)
		}
		st.groups = append(st.groups, g)
		st.count += g.Count
		if locked {
			st.locked += g.Count
		}
		if why := byDesign(g, cls, op); why != "" && st.benign == "" {
			st.benign = why
		}
		for _, i := range g.Members {
			gr := &s.Goroutines[i]
			w := gr.Wait
			st.waits = append(st.waits, w)
			if s.Caps.Has(parse.CapWaitAges) && w >= minAge {
				st.long += gr.Count
			}
			st.crashed = st.crashed || gr.Flags&parse.FlagCrashed != 0
		}
	}
	for _, st := range out {
		slices.Sort(st.waits)
		slices.SortStableFunc(st.groups, func(x, y *parse.Group) int { return cmp.Compare(y.Count, x.Count) })
	}
	slices.SortStableFunc(out, func(x, y *site) int {
		if c := cmp.Compare(y.count, x.count); c != 0 {
			return c
		}
		return cmp.Compare(x.key, y.key)
	})
	return out
}

// blocking reports whether op parks the goroutine (as opposed to running
// or unknown).
func blocking(op detect.Op) bool {
	switch op {
	case detect.OpUnknown, detect.OpRunning, detect.OpSystem:
		return false
	}
	return true
}

// runtimeOnly reports whether every frame of a stack is the runtime's
// (Go 1.3's C runtime frames included).
func runtimeOnly(st *parse.Stack) bool {
	for _, f := range st.Frames {
		if !f.Runtime && (parse.FuncPackage(f.Function) != "" || strings.Contains(f.Function, ".")) {
			return false
		}
	}
	return true
}

// serviceSyscall reports whether a goroutine in a syscall is one of the
// runtime's or standard library's service loops, which sit in syscalls by
// design.
func serviceSyscall(st *parse.Stack) bool {
	for _, f := range st.Frames {
		switch f.Function {
		case "os/signal.signal_recv", "os/signal.loop", "runtime.notetsleepg", "runtime.ensureSigM",
			"runtime.timerproc", "runtime.sigNoteSleep", "runtime.signal_recv":
			return true
		}
	}
	return false
}

// byDesign says why a blocked group holds its thread on purpose, or "".
func byDesign(g *parse.Group, cls class, op detect.Op) string {
	st := g.Stack
	for _, f := range st.Frames {
		fn := f.Function
		switch {
		case fn == "syscall.ReadConsole" || fn == "internal/poll.(*FD).readConsole":
			return "reading console input"
		case strings.HasSuffix(fn, ".EpollWait") || strings.HasSuffix(fn, ".Kevent") ||
			strings.HasSuffix(fn, ".epollwait") || strings.HasSuffix(fn, ".kevent"):
			return "an event loop waiting in epoll/kqueue"
		case strings.HasPrefix(fn, "github.com/fsnotify/fsnotify."):
			return "a file watcher waiting for events"
		}
	}
	if g.Flags&parse.FlagLockedToThread != 0 {
		if isMain(st) {
			return "the main goroutine, locked to its thread (GUI and OS event loops, LockOSThread in init)"
		}
		if cls == clsLocked && (op.IsChannel() || op == detect.OpCondWait) {
			if c, e := detect.Culprit(st), detect.EntryFunction(st); c != nil && e != nil && c.Function == e.Function {
				return "a worker locked to its thread, idle in its own loop"
			}
		}
	}
	return ""
}

// isMain reports whether a stack is the main goroutine's.
func isMain(st *parse.Stack) bool {
	for _, f := range st.Frames {
		if f.Function == "main.main" {
			return true
		}
	}
	n := len(st.Frames)
	return st.CreatedBy == nil && n > 0 && st.Frames[n-1].Function == "runtime.main"
}

// culpritOf returns the frame to blame and the call it is stuck in (the
// system call or C function).
func culpritOf(s *parse.Snapshot, g *parse.Group, cls class) (*parse.Frame, string) {
	st := g.Stack
	switch cls {
	case clsCgo:
		// The Go frame that called into C: the first program frame after
		// the outermost cgo frame.
		last, cfn := -1, ""
		for i, f := range st.Frames {
			if isCgoFrame(f) {
				last = i
				if _, after, ok := strings.Cut(f.Function, "._Cfunc_"); ok && cfn == "" {
					cfn = after
				}
			}
		}
		if c := lockwait.ProgramFrame(st, last+1); c != nil {
			return c, cfn
		}
		if last >= 0 {
			return st.Frames[last], cfn
		}
		return detect.Culprit(st), cfn
	case clsLocked:
		if w := lockwait.Of(s, g); w != nil {
			return w.Culprit, ""
		}
		return detect.Culprit(st), ""
	}
	call := syscallName(st)
	if c := lockwait.ProgramFrame(st, 0); c != nil {
		return c, call
	}
	return detect.Culprit(st), call
}

func isCgoFrame(f *parse.Frame) bool {
	fn := f.Function
	return f.Cgo || fn == "runtime.cgocall" || fn == "runtime.asmcgocall" || lockwait.IsCgoStub(fn)
}

// genericSyscalls are the entry points through which every system call
// goes; the interesting name is the caller's.
var genericSyscalls = map[string]bool{
	"Syscall": true, "Syscall6": true, "Syscall9": true, "Syscall12": true, "Syscall15": true, "Syscall18": true,
	"SyscallN": true, "RawSyscall": true, "RawSyscall6": true, "RawSyscallNoError": true, "SyscallNoError": true,
	"syscall": true, "syscall6": true, "syscall6X": true, "syscallX": true, "rawSyscall": true, "rawsyscall": true,
	"Syscall6X": true, "syscall10": true, "syscall10X": true, "sysvicall6": true, "rawSyscallNoError": true,
	"RawSyscall6X": true,
}

// syscallName names the system call from the frames: "read", "wait4",
// "openat"; "" when the frames do not show it.
func syscallName(st *parse.Stack) string {
	for _, f := range st.Frames {
		pkg := parse.FuncPackage(f.Function)
		switch pkg {
		case "syscall", "golang.org/x/sys/unix", "golang.org/x/sys/windows", "internal/syscall/unix",
			"internal/syscall/windows", "internal/runtime/syscall", "runtime/internal/syscall":
		default:
			continue
		}
		name := f.Function[len(pkg)+1:]
		if strings.ContainsAny(name, "(.") || genericSyscalls[name] {
			continue
		}
		return strings.ToLower(name)
	}
	return ""
}

// childWait reports whether a system call waits for a child process.
func childWait(call string, st *parse.Stack) bool {
	switch call {
	case "wait4", "wait6", "waitid", "waitforsingleobject":
		return true
	}
	for _, f := range st.Frames {
		if f.Function == "os.(*Process).wait" || f.Function == "os.(*Process).Wait" || f.Function == "os/exec.(*Cmd).Wait" {
			return true
		}
	}
	return false
}

func reportSite(p *detect.Pass, st *site) {
	s := p.Snapshot
	cfg := p.Config
	if st.long == 0 {
		return // no wait ages, or all under a minute: normal; bursts are reported apart
	}
	var sev detect.Severity
	var conf detect.Confidence
	wmax := st.waitMax()
	switch {
	case st.benign != "":
		sev, conf = detect.SeverityInfo, detect.ConfidencePossible
	case st.cls == clsLocked:
		sev, conf = detect.SeverityWarning, detect.ConfidencePossible
	case wmax >= criticalFactor*cfg.SyscallMinWait.D() && cfg.SyscallMinWait > 0:
		sev, conf = detect.SeverityCritical, detect.ConfidenceLikely
	case wmax >= cfg.SyscallMinWait.D():
		sev, conf = detect.SeverityWarning, detect.ConfidenceLikely
	default:
		sev, conf = detect.SeverityWarning, detect.ConfidencePossible
	}
	f := detect.Finding{
		Kind:       detect.KindBlockedThread,
		Severity:   sev,
		Confidence: conf,
		Count:      st.long,
		Wait:       &detect.WaitStats{Min: st.waitMin(), Median: st.waitMedian(), Max: wmax},
		Culprit:    st.culprit,
		CreatedBy:  lockwait.CreatedBy(st.groups[0].Stack),
		Key:        st.cls.key(),
		Metrics: map[string]float64{
			"threads":          float64(st.count),
			"wait_max_seconds": wmax.Seconds(),
		},
	}
	if st.locked > 0 {
		f.Metrics["locked_to_thread"] = float64(st.locked)
	}
	f.Title = siteTitle(st)
	for i, g := range st.groups {
		if i == maxEvidence {
			break
		}
		f.Stacks = append(f.Stacks, detect.EvidenceOf(s, g, evidenceNote(st, g)))
	}
	f.Remedy = siteRemedy(st)
	f.Score = detect.Score(conf, st.long, st.waitMedian().Seconds(), float64(st.count)/float64(max(p.Total, 1)))
	p.Report(f)
}

func siteTitle(st *site) string {
	var b strings.Builder
	n := words.N(st.long, "goroutine")
	age := words.Range(max(st.waitMin(), minAge), st.waitMax())
	culprit := words.Func(st.culprit.Function)
	switch st.cls {
	case clsSyscall:
		call := "a system call"
		if st.call != "" {
			call = "system call " + st.call
		}
		fmt.Fprintf(&b, "%s in %s for %s in %s", n, call, age, culprit)
		if childWait(st.call, st.groups[0].Stack) {
			b.WriteString(" (waiting for a child process to exit)")
		}
	case clsCgo:
		call := "C code"
		if st.call != "" {
			call = "C function " + st.call
		}
		fmt.Fprintf(&b, "%s blocked in %s for %s, called from %s", n, call, age, culprit)
	case clsLocked:
		fmt.Fprintf(&b, "%s locked to an OS thread and blocked in %s for %s in %s", n, st.op, age, culprit)
	}
	switch {
	case st.benign != "":
		b.WriteString(" (by design: " + st.benign + ")")
	case st.long > 1:
		b.WriteString(", each holding an OS thread")
	default:
		b.WriteString(", holding an OS thread")
	}
	return b.String()
}

func evidenceNote(st *site, g *parse.Group) string {
	var note string
	switch st.cls {
	case clsSyscall:
		note = "in a system call"
		if st.call != "" {
			note = "in system call " + st.call
		}
	case clsCgo:
		note = "in a cgo call"
		if st.call != "" {
			note = "in C function " + st.call
		}
	case clsLocked:
		note = "locked to its OS thread while blocked in " + st.op.String()
	}
	if g.Flags&parse.FlagLockedToThread != 0 && st.cls != clsLocked {
		note += ", locked to thread"
	}
	if st.benign != "" {
		note += "; by design: " + st.benign
	}
	return note
}

func siteRemedy(st *site) string {
	switch st.cls {
	case clsCgo:
		return "Go cannot preempt or cancel C code: a C call that blocks holds its OS thread for as long. " +
			"Give the C library a timeout, call it from a bounded pool of goroutines, and never call blocking C code while holding a Go lock."
	case clsLocked:
		return "A goroutine locked with runtime.LockOSThread keeps its thread while it waits, and nothing else can run on it. " +
			"Keep locked sections short: do not wait on channels, locks or semaphores while locked (acquire first, then lock the thread), or call runtime.UnlockOSThread before blocking."
	}
	switch {
	case childWait(st.call, st.groups[0].Stack):
		return "The child process has not exited, and its caller waits for as long. Run it with exec.CommandContext and a deadline " +
			"(and set Cmd.WaitDelay so stuck output pipes do not hold Wait), kill it on timeout, and find why it hangs (a hung mount, NFS or device)."
	case strings.HasPrefix(st.call, "open"):
		return "open(2) blocks: a FIFO without a writer, or a hung network file system. Open FIFOs with O_NONBLOCK " +
			"(or from a goroutine you can abandon), and mount network file systems with timeouts."
	case strings.Contains(st.call, "flock") || st.call == "fcntl":
		return "The goroutine waits for a file lock held by another process: use a non-blocking lock (LOCK_NB) with retries and a deadline, and find the holder (lsof, /proc/locks)."
	case st.call == "read" || st.call == "pread" || st.call == "write" || st.call == "pwrite" || st.call == "readv" || st.call == "writev":
		return "A blocking read or write on a descriptor outside the netpoller (raw syscall.Read, a FIFO, a tty, os.NewFile on a blocking fd, a hung NFS) holds its thread until data arrives. " +
			"Use os.Pipe or a non-blocking descriptor so the goroutine parks in the netpoller ([IO wait]) without a thread, and set deadlines (SetReadDeadline)."
	}
	return "A system call that blocks holds its OS thread for as long. Give it a deadline or a way to be cancelled, " +
		"or move the descriptor to non-blocking mode so the goroutine parks in the netpoller instead of a thread."
}

func reportThreads(p *detect.Pass, sites []*site, threads, bySyscall, byCgo, byLocked int, exhausted bool) {
	s := p.Snapshot
	cfg := p.Config
	f := detect.Finding{
		Kind:  detect.KindBlockedThread,
		Count: threads,
		Key:   "threads",
		Metrics: map[string]float64{
			"threads":          float64(threads),
			"syscall":          float64(bySyscall),
			"cgo":              float64(byCgo),
			"locked_to_thread": float64(byLocked),
		},
	}
	switch {
	case exhausted:
		f.Severity, f.Confidence, f.Key = detect.SeverityCritical, detect.ConfidenceCertain, "thread-exhaustion"
	case threads >= burstCriticalFactor*max(cfg.SyscallBurst, 1):
		f.Severity, f.Confidence = detect.SeverityCritical, detect.ConfidenceLikely
	default:
		f.Severity, f.Confidence = detect.SeverityWarning, detect.ConfidenceLikely
	}
	if !exhausted && !s.Caps.Has(parse.CapStates) {
		f.Confidence = detect.ConfidencePossible
	}
	var parts []string
	for _, x := range []struct {
		n    int
		what string
	}{{bySyscall, "in system calls"}, {byCgo, "in cgo calls"}, {byLocked, "locked to threads"}} {
		if x.n > 0 {
			parts = append(parts, words.Count(x.n)+" "+x.what)
		}
	}
	detail := strings.Join(parts, ", ")
	if exhausted {
		f.Title = "thread exhaustion: the program exceeded its OS thread limit (10,000 by default)"
		if osRefused(s.Crash) {
			f.Title = "thread creation failed: the operating system refused another thread (ulimit -u, pids.max)"
		}
		if threads > 0 {
			f.Title += fmt.Sprintf("; %s held threads (%s)", words.N(threads, "goroutine"), detail)
		}
	} else {
		f.Title = fmt.Sprintf("%s hold OS threads at once (%s), toward the runtime's 10,000-thread limit", words.N(threads, "goroutine"), detail)
		if !s.Caps.Has(parse.CapStates) {
			f.Title += " (operations named from the frames)"
		}
	}
	if len(sites) > 0 {
		top := sites[0]
		f.Culprit = top.culprit
		f.CreatedBy = lockwait.CreatedBy(top.groups[0].Stack)
		f.Title += "; most in " + words.Func(top.culprit.Function)
		for i, st := range sites {
			if i == maxEvidence {
				break
			}
			f.Stacks = append(f.Stacks, detect.EvidenceOf(s, st.groups[0], fmt.Sprintf("%s at this site", words.N(st.count, "goroutine"))))
		}
	}
	f.Remedy = "Each goroutine in a blocking system call or C call, or locked to its thread, holds an OS thread; past the limit " +
		"(runtime/debug.SetMaxThreads, 10,000 by default) the program dies. Bound how many goroutines may block in syscalls or C at once " +
		"(a semaphore or worker pool), use non-blocking descriptors so waits park in the netpoller, and do not raise the limit to hide the leak."
	f.Score = detect.Score(f.Confidence, threads, 0, float64(threads)/float64(max(p.Total, 1)))
	p.Report(f)
}
