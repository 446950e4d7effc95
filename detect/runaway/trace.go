package runaway

import (
	"fmt"
	"strings"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/words"
	"github.com/gorensic/gorensic/parse"
)

// traceRule says why the trace rule reports a site.
type traceRule int

const (
	ruleGrew     traceRule = iota + 1 // the live count grew by RunawayMinCount during the trace
	ruleOutpaces                      // many and most at the end, created faster than they exit
	ruleEndState                      // many and most at the end, all there from the start
	ruleBurst                         // a burst of RunawayMinCount or more that finished
)

// traceSite is one creation site of an execution trace that the trace
// rule reports.
type traceSite struct {
	site  *parse.SpawnSite
	frame *parse.Frame // the go statement, or the start function for goroutines there from the start
	entry bool         // grouped by start function
	rule  traceRule
	sev   detect.Severity
	conf  detect.Confidence
	share float64 // of the goroutines alive at the end
	// pre is the site of the goroutines with the same start function that
	// existed at the start, counted with a go statement's site.
	pre                      *parse.SpawnSite
	startLive, endLive, peak int
	peakAt                   time.Duration
	first, last              time.Duration
	rate                     float64 // goroutines per second over [first, last)
	members                  []*parse.TraceGoroutine
	state                    string // what most of the members do at the end
	inState                  int
}

// traceRunaways applies the trace rule (doc.go, "Execution traces") to the
// Timeline's creation sites.
func traceRunaways(s *parse.Snapshot, cfg detect.Config) []*traceSite {
	tl := s.Timeline
	if tl == nil {
		return nil
	}
	minCount := max(cfg.RunawayMinCount, 1)
	// Goroutines that existed at the start have no creation site: the
	// trace groups them by start function, apart from those the same go
	// statement creates during the trace. A go statement's site counts
	// those of its start function with it.
	before := map[string]*parse.SpawnSite{}
	for _, site := range tl.Sites {
		if site.CreatedBy == nil && before[site.StartFunc] == nil {
			before[site.StartFunc] = site
		}
	}
	consumed := map[*parse.SpawnSite]bool{}
	n := tl.Bucket(tl.Duration) + 1
	var out []*traceSite
	for pass := range 2 {
		for _, site := range tl.Sites {
			if (pass == 0) != (site.CreatedBy != nil) || consumed[site] {
				continue
			}
			if site.StartFunc == "" || strings.HasPrefix(site.StartFunc, "runtime.") || connectionBound(site.StartFunc) {
				continue
			}
			if cb := site.CreatedBy; cb != nil && (cb.Runtime || strings.HasPrefix(cb.Function, "runtime.") || connectionBound(cb.Function)) {
				continue
			}
			ts := &traceSite{site: site, frame: site.CreatedBy, entry: site.CreatedBy == nil}
			ts.startLive, ts.endLive, ts.peak, ts.peakAt = site.AliveAtStart, site.AliveAtEnd, site.PeakLive, site.PeakAt
			if pre := before[site.StartFunc]; pass == 0 && pre != nil {
				ts.pre = pre
				ts.startLive += pre.AliveAtStart
				ts.endLive += pre.AliveAtEnd
				a, b := site.Live(n), pre.Live(n)
				ts.peak = 0
				for i := range a {
					if a[i]+b[i] > ts.peak {
						ts.peak, ts.peakAt = a[i]+b[i], min(time.Duration(i+1)*tl.BucketWidth, tl.Duration)
					}
				}
			}
			if tl.AliveAtEnd > 0 {
				ts.share = float64(ts.endLive) / float64(tl.AliveAtEnd)
			}
			grew := ts.endLive - ts.startLive
			most := ts.endLive >= minCount && ts.share >= cfg.RunawayMinShare
			switch {
			case site.Created > 0 && grew >= minCount:
				ts.rule, ts.sev, ts.conf = ruleGrew, detect.SeverityWarning, detect.ConfidenceLikely
			case site.Created > 0 && most && site.Created-site.Exited >= max(1, ts.endLive/10):
				ts.rule, ts.sev, ts.conf = ruleOutpaces, detect.SeverityWarning, detect.ConfidenceLikely
			case site.CreatedBy == nil && most:
				ts.rule, ts.sev, ts.conf = ruleEndState, detect.SeverityWarning, detect.ConfidencePossible
			case site.Created >= minCount && site.PeakLive >= minCount:
				ts.rule, ts.sev, ts.conf = ruleBurst, detect.SeverityInfo, detect.ConfidencePossible
			default:
				continue
			}
			if ts.rule != ruleBurst && most && ts.endLive >= 10*minCount {
				ts.sev = detect.SeverityCritical
			}
			states := map[string]int{}
			io := 0
			for i := range tl.Goroutines {
				g := &tl.Goroutines[i]
				if g.Exited || g.Site != site && (g.Site == nil || g.Site != ts.pre) {
					continue
				}
				ts.members = append(ts.members, g)
				states[g.State]++
				if g.State == "IO wait" {
					io++
				}
				if ts.frame == nil {
					ts.frame = detect.EntryFunction(g.Stack)
				}
			}
			if ts.rule != ruleBurst && 2*io >= len(ts.members) && io > 0 {
				continue // network readers: one per connection, a capacity fact
			}
			for st, n := range states {
				if n > ts.inState || n == ts.inState && st < ts.state {
					ts.state, ts.inState = st, n
				}
			}
			if ts.frame == nil {
				ts.frame = &parse.Frame{Function: site.StartFunc}
			}
			if ts.pre != nil && ts.rule != ruleBurst {
				consumed[ts.pre] = true
			}
			ts.first, ts.last, ts.rate = creationWindow(tl, site)
			out = append(out, ts)
		}
	}
	return out
}

// connectionBound reports whether a function belongs to a package whose
// goroutines are one per connection or stream.
func connectionBound(fn string) bool {
	for _, p := range []string{"net/http.", "net/rpc.", "golang.org/x/net/http2.", "google.golang.org/grpc."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return strings.HasPrefix(fn, "google.golang.org/grpc/")
}

// creationWindow returns the span of the buckets in which the site created
// goroutines and the creation rate over it, in goroutines per second.
func creationWindow(tl *parse.Timeline, site *parse.SpawnSite) (first, last time.Duration, rate float64) {
	lo, hi := -1, -1
	for i, n := range site.CreatedPer {
		if n > 0 {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	if lo < 0 || tl.BucketWidth <= 0 {
		return 0, 0, 0
	}
	first = time.Duration(lo) * tl.BucketWidth
	last = min(time.Duration(hi+1)*tl.BucketWidth, tl.Duration)
	if last <= first {
		last = first + tl.BucketWidth
	}
	return first, last, float64(site.Created) / (last - first).Seconds()
}

// traceFinding turns a trace site into a finding.
func traceFinding(s *parse.Snapshot, ts *traceSite) detect.Finding {
	tl := s.Timeline
	site := ts.site
	f := detect.Finding{
		Kind:       detect.KindRunaway,
		Severity:   ts.sev,
		Confidence: ts.conf,
		Count:      max(ts.endLive, ts.peak),
		Culprit:    ts.frame,
		Remedy:     runawayRemedy,
		Title:      traceTitle(tl, ts),
		Metrics: map[string]float64{
			"share":           ts.share,
			"created":         float64(site.Created),
			"exited":          float64(site.Exited),
			"alive_at_start":  float64(site.AliveAtStart),
			"alive_at_end":    float64(site.AliveAtEnd),
			"peak_live":       float64(site.PeakLive),
			"peak_at_s":       site.PeakAt.Seconds(),
			"rate_per_s":      ts.rate,
			"peak_rate_per_s": site.PeakRate(tl.BucketWidth),
			"first_s":         ts.first.Seconds(),
			"last_s":          ts.last.Seconds(),
			"trace_length_s":  tl.Duration.Seconds(),
		},
	}
	if ts.entry {
		f.Key = "entry"
	} else {
		f.CreatedBy = ts.frame
	}
	if ts.rule == ruleBurst {
		f.Remedy = "The burst finished: nothing is stuck. If the peak strains memory or the scheduler, bound the fan-out with a semaphore or errgroup.Group.SetLimit."
	}
	f.Score = detect.Score(ts.conf, f.Count, 0, ts.share)
	var ids []int64
	var stack *parse.Stack
	for _, g := range ts.members {
		if g.State != ts.state {
			continue
		}
		if stack == nil {
			stack = g.Stack
		}
		if len(ids) < 5 {
			ids = append(ids, g.ID)
		}
	}
	if stack == nil {
		stack = site.Stack
	}
	if stack != nil {
		note := "alive at the end"
		if ts.rule == ruleBurst {
			note = "the creation stack; the goroutines have exited"
		}
		f.Stacks = append(f.Stacks, detect.Evidence{Count: ts.inState, State: ts.state, Stack: stack, GoroutineIDs: ids, Note: note})
	}
	return f
}

// traceTitle cites the counts, the rate and the time range: "1,500
// goroutines created by main.(*consumer).run at 3,100/s between 200ms and
// 700ms; 1,496 alive at the end".
func traceTitle(tl *parse.Timeline, ts *traceSite) string {
	site := ts.site
	fn := words.Func(ts.frame.Function)
	var b strings.Builder
	switch ts.rule {
	case ruleEndState:
		fmt.Fprintf(&b, "%s running %s, %s of the %s alive at the end of the trace, all there since before it started (%s trace)",
			words.N(ts.endLive, "goroutine"), fn, pct(ts.share), words.Count(tl.AliveAtEnd), offset(tl.Duration))
	case ruleBurst:
		fmt.Fprintf(&b, "a finished burst: %s created by %s at %s/s between %s and %s, peaking at %s alive at %s; %s alive at the end of the %s trace",
			words.N(site.Created, "goroutine"), fn, words.Count(int(ts.rate+0.5)), offset(ts.first), offset(ts.last),
			words.Count(ts.peak), offset(ts.peakAt), words.Count(ts.endLive), offset(tl.Duration))
	default:
		fmt.Fprintf(&b, "%s created by %s at %s/s between %s and %s; %s alive at the end (%s at the start, peak %s, %s of all)",
			words.N(site.Created, "goroutine"), fn, words.Count(int(ts.rate+0.5)), offset(ts.first), offset(ts.last),
			words.Count(ts.endLive), words.Count(ts.startLive), words.Count(ts.peak), pct(ts.share))
	}
	if ts.state != "" && ts.rule != ruleBurst {
		fmt.Fprintf(&b, "; %s in %s", words.Count(ts.inState), ts.state)
	}
	return b.String()
}

func pct(share float64) string {
	return fmt.Sprintf("%.0f%%", 100*share)
}

// offset prints an offset into the trace as go tool trace shows it.
func offset(d time.Duration) string {
	return d.Round(time.Microsecond).String()
}

const runawayRemedy = "Bound the spawning: start a fixed pool of workers fed by a channel, or guard the go statement with a semaphore " +
	"(a buffered channel, golang.org/x/sync/semaphore, errgroup.Group.SetLimit) so the source waits instead of piling up goroutines. " +
	"If the goroutines are blocked on a slow dependency, add timeouts so they can finish, and shed load at the source."
