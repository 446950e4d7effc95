package blocked

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/lockwait"
	"github.com/gorensic/gorensic/detect/internal/words"
	"github.com/gorensic/gorensic/parse"
)

// traceMinCall is the shortest system or cgo call the trace rule reports,
// however short the trace.
const traceMinCall = 100 * time.Millisecond

// traceThreshold returns how long a call must last in a trace to be
// reported: half the trace and at least traceMinCall, but never more than
// Config.SyscallMinWait (a trace of hours keeps the dump threshold).
func traceThreshold(tl *parse.Timeline, cfg detect.Config) time.Duration {
	t := max(traceMinCall, tl.Duration/2)
	if m := cfg.SyscallMinWait.D(); m > 0 {
		t = min(t, m)
	}
	return t
}

// traceSite is the long calls of one class at one culprit in a trace.
type traceSite struct {
	site
	calls   []parse.Syscall // the longest call of each goroutine, longest first
	ongoing int             // of calls, those still in progress at the end
	lostP   int             // of calls, those during which the goroutine lost its P
}

// traceSites applies the trace rule (doc.go, "Execution traces"): the
// system and cgo calls of the Timeline's long-call list that lasted at
// least traceThreshold, outside the runtime's service loops and by-design
// blockers, grouped by class and culprit, one call per goroutine.
func traceSites(s *parse.Snapshot, cfg detect.Config) []*traceSite {
	tl := s.Timeline
	if tl == nil {
		return nil
	}
	limit := traceThreshold(tl, cfg)
	byKey := map[string]*traceSite{}
	seen := map[int64]bool{}
	var out []*traceSite
	for _, c := range tl.LongSyscalls { // longest first
		if c.Duration < limit || c.Stack == nil || seen[c.Goroutine] {
			continue
		}
		if serviceSyscall(c.Stack) || runtimeOnly(c.Stack) {
			continue
		}
		cls := clsSyscall
		if c.Cgo || slices.ContainsFunc(c.Stack.Frames, isCgoFrame) {
			cls = clsCgo
		}
		g := &parse.Group{State: "syscall", Stack: c.Stack, Count: 1}
		culprit, call := culpritOf(s, g, cls)
		if culprit == nil || culprit.Runtime {
			continue
		}
		seen[c.Goroutine] = true
		key := fmt.Sprintf("%d %s:%d", cls, culprit.Function, culprit.Line)
		ts := byKey[key]
		if ts == nil {
			ts = &traceSite{site: site{cls: cls, key: key, culprit: culprit, call: call, benign: byDesign(g, cls, detect.OpUnknown)}}
			byKey[key] = ts
			out = append(out, ts)
		}
		ts.groups = append(ts.groups, g)
		ts.count++
		ts.long++
		ts.waits = append(ts.waits, c.Duration)
		ts.calls = append(ts.calls, c)
		if c.Ongoing {
			ts.ongoing++
		}
		if c.Blocked {
			ts.lostP++
		}
	}
	for _, ts := range out {
		slices.Sort(ts.waits)
	}
	slices.SortStableFunc(out, func(a, b *traceSite) int { return cmp.Compare(b.count, a.count) })
	return out
}

// traceFinding turns a trace site into a finding.
func traceFinding(p *detect.Pass, ts *traceSite) detect.Finding {
	tl := p.Snapshot.Timeline
	cfg := p.Config
	sev, conf := detect.SeverityWarning, detect.ConfidencePossible
	wmax := ts.waitMax()
	switch {
	case ts.benign != "":
		sev = detect.SeverityInfo
	case cfg.SyscallMinWait > 0 && wmax >= criticalFactor*cfg.SyscallMinWait.D():
		sev, conf = detect.SeverityCritical, detect.ConfidenceLikely
	case ts.ongoing > 0:
		conf = detect.ConfidenceLikely // still stuck when the trace ended
	}
	first, last := ts.calls[0].Start, ts.calls[0].Start
	for _, c := range ts.calls {
		first, last = min(first, c.Start), max(last, c.Start+c.Duration)
	}
	p50, p99 := tl.SchedLatency.Quantile(0.5), tl.SchedLatency.Quantile(0.99)
	f := detect.Finding{
		Kind:       detect.KindBlockedThread,
		Severity:   sev,
		Confidence: conf,
		Count:      ts.count,
		Wait:       &detect.WaitStats{Min: ts.waitMin(), Median: ts.waitMedian(), Max: wmax},
		Culprit:    ts.culprit,
		CreatedBy:  lockwait.CreatedBy(ts.calls[0].Stack),
		Key:        "trace " + ts.cls.key(),
		Title:      traceTitle(tl, ts, first, last),
		Remedy:     siteRemedy(&ts.site),
		Score:      detect.Score(conf, ts.count, ts.waitMedian().Seconds(), float64(ts.count)/float64(max(tl.AliveAtEnd, 1))),
		Metrics: map[string]float64{
			"threads":           float64(ts.count),
			"ongoing":           float64(ts.ongoing),
			"lost_p":            float64(ts.lostP),
			"proc_steals":       float64(tl.ProcSteals),
			"wait_max_seconds":  wmax.Seconds(),
			"first_s":           first.Seconds(),
			"last_s":            last.Seconds(),
			"trace_length_s":    tl.Duration.Seconds(),
			"sched_p50_seconds": p50.Seconds(),
			"sched_p99_seconds": p99.Seconds(),
			"threshold_seconds": traceThreshold(tl, cfg).Seconds(),
			"runnable_waits":    float64(tl.SchedLatency.Count),
		},
	}
	for i, c := range ts.calls {
		if i == maxEvidence {
			break
		}
		f.Stacks = append(f.Stacks, detect.Evidence{
			Count:        1,
			State:        "syscall",
			Stack:        c.Stack,
			GoroutineIDs: []int64{c.Goroutine},
			Wait:         &detect.WaitStats{Min: c.Duration, Median: c.Duration, Max: c.Duration},
			Note:         traceCallNote(tl, c),
		})
	}
	return f
}

// traceTitle says how many goroutines sat in which call where, over which
// part of the trace, what it cost the scheduler, and whether they were
// still there at the end.
func traceTitle(tl *parse.Timeline, ts *traceSite, first, last time.Duration) string {
	var b strings.Builder
	n := words.N(ts.count, "goroutine")
	culprit := words.Func(ts.culprit.Function)
	span := fmt.Sprintf("from %s to %s of a %s trace", offset(first), offset(last), offset(tl.Duration))
	if first == 0 && ts.calls[0].SinceStart && last >= tl.Duration {
		span = fmt.Sprintf("for the whole %s trace", offset(tl.Duration))
	}
	switch ts.cls {
	case clsCgo:
		call := "C code"
		if ts.call != "" {
			call = "C function " + ts.call
		}
		fmt.Fprintf(&b, "%s blocked in %s %s, called from %s", n, call, span, culprit)
	default:
		call := "a system call"
		if ts.call != "" {
			call = "system call " + ts.call
		}
		fmt.Fprintf(&b, "%s in %s %s in %s", n, call, span, culprit)
	}
	switch {
	case ts.benign != "":
		b.WriteString(" (by design: " + ts.benign + ")")
	case ts.ongoing == ts.count && ts.count > 1:
		b.WriteString(", still in the call at the end, each holding an OS thread")
	case ts.ongoing == ts.count:
		b.WriteString(", still in the call at the end, holding an OS thread")
	case ts.ongoing > 0:
		fmt.Fprintf(&b, ", %d still in the call at the end", ts.ongoing)
	}
	switch {
	case ts.lostP == 1 && ts.count == 1:
		b.WriteString("; it lost its P to another thread")
	case ts.lostP > 0:
		fmt.Fprintf(&b, "; %d of them lost their P to another thread", ts.lostP)
	}
	if tl.SchedLatency.Count > 0 {
		fmt.Fprintf(&b, "; runnable goroutines waited p50 %s, p99 %s for a P", offset(tl.SchedLatency.Quantile(0.5)), offset(tl.SchedLatency.Quantile(0.99)))
	}
	return b.String()
}

// traceCallNote describes one long call of the evidence.
func traceCallNote(tl *parse.Timeline, c parse.Syscall) string {
	var note string
	switch {
	case c.SinceStart && c.Ongoing:
		note = fmt.Sprintf("in the call for the whole trace (%s, started before it)", offset(c.Duration))
	case c.SinceStart:
		note = fmt.Sprintf("in the call from before the trace until %s", offset(c.Duration))
	case c.Ongoing:
		note = fmt.Sprintf("in the call from %s until the end (%s)", offset(c.Start), offset(c.Duration))
	default:
		note = fmt.Sprintf("in the call from %s to %s (%s)", offset(c.Start), offset(c.Start+c.Duration), offset(c.Duration))
	}
	if c.Blocked {
		note += "; lost its P"
	}
	return note
}

// offset prints an offset into the trace as go tool trace shows it.
func offset(d time.Duration) string {
	return d.Round(time.Microsecond).String()
}
