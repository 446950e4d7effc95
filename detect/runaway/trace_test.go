package runaway

import (
	"strings"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// spawnTimeline builds a 1s timeline of 125 buckets of 8ms with one
// go statement: atStart goroutines of its start function there from the
// start (a site of their own, as the trace groups them), created ones
// created evenly over buckets [from, to), exited of them exiting lag
// buckets later; other goroutines alive at the end elsewhere.
func spawnTimeline(atStart, created, exited, from, to, lag, other int) *parse.Snapshot {
	tl := &parse.Timeline{Duration: time.Second, BucketWidth: 8 * time.Millisecond}
	handle := &parse.Stack{Frames: []*parse.Frame{{Function: "main.(*consumer).handle", File: "/src/main.go", Line: 99}}}
	add := func(site *parse.SpawnSite, n int, atStart bool) {
		for range n {
			tl.Goroutines = append(tl.Goroutines, parse.TraceGoroutine{ID: int64(len(tl.Goroutines) + 10), Site: site, State: "select", Stack: handle, AtStart: atStart})
		}
	}
	if atStart > 0 {
		// Goroutines there from the start: grouped by start function.
		pre := &parse.SpawnSite{StartFunc: "main.(*consumer).handle", AliveAtStart: atStart, AliveAtEnd: atStart, PeakLive: atStart}
		tl.Sites = append(tl.Sites, pre)
		add(pre, atStart, true)
	}
	if created > 0 {
		site := &parse.SpawnSite{StartFunc: "main.(*consumer).handle", Created: created, Exited: exited}
		site.CreatedBy = &parse.Frame{Function: "main.(*consumer).run", File: "/src/main.go", Line: 93}
		site.CreatedPer = make(parse.Series, to)
		for i := range created {
			site.CreatedPer[from+i*(to-from)/created]++
		}
		// The first exited goroutines exit lag buckets after their
		// creation, at the latest in the last bucket.
		site.ExitedPer = make(parse.Series, 125)
		for i := range exited {
			site.ExitedPer[min(from+i*(to-from)/created+lag, 124)]++
		}
		for i, n := range site.Live(125) {
			if n > site.PeakLive {
				site.PeakLive, site.PeakAt = n, time.Duration(i+1)*tl.BucketWidth
			}
		}
		site.AliveAtEnd = created - exited
		tl.Sites = append(tl.Sites, site)
		add(site, site.AliveAtEnd, false)
	}
	tl.AliveAtEnd = len(tl.Goroutines) + other
	return &parse.Snapshot{Timeline: tl}
}

func TestTraceRunaways(t *testing.T) {
	cfg := detect.DefaultConfig()
	for _, tc := range []struct {
		name                                           string
		atStart, created, exited, from, to, lag, other int
		rule                                           traceRule // 0: nothing reported
		sev                                            detect.Severity
	}{
		{"grew by 1,500 during the trace", 0, 1500, 4, 25, 88, 200, 15, ruleGrew, detect.SeverityWarning},
		{"most at the end, created faster than they exit", 900, 400, 300, 0, 125, 1, 100, ruleOutpaces, detect.SeverityWarning},
		{"all there from the start", 1500, 0, 0, 0, 0, 0, 15, ruleEndState, detect.SeverityWarning},
		{"a finished burst", 0, 10000, 10000, 0, 16, 8, 100, ruleBurst, detect.SeverityInfo},
		{"churn: as many exit as are created", 0, 6491, 6483, 0, 125, 1, 40, 0, 0},
		{"1,000 from the start and 200 more: one finding for both sites", 1000, 200, 0, 0, 125, 1, 10, ruleOutpaces, detect.SeverityWarning},
		{"an idle pool from the start, a minority", 1500, 0, 0, 0, 0, 0, 3000, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spawnTimeline(tc.atStart, tc.created, tc.exited, tc.from, tc.to, tc.lag, tc.other)
			got := traceRunaways(s, cfg)
			if tc.rule == 0 {
				if len(got) != 0 {
					t.Fatalf("reported rule %d, want nothing", got[0].rule)
				}
				return
			}
			if len(got) != 1 || got[0].rule != tc.rule || got[0].sev != tc.sev {
				t.Fatalf("got %d sites (%+v), want rule %d at %v", len(got), got, tc.rule, tc.sev)
			}
		})
	}
}

func TestTraceRunawayTitle(t *testing.T) {
	// 1,500 created between 200ms and 704ms, 4 exit: about 3,000/s.
	s := spawnTimeline(0, 1500, 4, 25, 88, 200, 15)
	got := traceRunaways(s, detect.DefaultConfig())
	if len(got) != 1 {
		t.Fatalf("%d sites", len(got))
	}
	f := traceFinding(s, got[0])
	for _, want := range []string{"1,500 goroutines created by main.(*consumer).run at 2,976/s between 200ms and 704ms", "1,496 alive at the end", "1,496 in select"} {
		if !strings.Contains(f.Title, want) {
			t.Errorf("title lacks %q: %s", want, f.Title)
		}
	}
	if f.CreatedBy == nil || f.CreatedBy.Function != "main.(*consumer).run" || f.Culprit != f.CreatedBy {
		t.Errorf("culprit %v created by %v", f.Culprit, f.CreatedBy)
	}
	if len(f.Stacks) != 1 || len(f.Stacks[0].GoroutineIDs) == 0 {
		t.Errorf("evidence %+v", f.Stacks)
	}
}
