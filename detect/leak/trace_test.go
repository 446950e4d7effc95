package leak

import (
	"strings"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// traceSnapshot builds a timeline with one channel-send site of open
// waits: sinceStart of them there from the start, entered more entering
// during the trace, and unblocks waits that ended there.
func traceSnapshot(sinceStart, entered, unblocks int) *parse.Snapshot {
	fn := &parse.Frame{Function: "main.fanout.func1", File: "/src/main.go", Line: 42}
	gopark := &parse.Frame{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 460, Runtime: true}
	site := &parse.Stack{Frames: []*parse.Frame{fn}}
	full := &parse.Stack{Frames: []*parse.Frame{gopark, fn}}
	tl := &parse.Timeline{Duration: 10 * time.Second}
	b := &parse.BlockSite{Reason: "chan send", Stack: site, Open: sinceStart + entered, OpenSinceStart: sinceStart, Blocks: unblocks}
	if unblocks > 0 {
		b.Unblockers = []parse.Unblocker{{Count: unblocks, Stack: &parse.Stack{Frames: []*parse.Frame{{Function: "main.collect", Line: 7}}}}}
	}
	tl.Blocks = []*parse.BlockSite{b}
	for i := range sinceStart + entered {
		g := parse.TraceGoroutine{ID: int64(i + 1), State: "chan send", Stack: full}
		if i < sinceStart {
			g.AtStart, g.SinceStart = true, true
		} else {
			g.Since = time.Duration(i-sinceStart+1) * time.Second / 2
			g.Created = g.Since
		}
		tl.Goroutines = append(tl.Goroutines, g)
	}
	tl.AliveAtEnd = len(tl.Goroutines)
	return &parse.Snapshot{Timeline: tl}
}

func TestTraceLeaks(t *testing.T) {
	cfg := detect.DefaultConfig()
	for _, tc := range []struct {
		name                         string
		sinceStart, entered, unblock int
		want                         bool
	}{
		{"grew, nothing unblocked", 2, 12, 0, true},
		{"grew, but waits end there (a served pool)", 0, 12, 5, false},
		{"all there from the start (an idle pool looks the same)", 30, 0, 0, false},
		{"too few entered during the trace", 30, 5, 0, false},
		{"too few in all", 0, 9, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := traceSnapshot(tc.sinceStart, tc.entered, tc.unblock)
			sites := traceLeaks(s, cfg)
			if got := len(sites) == 1; got != tc.want {
				t.Fatalf("reported %d sites, want reported=%v", len(sites), tc.want)
			}
			if !tc.want {
				return
			}
			f := traceFinding(s, cfg, sites[0])
			if f.Severity != detect.SeverityWarning || f.Confidence != detect.ConfidenceLikely {
				t.Errorf("severity %v confidence %v, want warning likely", f.Severity, f.Confidence)
			}
			if f.Count != 14 || f.Culprit.Function != "main.fanout.func1" {
				t.Errorf("count %d culprit %v", f.Count, f.Culprit)
			}
			// Entries at 500ms .. 6s into a 10s trace.
			for _, want := range []string{"14 goroutines", "12 of them entering it between 500ms and 6s (of 10s)", "nothing unblocked"} {
				if !strings.Contains(f.Title, want) {
					t.Errorf("title %q lacks %q", f.Title, want)
				}
			}
			if f.Wait == nil || f.Wait.Max != 10*time.Second || f.Wait.Min != 4*time.Second {
				t.Errorf("wait %+v, want min 4s max 10s", f.Wait)
			}
		})
	}
}

// TestTraceLeaksNoTimeline: without a timeline the rule adds nothing.
func TestTraceLeaksNoTimeline(t *testing.T) {
	if got := traceLeaks(&parse.Snapshot{}, detect.DefaultConfig()); got != nil {
		t.Errorf("got %v", got)
	}
}
