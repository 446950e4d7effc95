package crash

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/doctext"
	"github.com/gorensic/gorensic/parse"
)

//go:embed doc.go
var docSource string

// Detector reports the crash a dump was printed for.
var Detector = &detect.Detector{
	Name:  "crash",
	Kinds: []detect.Kind{detect.KindCrash},
	Doc:   doctext.FromSource(docSource),
	Needs: parse.CapCrash,
	Run:   run,
}

func run(p *detect.Pass) error {
	if f, ok := analyze(p.Snapshot, p.Groups); ok {
		p.Report(f)
	}
	return nil
}

// site is where the crash happened, as far as the dump shows it.
type site struct {
	g     *parse.Goroutine // the crashing goroutine, nil when unknown
	stack *parse.Stack     // the stack the culprit is read from
	note  string           // what stack is, for the evidence
	// runtime is set when the culprit comes from the "runtime stack:"
	// section because the goroutine printed first was not running.
	runtime bool
}

// locate finds the stack the crash happened on. The goroutine printed
// first carries FlagCrashed; it is the crashing one for panics and for
// throws from a running goroutine, but a throw from the scheduler (a
// "runtime stack:" section, and a first goroutine that was waiting, often
// with m=nil) happened on no goroutine at all. Windows exceptions of old
// Go print the faulting stack before any goroutine header; the parser
// keeps those frames as the runtime stack.
func locate(s *parse.Snapshot) site {
	c := s.Crash
	var g *parse.Goroutine
	for i := range s.Goroutines {
		if s.Goroutines[i].Has(parse.FlagCrashed) {
			g = &s.Goroutines[i]
			break
		}
	}
	if g == nil && c.GoroutineID != 0 {
		for i := range s.Goroutines {
			if s.Goroutines[i].ID == c.GoroutineID {
				g = &s.Goroutines[i]
				break
			}
		}
	}
	rs := c.RuntimeStack
	if rs != nil && len(rs.Frames) > 0 && !headerHas(c, "runtime stack:") && hasNonRuntime(rs) {
		return site{stack: rs, note: "faulting stack, printed before any goroutine header"}
	}
	if g != nil && trusted(g, c) {
		return site{g: g, stack: g.Stack, note: fmt.Sprintf("crashing goroutine %d", g.ID)}
	}
	if rs != nil && len(rs.Frames) > 0 {
		return site{g: g, stack: rs, runtime: true, note: "runtime stack: the runtime threw on its system stack, outside any goroutine"}
	}
	if g != nil {
		return site{g: g, stack: g.Stack, note: fmt.Sprintf("goroutine %d, printed first", g.ID)}
	}
	return site{}
}

// trusted reports whether g, printed first, is the goroutine that crashed.
func trusted(g *parse.Goroutine, c *parse.Crash) bool {
	if c.Kind == parse.CrashPanic {
		return true
	}
	if g.Extra != nil && g.Extra.MNil {
		return false // on no thread: it cannot have been running the throw
	}
	switch g.State {
	case "running", "runnable", "syscall", "":
		return true
	}
	return false
}

func headerHas(c *parse.Crash, s string) bool {
	for _, h := range c.Header {
		if strings.Contains(h, s) {
			return true
		}
	}
	return false
}

func hasNonRuntime(st *parse.Stack) bool {
	for _, f := range st.Frames {
		if !f.Runtime {
			return true
		}
	}
	return false
}

// analyze builds the finding for the snapshot's crash; false when there is
// nothing to report (no crash, a SIGQUIT dump, a deadlock).
func analyze(s *parse.Snapshot, groups []*parse.Group) (detect.Finding, bool) {
	c := s.Crash
	if c == nil {
		return detect.Finding{}, false
	}
	sig := parseSignal(c)
	at := locate(s)
	cls := classify(c, sig, at.stack != nil && !at.runtime && inCgoCall(at.stack))
	switch cls {
	case classDumpRequest, classDeadlock:
		return detect.Finding{}, false
	}

	f := detect.Finding{
		Kind:       detect.KindCrash,
		Severity:   detect.SeverityCritical,
		Confidence: detect.ConfidenceCertain,
		Score:      1, // a crash is the headline of its dump; see doc.go
		Count:      1,
		Key:        cls.key,
		Remedy:     cls.remedy,
		Metrics:    map[string]float64{},
	}
	if cls == classExternal {
		f.Severity = detect.SeverityInfo
		f.Confidence = detect.ConfidenceLikely
		f.Score = detect.Score(f.Confidence, 1, 0, 0)
		f.Remedy = fmt.Sprintf(cls.remedy, sig.Name)
	}

	// The culprit, and what the title says about where.
	var where string
	var repanic *parse.Frame
	switch {
	case cls == classThreads || cls == classNewThread:
		if n, top := threadHolders(groups); top != nil && detect.Culprit(top.Stack) != nil {
			f.Culprit = detect.Culprit(top.Stack)
			f.CreatedBy = top.Stack.CreatedBy
			f.Count = n
			where = fmt.Sprintf(": %d goroutines hold threads in system or cgo calls, %d of them in %s", n, top.Count, shortFunc(f.Culprit.Function))
			f.Stacks = append(f.Stacks, detect.EvidenceOf(s, top, "the biggest group of goroutines holding a thread"))
			break
		}
		f.Culprit = detect.Culprit(at.stack)
	case at.stack == nil, cls == classExternal:
		// No culprit: the program did not do this.
	case at.runtime:
		f.Culprit = runtimeCulprit(at.stack)
	case cls == classCgo || cls == classAbort || cls == classWindows && sig.InCgo:
		cf, caller := cgoSite(at.stack)
		if cf == nil {
			f.Culprit = detect.Culprit(at.stack)
			if f.Culprit != nil && f.Culprit.Function == "runtime.cgocall" {
				where = " in C code (the calling Go frames are not in the dump)"
			}
			break
		}
		f.Culprit = cf
		where = " in C code called through " + shortFunc(cf.Function)
		if caller != nil {
			where += " from " + shortFunc(caller.Function)
		}
	case cls == classOverflow:
		if fr, n := recursion(at.stack); fr != nil {
			f.Culprit = fr
			f.Metrics["recursive_frames"] = float64(n)
			where = fmt.Sprintf(": %s recursion (%d of %d printed frames)", shortFunc(fr.Function), n, len(at.stack.Frames))
		} else {
			f.Culprit = detect.Culprit(at.stack)
		}
	case cls == classTest:
		if g, fr := stuckTest(s, c, at.g); fr != nil {
			f.Culprit = fr
			f.CreatedBy = g.Stack.CreatedBy
			where = fmt.Sprintf(": %s stuck in %s", leafTests(runningTests(c)), shortFunc(fr.Function))
			f.Stacks = append(f.Stacks, detect.GoroutineEvidence(s, g, fmt.Sprintf("goroutine %d, running the test, blocked when the timeout fired", g.ID)))
		}
	case c.Kind == parse.CrashPanic:
		chained := len(c.Panics) > 1 || len(c.Panics) == 1 && c.Panics[0].Recovered
		f.Culprit, repanic = panicSites(at.stack, chained)
	default:
		f.Culprit = detect.Culprit(at.stack)
	}
	switch {
	case where != "":
	case f.Culprit != nil:
		where = " in " + shortFunc(f.Culprit.Function)
	case at.stack == nil && cls != classExternal:
		where = ", no readable stack"
		if sig.HasPC {
			where = fmt.Sprintf(" at pc=%#x, no readable stack", sig.PC)
		}
	}
	if repanic != nil && repanic != f.Culprit {
		if c.Kind == parse.CrashPanic && len(c.Panics) > 0 && c.Panics[0].Recovered {
			where += ", recovered and re-panicked in " + shortFunc(repanic.Function)
		} else {
			where += ", panicked again in " + shortFunc(repanic.Function)
		}
	}
	if at.g != nil && !at.runtime && f.CreatedBy == nil && cls != classExternal {
		f.CreatedBy = at.g.Stack.CreatedBy
	}

	f.Title = headline(c, sig, cls) + oomDetail(c, f.Metrics) + where
	if cls == classTimers {
		f.Title += " (a Go 1.23 runtime bug)"
	}

	// Evidence: the crashing stack first.
	if at.stack != nil {
		note := at.note + chainNote(c)
		var e detect.Evidence
		if at.g != nil && at.stack == at.g.Stack {
			e = detect.GoroutineEvidence(s, at.g, note)
		} else {
			e = detect.Evidence{Count: 1, Stack: at.stack, Note: note}
		}
		if (cls == classThreads || cls == classNewThread) && len(f.Stacks) > 0 {
			f.Stacks = append(f.Stacks, e) // the thread holders lead
		} else {
			f.Stacks = append([]detect.Evidence{e}, f.Stacks...)
		}
	}
	if at.runtime && at.g != nil {
		f.Stacks = append(f.Stacks, detect.GoroutineEvidence(s, at.g, fmt.Sprintf("goroutine %d, printed first: it was not running (%s), so it is not where the runtime threw", at.g.ID, at.g.State)))
	}
	if cls == classMap {
		f.Stacks = append(f.Stacks, mapPeers(s, at.g, f.Culprit)...)
	}

	if n := len(c.Panics); n > 0 {
		f.Metrics["panics"] = float64(n)
		rec := 0
		for _, p := range c.Panics {
			if p.Recovered {
				rec++
			}
		}
		f.Metrics["recovered_panics"] = float64(rec)
	}
	if sig.HasAddr && sig.Addr < 1<<53 {
		f.Metrics["fault_addr"] = float64(sig.Addr)
	}
	if n := s.GoroutineCount(); n > 0 {
		f.Metrics["goroutines"] = float64(n)
	}
	return f, true
}

// headline is the first part of the title: the crash as the runtime
// printed it, on one line.
func headline(c *parse.Crash, sig signalInfo, cls class) string {
	const max = 160
	switch c.Kind {
	case parse.CrashPanic:
		msg := c.Message
		if len(c.Panics) > 0 {
			msg = c.Panics[0].Message // the root of the chain
		}
		return "panic: " + firstLine(msg, max)
	case parse.CrashSignal:
		h := firstLine(c.Message, max)
		if sig.Exception != "" {
			h = "Exception " + sig.Exception
			if name := exceptionNames[sig.Exception]; name != "" {
				h += " (" + name + ")"
			}
			if sig.HasPC && sig.PC == 0 {
				h += " at PC=0x0"
			}
		}
		if cls == classExternal {
			return "dump on " + sig.Name + " sent by another process"
		}
		if sig.InCgo {
			h += " during cgo execution"
		}
		if sig.HasAddr {
			h += fmt.Sprintf(" (addr=%#x)", sig.Addr)
		}
		return h
	}
	h := "fatal error: " + firstLine(c.Message, max)
	if sig.Name != "" && cls != classNilDeref {
		h += " (" + sig.Name
		if sig.HasAddr {
			h += fmt.Sprintf(" addr=%#x", sig.Addr)
		}
		h += ")"
	}
	return h
}

// chainNote describes a panic chain of more than one link for the
// evidence: "; panic chain: 1. ... [recovered] 2. ...".
func chainNote(c *parse.Crash) string {
	if len(c.Panics) < 2 && (len(c.Panics) == 0 || !c.Panics[0].Recovered) {
		return ""
	}
	var b strings.Builder
	b.WriteString("; panic chain:")
	for i, p := range c.Panics {
		fmt.Fprintf(&b, " %d. %s", i+1, firstLine(p.Message, 200))
		switch {
		case p.Repanicked:
			b.WriteString(" [recovered, repanicked]")
		case p.Recovered:
			b.WriteString(" [recovered]")
		}
	}
	return b.String()
}

// maxPeers is how many other goroutines a map crash shows.
const maxPeers = 3

// mapPeers returns the other goroutines that were running the same code
// as a concurrent map crash (the culprit function or its caller in the
// program's own code), or a map operation, when it happened: the likely
// other side (printed only with GOTRACEBACK=all or higher).
func mapPeers(s *parse.Snapshot, crashed *parse.Goroutine, culprit *parse.Frame) []detect.Evidence {
	same := map[string]bool{}
	if culprit != nil {
		same[culprit.Function] = true
		if crashed != nil {
			if i := slices.Index(crashed.Stack.Frames, culprit); i >= 0 {
				if caller := nextUser(crashed.Stack, i+1); caller != nil && caller.Function != "main.main" {
					same[caller.Function] = true
				}
			}
		}
	}
	var out []detect.Evidence
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		if g == crashed || g.Stack == nil || len(out) == maxPeers {
			continue
		}
		what := ""
		for _, f := range g.Stack.Frames {
			if same[f.Function] {
				what = "in " + shortFunc(f.Function) + " too"
				break
			}
		}
		if what == "" && inMapOp(g.Stack) {
			what = "in a map operation"
		}
		if what == "" {
			continue
		}
		out = append(out, detect.GoroutineEvidence(s, g, fmt.Sprintf("goroutine %d (%s), %s when the runtime noticed: possibly the other side", g.ID, g.State, what)))
	}
	return out
}

// nextUser returns the first frame of st from index i on that is in the
// program's own code.
func nextUser(st *parse.Stack, i int) *parse.Frame {
	for ; i < len(st.Frames); i++ {
		if isUser(st.Frames[i]) {
			return st.Frames[i]
		}
	}
	return nil
}

// inMapOp reports whether the innermost frames of st are a runtime map
// operation.
func inMapOp(st *parse.Stack) bool {
	for _, f := range st.Frames {
		if !f.Runtime {
			return false
		}
		if isMapFunc(f.Function) {
			return true
		}
	}
	return false
}

// isMapFunc reports whether fn is one of the runtime's map functions.
func isMapFunc(fn string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(fn, "runtime."), "internal/runtime/maps.")
	return name != fn && (strings.HasPrefix(name, "map") || strings.HasPrefix(name, "(*Map)") ||
		strings.HasPrefix(name, "(*table)") || strings.HasPrefix(name, "(*Iter)") || strings.HasPrefix(name, "runtime_map"))
}

// runningTests returns the names of the tests a "test timed out" panic
// lists under "running tests:", innermost (longest) first.
func runningTests(c *parse.Crash) []string {
	msg := c.Message
	if len(c.Panics) > 0 {
		msg = c.Panics[0].Message
	}
	_, rest, ok := strings.Cut(msg, "running tests:")
	if !ok {
		return nil
	}
	var names []string
	for _, l := range strings.Split(rest, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		name, _, _ := strings.Cut(l, " ")
		names = append(names, name)
	}
	return names
}

// leafTests names the innermost of the running tests (those that are not
// the parent of another one), at most two and a count of the rest.
func leafTests(names []string) string {
	var leaves []string
	for _, n := range names {
		parent := false
		for _, m := range names {
			if strings.HasPrefix(m, n+"/") {
				parent = true
				break
			}
		}
		if !parent {
			leaves = append(leaves, n)
		}
	}
	switch {
	case len(leaves) == 0:
		return "the test"
	case len(leaves) <= 2:
		return strings.Join(leaves, " and ")
	}
	return fmt.Sprintf("%s, %s and %d more", leaves[0], leaves[1], len(leaves)-2)
}

// testFunc returns the function in st that runs one of the tests, "".
func testFunc(st *parse.Stack, tests []string) string {
	for _, f := range st.Frames {
		for _, t := range tests {
			top, _, _ := strings.Cut(t, "/")
			if strings.HasSuffix(f.Function, "."+top) || strings.Contains(f.Function, "."+top+".") {
				return f.Function
			}
		}
	}
	return ""
}

// stuckTest finds the goroutine of a timed-out test that is not waiting
// for a subtest, and where it is blocked.
func stuckTest(s *parse.Snapshot, c *parse.Crash, alarm *parse.Goroutine) (*parse.Goroutine, *parse.Frame) {
	tests := runningTests(c)
	if len(tests) == 0 {
		return nil, nil
	}
	var fallback *parse.Goroutine
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		if g == alarm || g.Stack == nil || testFunc(g.Stack, tests) == "" {
			continue
		}
		if waitsForSubtest(g.Stack) {
			if fallback == nil {
				fallback = g
			}
			continue
		}
		return g, detect.Culprit(g.Stack)
	}
	if fallback != nil {
		return fallback, detect.Culprit(fallback.Stack)
	}
	return nil, nil
}

func waitsForSubtest(st *parse.Stack) bool {
	for _, f := range st.Frames {
		if f.Function == "testing.(*T).Run" {
			return true
		}
		if isUser(f) {
			return false
		}
	}
	return false
}

// threadHolders counts the goroutines that hold an OS thread in a system
// call or a cgo call and returns the biggest such group.
func threadHolders(groups []*parse.Group) (int, *parse.Group) {
	n := 0
	var top *parse.Group
	for _, g := range groups {
		switch detect.OpOf(g.State, g.Stack) {
		case detect.OpSyscall, detect.OpCgo:
		default:
			continue
		}
		n += g.Count
		if top == nil || g.Count > top.Count {
			top = g
		}
	}
	return n, top
}

var reOOM = regexp.MustCompile(`cannot allocate (\d+)-byte block \((\d+) in use\)`)

// oomDetail returns " (64 MiB allocation, 260 MiB in use)" from the
// "runtime: out of memory: cannot allocate N-byte block (M in use)" line
// and records the numbers in metrics.
func oomDetail(c *parse.Crash, metrics map[string]float64) string {
	for _, h := range c.Header {
		m := reOOM.FindStringSubmatch(h)
		if m == nil {
			continue
		}
		alloc, err1 := strconv.ParseFloat(m[1], 64)
		inUse, err2 := strconv.ParseFloat(m[2], 64)
		if err1 != nil || err2 != nil {
			return ""
		}
		metrics["alloc_bytes"] = alloc
		metrics["in_use_bytes"] = inUse
		return fmt.Sprintf(" (%s allocation, %s in use)", bytesString(alloc), bytesString(inUse))
	}
	return ""
}

func bytesString(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.0f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

// exceptionNames are the Windows exception codes Go programs die of.
var exceptionNames = map[string]string{
	"0xc0000005": "access violation",
	"0xc00000fd": "stack overflow",
	"0xc000001d": "illegal instruction",
	"0xc0000094": "integer divide by zero",
	"0xc0000096": "privileged instruction",
	"0xc0000409": "stack buffer overrun",
	"0xc0000374": "heap corruption",
	"0x80000003": "breakpoint",
}
