package leak

import (
	"fmt"
	"slices"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// traceSite is one blocking site of an execution trace that the trace rule
// reports: goroutines kept entering the wait during the trace and none of
// the waits there ended.
type traceSite struct {
	site    *parse.BlockSite
	op      detect.Op
	culprit *parse.Frame
	entered int           // open waits that began during the trace
	first   time.Duration // earliest entry during the trace
	last    time.Duration // latest entry during the trace
	members []*parse.TraceGoroutine
}

// traceLeaks applies the trace rule (doc.go, "Execution traces") to a
// snapshot with a Timeline: a channel, select, sync.Cond.Wait or
// sync.WaitGroup.Wait site whose open waits at the end number
// Config.LeakMinCount or more, at least LeakMinCount of which began during
// the trace, and where no wait ended (no unblocker) during the trace.
func traceLeaks(s *parse.Snapshot, cfg detect.Config) []*traceSite {
	tl := s.Timeline
	if tl == nil {
		return nil
	}
	var out []*traceSite
	for _, b := range tl.Blocks {
		o := detect.OpOf(b.Reason, b.Stack)
		if !traceLeakOp(o) || b.Stack == nil {
			continue
		}
		if b.Blocks > 0 || len(b.Unblockers) > 0 || b.OtherUnblocks > 0 {
			continue // waits complete here: a pool or a loop that is served
		}
		culprit := detect.Culprit(b.Stack)
		if culprit == nil || culprit.Runtime || detect.IsStdlib(culprit.Function) {
			continue // runtime and standard-library service goroutines
		}
		entered := b.Open - b.OpenSinceStart
		if b.Open < cfg.LeakMinCount || entered < cfg.LeakMinCount {
			continue // all there from the start: an idle pool looks the same
		}
		ts := &traceSite{site: b, op: o, culprit: culprit, entered: entered, first: -1}
		for i := range tl.Goroutines {
			g := &tl.Goroutines[i]
			if !g.Blocked() || g.State != b.Reason {
				continue
			}
			if c := detect.Culprit(g.Stack); c == nil || c.Function != culprit.Function || c.Line != culprit.Line {
				continue
			}
			ts.members = append(ts.members, g)
			if g.SinceStart {
				continue
			}
			if ts.first < 0 || g.Since < ts.first {
				ts.first = g.Since
			}
			ts.last = max(ts.last, g.Since)
		}
		if ts.first < 0 {
			ts.first = 0
		}
		out = append(out, ts)
	}
	return out
}

// traceLeakOp reports whether o is an operation the trace rule covers.
func traceLeakOp(o detect.Op) bool {
	switch o {
	case detect.OpChanSend, detect.OpChanReceive, detect.OpSelect, detect.OpCondWait, detect.OpWaitGroupWait:
		return true
	}
	return false
}

// traceFinding turns a trace site into a finding.
func traceFinding(s *parse.Snapshot, cfg detect.Config, ts *traceSite) detect.Finding {
	tl := s.Timeline
	b := ts.site
	sev := detect.SeverityWarning
	if b.Open >= cfg.LeakCriticalCount {
		sev = detect.SeverityCritical
	}
	var waits []time.Duration
	var ids []int64
	for _, g := range ts.members {
		waits = append(waits, tl.Duration-g.Since)
		if len(ids) < 5 {
			ids = append(ids, g.ID)
		}
	}
	var ws *detect.WaitStats
	if len(waits) > 0 {
		slices.Sort(waits)
		ws = &detect.WaitStats{Min: waits[0], Median: waits[len(waits)/2], Max: waits[len(waits)-1]}
	}
	share := 0.0
	if tl.AliveAtEnd > 0 {
		share = float64(b.Open) / float64(tl.AliveAtEnd)
	}
	median := 0.0
	if ws != nil {
		median = ws.Median.Seconds()
	}
	var createdBy *parse.Frame
	if len(ts.members) > 0 && ts.members[0].CreatedAt != nil {
		createdBy = detect.CreationSite(ts.members[0].CreatedAt)
	}
	title := fmt.Sprintf("%d goroutines blocked in %s at %s until the end of the trace, %d of them entering it between %s and %s (of %s); nothing unblocked a wait there",
		b.Open, b.Reason, ts.culprit.Function, ts.entered, offset(ts.first), offset(ts.last), offset(tl.Duration))
	return detect.Finding{
		Kind:       detect.KindLeak,
		Severity:   sev,
		Confidence: detect.ConfidenceLikely,
		Score:      detect.Score(detect.ConfidenceLikely, b.Open, median, share),
		Title:      title,
		Count:      b.Open,
		Wait:       ws,
		Culprit:    ts.culprit,
		CreatedBy:  createdBy,
		Stacks: []detect.Evidence{{
			Count:        b.Open,
			State:        b.Reason,
			Stack:        b.Stack,
			GoroutineIDs: ids,
			Wait:         ws,
			Note:         fmt.Sprintf("blocked since %s–%s into the trace; no unblocker", offset(ts.first), offset(ts.last)),
		}},
		Remedy: traceRemedy(ts.op),
		Key:    "trace " + ts.op.String(),
		Metrics: map[string]float64{
			"share":          share,
			"entered":        float64(ts.entered),
			"since_start":    float64(b.OpenSinceStart),
			"first_entry_s":  ts.first.Seconds(),
			"last_entry_s":   ts.last.Seconds(),
			"trace_length_s": tl.Duration.Seconds(),
		},
	}
}

// offset prints an offset into the trace as go tool trace shows it.
func offset(d time.Duration) string {
	return d.Round(time.Microsecond).String()
}

func traceRemedy(o detect.Op) string {
	switch o {
	case detect.OpChanSend:
		return "Nobody receives what these goroutines send: buffer the channel to the number of senders, or select on ctx.Done() next to the send so they can leave when the receiver gives up."
	case detect.OpChanReceive, detect.OpSelect:
		return "Nothing sends to or closes what these goroutines wait on: close the channel when the producer is done, or select on a done channel or ctx.Done() so they can leave."
	case detect.OpCondWait:
		return "Nobody signals this sync.Cond: Broadcast when its owner closes, and re-check a closed flag in the wait loop."
	case detect.OpWaitGroupWait:
		return "The WaitGroup never reaches zero: pair every wg.Add with a deferred wg.Done in the goroutine it counts."
	}
	return ""
}
