package contention

import (
	"fmt"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// TraceMinShare is the share of the trace's goroutine-time (Duration ×
// goroutines alive at the end) that the waits at one lock site must add up
// to for the trace rule to report it.
const TraceMinShare = 0.10

// traceCriticalShare makes a trace finding critical.
const traceCriticalShare = 0.5

// traceLockSite is one lock site of a trace that the trace rule reports.
type traceLockSite struct {
	site    *parse.BlockSite
	culprit *parse.Frame
	share   float64 // Total over Duration × AliveAtEnd
	holder  *parse.Unblocker
}

// traceLockSites applies the trace rule (doc.go, "Execution traces"): a
// sync.Mutex or sync.RWMutex blocking site with a stack, where waits
// completed during the trace, whose total wait is at least
// Config.ContentionMinDelay and at least TraceMinShare of the trace's
// goroutine-time.
func traceLockSites(s *parse.Snapshot, cfg detect.Config) []*traceLockSite {
	tl := s.Timeline
	if tl == nil || tl.Duration <= 0 || tl.AliveAtEnd <= 0 {
		return nil
	}
	budget := float64(tl.Duration) * float64(tl.AliveAtEnd)
	var out []*traceLockSite
	for _, b := range tl.Blocks {
		if !detect.OpOf(b.Reason, b.Stack).IsLock() || b.Stack == nil {
			continue
		}
		if b.Blocks == 0 {
			continue // no wait ended: a stall, the goroutine rules' and the deadlock detector's
		}
		share := float64(b.Total) / budget
		if b.Total < cfg.ContentionMinDelay.D() || share < TraceMinShare {
			continue
		}
		ts := &traceLockSite{site: b, culprit: detect.Culprit(b.Stack), share: share}
		if len(b.Unblockers) > 0 {
			ts.holder = &b.Unblockers[0]
		}
		out = append(out, ts)
	}
	return out
}

// traceLockFinding turns a trace lock site into a finding.
func traceLockFinding(s *parse.Snapshot, ts *traceLockSite) detect.Finding {
	tl := s.Timeline
	b := ts.site
	sev := detect.SeverityWarning
	if ts.share >= traceCriticalShare {
		sev = detect.SeverityCritical
	}
	p50, p99 := b.Delays.Quantile(0.5), b.Delays.Quantile(0.99)
	lock := lockName(b.Reason)
	fn := "?"
	if ts.culprit != nil {
		fn = ts.culprit.Function
	}
	headline := fmt.Sprintf("%s in %s: goroutines waited %s in all over the trace (0–%s), %.0f%% of %d goroutines × the trace; %d waits, p99 %s, max %s, %d still waiting at the end",
		lock, fn, round(b.Total), round(tl.Duration), 100*ts.share, tl.AliveAtEnd, b.Blocks, round(p99), round(b.Max), b.Open)
	f := detect.Finding{
		Kind:       detect.KindContention,
		Severity:   sev,
		Confidence: detect.ConfidenceLikely,
		Count:      b.Blocks + b.Open, // waits, not goroutines
		Culprit:    ts.culprit,
		Title:      headline,
		Key:        "trace " + b.Reason,
		Stacks: []detect.Evidence{{
			Count: max(b.Open, 1), // goroutines; the note counts the waits
			State: b.Reason,
			Stack: b.Stack,
			Note: fmt.Sprintf("waiters: %d waits ended during the trace (p50 %s, p99 %s, max %s), %d still waiting at the end (longest %s)",
				b.Blocks, round(p50), round(p99), round(b.Max), b.Open, round(b.OpenMax)),
		}},
		Metrics: map[string]float64{
			"total_wait_seconds": b.Total.Seconds(),
			"p50_wait_seconds":   p50.Seconds(),
			"p99_wait_seconds":   p99.Seconds(),
			"max_wait_seconds":   b.Max.Seconds(),
			"waits":              float64(b.Blocks),
			"waiting_at_end":     float64(b.Open),
			"trace_share":        ts.share,
			"trace_length_s":     tl.Duration.Seconds(),
		},
		Remedy: "Shorten the critical section that the holder runs: do slow work (I/O, RPCs, sleeps, channel operations, cgo calls) outside the lock; split or shard the lock, or use atomic values or copy-on-write snapshots for read-mostly data.",
	}
	if h := ts.holder; h != nil {
		holder := "the runtime"
		if c := detect.Culprit(h.Stack); c != nil {
			holder = c.Function
		}
		f.Title += fmt.Sprintf("; released by %s (%d of %d wake-ups)", holder, h.Count, b.Blocks)
		ev := detect.Evidence{
			Count: 1, // one goroutine shown; the note counts its wake-ups
			Stack: h.Stack,
			Note:  fmt.Sprintf("holder: the unlock that woke %d of the %d waits", h.Count, b.Blocks),
		}
		if h.GoroutineID != 0 {
			ev.GoroutineIDs = []int64{h.GoroutineID}
		}
		f.Stacks = append(f.Stacks, ev)
		f.Metrics["holder_wakeups"] = float64(h.Count)
	}
	f.Score = detect.Score(detect.ConfidenceLikely, f.Count, 0, ts.share)
	return f
}

func lockName(reason string) string {
	switch reason {
	case "sync.RWMutex.RLock":
		return "sync.RWMutex read lock"
	case "sync.RWMutex.Lock":
		return "sync.RWMutex write lock"
	}
	return "sync.Mutex"
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
