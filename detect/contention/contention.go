package contention

import (
	_ "embed"
	"fmt"
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

// Detector reports lock contention; see the package documentation.
var Detector = &detect.Detector{
	Name:     name,
	Kinds:    []detect.Kind{detect.KindContention},
	Doc:      doctext.FromSource(docSource),
	NeedsAny: parse.CapGoroutineIDs | parse.CapGroupedCounts | parse.CapContention,
	Run:      run,
}

// name is the detector's name.
const name = "contention"

// maxHolders is how many suspected holder groups a finding shows.
const maxHolders = 2

// maxWaitGroups is how many waiter groups a finding shows.
const maxWaitGroups = 3

func run(p *detect.Pass) error {
	s := p.Snapshot
	if s.Contention != nil {
		reportProfile(p)
	}
	var a *lockwait.Analysis
	if len(s.Goroutines) > 0 && !lockwait.IsDeadlockCrash(s.Crash) { // a deadlock crash is the deadlock detector's
		a = lockwait.Analyze(s, p.Groups, lockwait.StallAge)
	}
	// Trace findings first: a goroutine-rule finding at the same culprit
	// (the queue at the end of the same trace) points at them, and they
	// show its suspected holder.
	traced := map[string]string{} // culprit function -> fingerprint of the trace finding
	for _, ts := range traceLockSites(s, p.Config) {
		f := traceLockFinding(s, ts)
		if f.Culprit != nil {
			traced[f.Culprit.Function] = detect.Fingerprint(name, f.Kind, f.Key, f.Culprit, f.CreatedBy)
			addEndHolder(s, a, f.Culprit.Function, &f)
		}
		p.Report(f)
	}
	if a == nil {
		return nil
	}
	for _, site := range a.Sites {
		reportSite(p, a, site, traced)
	}
	return nil
}

func reportSite(p *detect.Pass, a *lockwait.Analysis, site *lockwait.Site, traced map[string]string) {
	s := p.Snapshot
	cfg := p.Config
	ages := s.Caps.Has(parse.CapWaitAges)
	holders := a.Holders(site)
	stall := a.StallOf(site)
	fromFrames := true
	for _, w := range site.Waits {
		fromFrames = fromFrames && w.FromFrames && !s.Caps.Has(parse.CapStates)
	}

	sev, ok := severity(site, ages, cfg)
	if !ok && len(holders) == 0 {
		return
	}
	conf := detect.ConfidenceLikely
	if fromFrames || site.Kind == lockwait.Semaphore {
		// Semaphores also bound concurrency on purpose: a queue at one
		// may be the design.
		conf = detect.ConfidencePossible
	}
	var related []string
	if stall != nil {
		sev = detect.SeverityInfo
		related = append(related, stall.Fingerprint())
	}
	if site.Culprit != nil && traced[site.Culprit.Function] != "" {
		// The trace rule reports this lock over the whole trace.
		sev = detect.SeverityInfo
		related = append(related, traced[site.Culprit.Function])
	}

	f := detect.Finding{
		Kind:       detect.KindContention,
		Severity:   sev,
		Confidence: conf,
		Count:      site.Count,
		Culprit:    site.Culprit,
		CreatedBy:  lockwait.CreatedBy(site.Waits[0].Group.Stack),
		Key:        keyOf(site),
		Related:    related,
		Metrics: map[string]float64{
			"waiters": float64(site.Count),
		},
	}
	if ages {
		f.Wait = &detect.WaitStats{Min: site.WaitMin, Median: site.WaitMedian, Max: site.WaitMax}
		f.Metrics["wait_max_seconds"] = site.WaitMax.Seconds()
		f.Metrics["wait_median_seconds"] = site.WaitMedian.Seconds()
	}
	if site.Writer != nil {
		f.Metrics["readers"] = float64(site.Readers)
	}

	// Evidence: the writer first, then the biggest waiter groups, then the
	// suspected holders.
	waits := site.Waits
	if site.Writer != nil {
		waits = append([]*lockwait.Wait{site.Writer}, without(site.Waits, site.Writer)...)
	}
	for i, w := range waits {
		if i == maxWaitGroups {
			break
		}
		f.Stacks = append(f.Stacks, detect.EvidenceOf(s, w.Group, waiterNote(site, w)))
	}
	var shown []lockwait.Holder
	suspects := 0
	for _, h := range holders {
		if h.Wait == nil {
			suspects += h.Group.Count
		}
		if len(shown) < maxHolders && (h.Wait == nil || stall != nil) {
			shown = append(shown, h)
		}
	}
	for _, h := range shown {
		f.Stacks = append(f.Stacks, detect.EvidenceOf(s, h.Group, holderNote(site, h, holders)))
	}
	f.Metrics["suspected_holders"] = float64(suspects)

	f.Title = title(site, ages, shown, stall)
	f.Remedy = remedy(site, shown)
	median := 0.0
	if ages {
		median = site.WaitMedian.Seconds()
	}
	f.Score = detect.Score(conf, site.Count, median, share(site.Count, p.Total))
	p.Report(f)
}

// severity grades a site; ok is false when it is not worth reporting on
// its own (a lone, brief waiter).
func severity(site *lockwait.Site, ages bool, cfg detect.Config) (detect.Severity, bool) {
	minWaiters := max(cfg.ContentionMinWaiters, 1)
	long := ages && site.WaitMax >= lockwait.StallAge
	if site.Kind == lockwait.Semaphore {
		// Semaphores also bound concurrency on purpose: only long waits
		// of several goroutines are a problem.
		if long && site.Count >= 2 {
			return detect.SeverityWarning, true
		}
		return detect.SeverityInfo, site.Count >= 2
	}
	switch {
	case ages && site.WaitMax >= lockwait.CriticalWait:
		return detect.SeverityCritical, true
	case site.Count >= 10*minWaiters:
		return detect.SeverityCritical, true
	case long, site.Count >= minWaiters:
		return detect.SeverityWarning, true
	}
	return detect.SeverityInfo, site.Count >= 2
}

func keyOf(site *lockwait.Site) string {
	switch {
	case site.Writer != nil:
		return "rwmutex-writer"
	case site.Kind == lockwait.Semaphore:
		return "semaphore"
	}
	return "lock"
}

func without(ws []*lockwait.Wait, x *lockwait.Wait) []*lockwait.Wait {
	out := make([]*lockwait.Wait, 0, len(ws))
	for _, w := range ws {
		if w != x {
			out = append(out, w)
		}
	}
	return out
}

func share(n, total int) float64 {
	if total <= 0 {
		return 0
	}
	return float64(n) / float64(total)
}

func waiterNote(site *lockwait.Site, w *lockwait.Wait) string {
	var b strings.Builder
	switch {
	case site.Writer != nil && w.Kind == lockwait.WLock:
		b.WriteString("writer waiting in sync.RWMutex.Lock; every new RLock queues behind it")
	case site.Writer != nil && w.Kind == lockwait.RLock:
		b.WriteString("reader queued behind the pending writer")
	default:
		b.WriteString("waiting in " + w.Kind.Op())
	}
	if w.FromFrames && w.Group.State != "semacquire" {
		b.WriteString(" (this input records no wait states: the operation is named from the frames)")
	} else if w.Group.State == "semacquire" {
		b.WriteString(" (\"semacquire\" on this Go version: the lock is named from the frames)")
	}
	return b.String()
}

func holderNote(site *lockwait.Site, h lockwait.Holder, all []lockwait.Holder) string {
	conf := "possible"
	if likelyHolder(site, h, all) {
		conf = "likely"
	}
	var why string
	switch h.Tier {
	case lockwait.SameFunction:
		why = fmt.Sprintf("its stack is inside %s, where the waiters take the lock", words.Func(h.Matched().Function))
	case lockwait.SameEnclosing:
		why = fmt.Sprintf("its stack is inside %s, a closure of the same function as the waiters'", words.Func(h.Matched().Function))
	case lockwait.SameType:
		why = fmt.Sprintf("its stack is inside %s, a method of the waiters' type %s", words.Func(h.Matched().Function), words.Func(site.Class))
	}
	doing := lockwait.Doing(h.Op, h.Group.State)
	if h.Wait != nil {
		doing = "itself waiting in " + h.Wait.Kind.Op() + " in " + words.Func(h.Wait.Culprit.Function)
	} else if c := lockwait.Where(h.Group.Stack); c != nil {
		doing += " in " + words.Func(c.Function)
	}
	return fmt.Sprintf("suspected holder (%s, %s): %s, and it is not waiting for this lock; it is %s",
		conf, h.Tier, why, doing)
}

// likelyHolder: one goroutine, matched by function, the only non-waiting
// candidate of an exclusive lock.
func likelyHolder(site *lockwait.Site, h lockwait.Holder, all []lockwait.Holder) bool {
	if h.Tier != lockwait.SameFunction || h.Wait != nil || h.Group.Count != 1 {
		return false
	}
	n := 0
	for _, o := range all {
		if o.Wait == nil {
			n += o.Group.Count
		}
	}
	return n == 1 && site.Kind != lockwait.Semaphore
}

func title(site *lockwait.Site, ages bool, holders []lockwait.Holder, stall *lockwait.Stall) string {
	var b strings.Builder
	n := words.N(site.Count, "goroutine")
	age := ""
	if ages && site.WaitMax >= time.Minute {
		age = " for " + words.Range(site.WaitMin, site.WaitMax)
		if site.WaitMin < time.Minute {
			age = " for up to " + words.Age(site.WaitMax)
		}
	}
	culprit := words.Func(site.Culprit.Function)
	switch {
	case site.Writer != nil:
		fmt.Fprintf(&b, "%s blocked on a sync.RWMutex of %s%s: a writer waiting in %s and %s queued behind it",
			n, words.Func(site.Class), age, culprit, words.N(site.Readers, "reader"))
	case site.Kind == lockwait.Semaphore:
		fmt.Fprintf(&b, "%s waiting%s to acquire a semaphore in %s", n, age, culprit)
	case site.Kind == lockwait.RLock:
		fmt.Fprintf(&b, "%s waiting%s for the read lock of a sync.RWMutex in %s", n, age, culprit)
	case site.Kind == lockwait.WLock:
		fmt.Fprintf(&b, "%s waiting%s for the write lock of a sync.RWMutex in %s", n, age, culprit)
	default:
		fmt.Fprintf(&b, "%s waiting%s on a sync.Mutex in %s", n, age, culprit)
	}
	switch {
	case stall != nil:
		b.WriteString("; part of a lock stall (see the deadlock finding)")
	case len(holders) > 0:
		h := holders[0]
		where := ""
		if c := lockwait.Where(h.Group.Stack); c != nil {
			where = " in " + words.Func(c.Function)
		}
		fmt.Fprintf(&b, "; suspected holder %s%s", lockwait.Doing(h.Op, h.Group.State), where)
		if ages && h.Group.WaitMax >= time.Minute {
			b.WriteString(" for " + words.Age(h.Group.WaitMax))
		}
	case ages && site.WaitMax >= time.Minute:
		b.WriteString("; no holder visible")
	}
	return b.String()
}

func remedy(site *lockwait.Site, holders []lockwait.Holder) string {
	var b strings.Builder
	switch {
	case site.Writer != nil:
		b.WriteString("A pending sync.RWMutex.Lock makes every new RLock wait, so one long read-locked section plus one writer stalls all readers. " +
			"Do not hold the read lock across slow work (copy what you need under the lock, release it, then do the slow part), " +
			"and keep write sections short; for read-mostly data consider an atomic.Pointer snapshot (copy-on-write).")
	case site.Kind == lockwait.Semaphore:
		b.WriteString("Every permit is held. Find the code between Acquire and Release that is slow or stuck, make sure every Acquire " +
			"is released on every path (defer), and pass Acquire a context with a deadline so waiters give up.")
	default:
		b.WriteString("Shorten the critical section: do slow work (network and disk I/O, RPCs, sleeps, channel operations, cgo calls) " +
			"outside the lock, or split the lock (shard by key, use atomic values, copy-on-write snapshots or sync.Map for read-mostly data).")
	}
	if len(holders) > 0 && holders[0].Wait == nil {
		h := holders[0]
		switch h.Op {
		case detect.OpSyscall, detect.OpCgo, detect.OpIOWait:
			b.WriteString(" The suspected holder is blocked in I/O, a syscall or C code while holding the lock: move that call out of the critical section or give it a deadline.")
		case detect.OpChanSend, detect.OpChanReceive, detect.OpSelect:
			b.WriteString(" The suspected holder waits on a channel while holding the lock: never block on a channel inside a critical section.")
		case detect.OpSleep:
			b.WriteString(" The suspected holder sleeps (or waits on a timer) while holding the lock.")
		}
	}
	if site.Writer == nil && site.Kind != lockwait.Semaphore && len(holders) == 0 {
		b.WriteString(" If no goroutine holds the lock, an Unlock is missing on some return path (use defer mu.Unlock()).")
	}
	return b.String()
}

// addEndHolder adds to a trace finding the suspected holder that the
// goroutines alive at the end of the trace show for the same culprit.
func addEndHolder(s *parse.Snapshot, a *lockwait.Analysis, culprit string, f *detect.Finding) {
	if a == nil {
		return
	}
	for _, site := range a.Sites {
		if site.Culprit == nil || site.Culprit.Function != culprit || a.StallOf(site) != nil {
			continue
		}
		holders := a.Holders(site)
		for _, h := range holders {
			if h.Wait != nil {
				continue
			}
			where := ""
			if c := lockwait.Where(h.Group.Stack); c != nil {
				where = " in " + words.Func(c.Function)
			}
			f.Title += fmt.Sprintf("; at the end, suspected holder %s%s", lockwait.Doing(h.Op, h.Group.State), where)
			f.Stacks = append(f.Stacks, detect.EvidenceOf(s, h.Group, "at the end of the trace, "+holderNote(site, h, holders)))
			return
		}
		return
	}
}
