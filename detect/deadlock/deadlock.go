package deadlock

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

// Detector reports deadlocks; see the package documentation.
var Detector = &detect.Detector{
	Name:     lockwait.DeadlockDetector,
	Kinds:    []detect.Kind{detect.KindDeadlock},
	Doc:      doctext.FromSource(docSource),
	NeedsAny: parse.CapGoroutineIDs | parse.CapGroupedCounts | parse.CapCrash,
	Run:      run,
}

// maxEvidence is how many stacks a finding shows.
const maxEvidence = 6

func run(p *detect.Pass) error {
	s := p.Snapshot
	if lockwait.IsDeadlockCrash(s.Crash) {
		reportCrash(p)
		return nil
	}
	if len(s.Goroutines) == 0 {
		return nil
	}
	a := lockwait.Analyze(s, p.Groups, lockwait.StallAge)
	for _, st := range a.Stalls {
		reportStall(p, a, st)
	}
	return nil
}

// part is the goroutines of a deadlock crash that wait for one operation at
// one culprit.
type part struct {
	op      detect.Op
	state   string
	culprit *parse.Frame
	groups  []*parse.Group
	count   int
	main    bool // holds the main goroutine
	waitMax time.Duration
}

func reportCrash(p *detect.Pass) {
	s := p.Snapshot
	var parts []*part
	byKey := make(map[string]*part)
	total := 0
	for _, g := range p.Groups {
		op := detect.OpOf(g.State, g.Stack)
		if op == detect.OpSystem || systemStack(g.Stack) {
			continue
		}
		culprit := culpritOf(s, g)
		key := op.String() + "|"
		if culprit != nil {
			key += detect.NormalizeFunction(culprit.Function)
		}
		pt := byKey[key]
		if pt == nil {
			pt = &part{op: op, state: g.State, culprit: culprit}
			byKey[key] = pt
			parts = append(parts, pt)
		}
		pt.groups = append(pt.groups, g)
		pt.count += g.Count
		pt.main = pt.main || isMain(g.Stack)
		pt.waitMax = max(pt.waitMax, g.WaitMax)
		total += g.Count
	}
	slices.SortStableFunc(parts, func(x, y *part) int {
		if c := boolFirst(x.main, y.main); c != 0 {
			return c
		}
		return cmp.Compare(y.count, x.count)
	})

	f := detect.Finding{
		Kind:       detect.KindDeadlock,
		Severity:   detect.SeverityCritical,
		Confidence: detect.ConfidenceCertain,
		Count:      total,
		Key:        "crash",
		Metrics:    map[string]float64{"goroutines": float64(total), "sites": float64(len(parts))},
	}
	if len(parts) > 0 {
		f.Culprit = parts[0].culprit
		f.CreatedBy = lockwait.CreatedBy(parts[0].groups[0].Stack)
		if parts[0].main {
			f.CreatedBy = nil // the main goroutine has no creator
		}
	}
	if s.Caps.Has(parse.CapWaitAges) && total > 0 {
		var waits []time.Duration
		for _, pt := range parts {
			for _, g := range pt.groups {
				for _, i := range g.Members {
					waits = append(waits, s.Goroutines[i].Wait)
				}
			}
		}
		slices.Sort(waits)
		f.Wait = &detect.WaitStats{Min: waits[0], Median: waits[len(waits)/2], Max: waits[len(waits)-1]}
	}
	f.Title = crashTitle(s, parts, total)
	for _, pt := range parts {
		for _, g := range pt.groups {
			if len(f.Stacks) == maxEvidence {
				break
			}
			note := "blocked in " + pt.op.String()
			if isMain(g.Stack) {
				note = "the main goroutine, " + note
			}
			f.Stacks = append(f.Stacks, detect.EvidenceOf(s, g, note))
		}
	}
	f.Remedy = crashRemedy(parts)
	f.Score = detect.Score(detect.ConfidenceCertain, max(total, 1), 0, 1)
	p.Report(f)
}

// culpritOf blames the program frame that does the blocking: the frame
// calling Lock for lock waits, else the first frame of the program's own
// code.
func culpritOf(s *parse.Snapshot, g *parse.Group) *parse.Frame {
	if w := lockwait.Of(s, g); w != nil {
		return w.Culprit
	}
	return detect.Culprit(g.Stack)
}

// isMain reports whether a stack is the main goroutine's.
func isMain(st *parse.Stack) bool {
	if st == nil {
		return false
	}
	for _, f := range st.Frames {
		if f.Function == "main.main" {
			return true
		}
	}
	return st.CreatedBy == nil && len(st.Frames) > 0 && st.Frames[len(st.Frames)-1].Function == "runtime.main"
}

// systemStack reports whether every frame of a stack is the runtime's
// (including Go 1.3's C runtime frames such as "runfinq").
func systemStack(st *parse.Stack) bool {
	if st == nil || len(st.Frames) == 0 {
		return false
	}
	for _, f := range st.Frames {
		if !f.Runtime && (parse.FuncPackage(f.Function) != "" || strings.Contains(f.Function, ".")) {
			return false
		}
	}
	return true
}

// boolFirst orders true before false.
func boolFirst(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return -1
	}
	return 1
}

func crashTitle(s *parse.Snapshot, parts []*part, total int) string {
	var b strings.Builder
	b.WriteString("all goroutines are asleep (deadlock)")
	if s.Crash != nil && strings.HasPrefix(s.Crash.Message, "deadlock: ") {
		b.Reset()
		b.WriteString(s.Crash.Message)
	}
	if len(parts) == 0 {
		b.WriteString("; the output shows no goroutines")
		return b.String()
	}
	for i, pt := range parts {
		if i == 3 {
			rest := 0
			for _, q := range parts[3:] {
				rest += q.count
			}
			fmt.Fprintf(&b, "; %s more elsewhere", words.N(rest, "goroutine"))
			break
		}
		sep := ": "
		if i > 0 {
			sep = "; "
		}
		who := words.N(pt.count, "goroutine")
		if pt.main {
			who = "main"
			if pt.count > 1 {
				who = "main and " + words.N(pt.count-1, "goroutine")
			}
		}
		where := ""
		if pt.culprit != nil {
			where = " in " + words.Func(pt.culprit.Function)
		}
		fmt.Fprintf(&b, "%s%s blocked on %s%s", sep, who, pt.op, where)
		if pt.op == detect.OpWaitGroupWait && pt.count == total {
			b.WriteString(", with no other goroutine left to call Done")
		}
	}
	return b.String()
}

func crashRemedy(parts []*part) string {
	seen := make(map[string]bool)
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, pt := range parts {
		switch pt.op {
		case detect.OpChanSend:
			add("Nobody receives from the channel the senders block on: the receiver returned, or it receives only after waiting for the senders (wg.Wait before draining the results). Drain while waiting (wait in a goroutine, then close), or buffer the channel for every result.")
		case detect.OpChanReceive:
			add("Nobody will send on or close the channel the receivers block on: close it when the producer is done, and make sure the producer was started.")
		case detect.OpWaitGroupWait:
			add("The WaitGroup never reaches zero: a Done is missing on some path (use defer wg.Done()), Add was called too often, or the goroutines that would call Done are themselves blocked (listed here).")
		case detect.OpMutexLock, detect.OpRWMutexLock, detect.OpRWMutexRLock, detect.OpSemacquire:
			add("A lock is held by a goroutine that is itself blocked (listed here) or was never unlocked: unlock with defer on every path and take locks in one global order.")
		case detect.OpSelect:
			add("No case of the select can ever proceed: give it a context or a timeout case, and make sure its channels have a counterpart.")
		case detect.OpCondWait:
			add("Nobody will Signal or Broadcast the sync.Cond: signal after every state change the waiters wait for.")
		case detect.OpNilChanReceive, detect.OpNilChanSend, detect.OpSelectNoCases:
			add("An operation on a nil channel (or an empty select) can never proceed: initialise the channel before use.")
		}
	}
	if len(out) == 0 {
		return "Every goroutine waits for another: find the operation nobody can complete and give it a counterpart."
	}
	return strings.Join(out, " ")
}

func reportStall(p *detect.Pass, a *lockwait.Analysis, st *lockwait.Stall) {
	s := p.Snapshot
	conf := detect.ConfidencePossible
	if st.Cycle || st.Leaked {
		conf = detect.ConfidenceLikely
	}
	sev := detect.SeverityWarning
	if conf == detect.ConfidenceLikely && (st.Leaked || st.WaitMin >= lockwait.CriticalWait) {
		sev = detect.SeverityCritical
	}
	root := st.Root()
	f := detect.Finding{
		Kind:       detect.KindDeadlock,
		Severity:   sev,
		Confidence: conf,
		Count:      st.Count,
		Culprit:    root.Culprit,
		CreatedBy:  st.CreatedBy(),
		Key:        lockwait.StallKey,
		Metrics: map[string]float64{
			"goroutines": float64(st.Count),
			"sites":      float64(len(st.Sites)),
		},
	}
	if s.Caps.Has(parse.CapWaitAges) {
		var med []time.Duration
		for _, site := range st.Sites {
			med = append(med, site.WaitMedian)
		}
		slices.Sort(med)
		f.Wait = &detect.WaitStats{Min: st.WaitMin, Median: med[len(med)/2], Max: st.WaitMax}
		f.Metrics["wait_max_seconds"] = st.WaitMax.Seconds()
	}
	f.Title = stallTitle(s, st, conf)
	for _, site := range st.Sites {
		for i, w := range site.Waits {
			if i == 2 || len(f.Stacks) == maxEvidence {
				break
			}
			note := fmt.Sprintf("waiting in %s in %s", w.Kind.Op(), words.Func(w.Culprit.Function))
			if site == root {
				note += " (the root: " + rootReason(st) + ")"
			}
			f.Stacks = append(f.Stacks, detect.EvidenceOf(s, w.Group, note))
		}
	}
	for _, h := range st.Links {
		if len(f.Stacks) == maxEvidence {
			break
		}
		f.Stacks = append(f.Stacks, detect.EvidenceOf(s, h.Group, fmt.Sprintf(
			"suspected holder of another site's lock (%s, frame %s), itself waiting in %s",
			h.Tier, words.Func(h.Matched().Function), h.Wait.Kind.Op())))
	}
	f.Remedy = "Take locks in one global order (for example by ID or address), never call out (callbacks, channel operations, " +
		"other locks) while holding a lock, and unlock with defer on every return path. A dump cannot show who owns a lock: " +
		"check the Lock calls at the lines listed, and the code that runs between them."
	median := 0.0
	if f.Wait != nil {
		median = f.Wait.Median.Seconds()
	}
	f.Score = detect.Score(conf, st.Count, median, float64(st.Count)/float64(max(p.Total, 1)))
	p.Report(f)
}

func rootReason(st *lockwait.Stall) string {
	switch {
	case st.Cycle:
		return "on the cycle"
	case len(st.Sites) == 1:
		return "the only site"
	}
	return "waiting longest, or the fewest goroutines: a cycle needs two, the queue behind it grows"
}

func stallTitle(s *parse.Snapshot, st *lockwait.Stall, conf detect.Confidence) string {
	var b strings.Builder
	switch {
	case st.Leaked:
		b.WriteString("lock deadlock (goroutines leaked): ")
	case conf == detect.ConfidenceLikely:
		b.WriteString("likely lock-order deadlock: ")
	default:
		b.WriteString("possible lock deadlock: ")
	}
	b.WriteString(words.N(st.Count, "goroutine"))
	b.WriteString(" stuck")
	if s.Caps.Has(parse.CapWaitAges) && st.WaitMax >= time.Minute {
		b.WriteString(" for " + words.Range(st.WaitMin, st.WaitMax))
	}
	b.WriteString(" on locks in ")
	for i, site := range st.Sites {
		if i == 3 {
			fmt.Fprintf(&b, " and %d more sites", len(st.Sites)-3)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%d)", words.Func(site.Culprit.Function), site.Count)
	}
	switch {
	case st.Cycle && len(st.Links) > 0:
		b.WriteString("; each site's suspected holder waits at another")
	case st.Reentrant:
		b.WriteString("; a goroutine locks again, in a nested call, what it may already hold (sync locks are not re-entrant)")
	case st.TwoCalls:
		b.WriteString("; they wait at two lock calls of one function, so those at the later call hold the earlier lock")
	case st.Leaked:
		b.WriteString("; the runtime found no goroutine that could ever release them")
	default:
		b.WriteString("; no goroutine that could release the locks is running or blocked elsewhere")
	}
	return b.String()
}
