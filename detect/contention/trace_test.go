package contention

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
	"github.com/gorensic/gorensic/parse"
)

// lockTrace builds a 1s trace with alive goroutines at the end and one
// sync.Mutex.Lock site whose waits (of wait each) ended n times, released
// from main.(*store).Put.
func lockTrace(alive, n int, wait time.Duration) *parse.Snapshot {
	lock := &parse.Frame{Function: "sync.(*Mutex).Lock", Line: 46}
	get := &parse.Frame{Function: "main.(*store).Get", Line: 80}
	unlock := &parse.Frame{Function: "sync.(*Mutex).Unlock", Line: 65}
	put := &parse.Frame{Function: "main.(*store).Put", Line: 90}
	b := &parse.BlockSite{Reason: "sync.Mutex.Lock", Stack: &parse.Stack{Frames: []*parse.Frame{lock, get}}, Blocks: n, Open: 3}
	for range n {
		b.Delays.Add(wait)
		b.Total += wait
		b.Max = max(b.Max, wait)
	}
	if n > 0 {
		b.Unblockers = []parse.Unblocker{{Stack: &parse.Stack{Frames: []*parse.Frame{unlock, put}}, Count: n, GoroutineID: 7}}
	}
	tl := &parse.Timeline{Duration: time.Second, AliveAtEnd: alive, Blocks: []*parse.BlockSite{b}}
	return &parse.Snapshot{Timeline: tl}
}

func TestTraceLockSites(t *testing.T) {
	cfg := detect.DefaultConfig()
	for _, tc := range []struct {
		name  string
		alive int
		n     int
		wait  time.Duration
		want  detect.Severity // -1: not reported
	}{
		// 200 × 50ms = 10s of waiting in 20 goroutine-seconds: 50%.
		{"half the goroutine-time", 20, 200, 50 * time.Millisecond, detect.SeverityCritical},
		// 10s in 50 goroutine-seconds: 20%.
		{"a fifth", 50, 200, 50 * time.Millisecond, detect.SeverityWarning},
		// 10s in 200 goroutine-seconds: 5%, below TraceMinShare.
		{"a small share", 200, 200, 50 * time.Millisecond, -1},
		// 100 × 5ms = 0.5s: 50% of 1 goroutine-second, below ContentionMinDelay.
		{"little in all", 1, 100, 5 * time.Millisecond, -1},
		// No wait ended: a stall, not contention over the trace.
		{"no wait ended", 2, 0, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := lockTrace(tc.alive, tc.n, tc.wait)
			sites := traceLockSites(s, cfg)
			if tc.want < 0 {
				if len(sites) != 0 {
					t.Fatalf("reported %d sites, want none", len(sites))
				}
				return
			}
			if len(sites) != 1 {
				t.Fatalf("reported %d sites, want 1", len(sites))
			}
			f := traceLockFinding(s, sites[0])
			if f.Severity != tc.want || f.Culprit.Function != "main.(*store).Get" {
				t.Errorf("severity %v culprit %v, want %v main.(*store).Get", f.Severity, f.Culprit, tc.want)
			}
			for _, want := range []string{"waited 10s in all", "(0–1s)", "p99 50ms", "released by main.(*store).Put (200 of 200 wake-ups)"} {
				if !strings.Contains(f.Title, want) {
					t.Errorf("title %q lacks %q", f.Title, want)
				}
			}
			if len(f.Stacks) != 2 || f.Stacks[1].Stack.Frames[1].Function != "main.(*store).Put" || f.Stacks[1].GoroutineIDs[0] != 7 {
				t.Errorf("evidence %+v, want waiters then the holder", f.Stacks)
			}
		})
	}
}

// TestHotLockTraces: the captured hot-lock traces give one trace finding
// naming the unblocker and the holder seen at the end, and the queue at
// the end is info, Related to it.
func TestHotLockTraces(t *testing.T) {
	for _, path := range []string{
		"../../fixtures/captured/go1.26.8/hot-lock/trace.out",
		"../../fixtures/captured/go1.26.8/hot-lock/flightrecorder.trace",
	} {
		fs := dumptest.Findings(t, Detector, path)
		var trace *detect.Finding
		for i, f := range fs {
			if strings.HasPrefix(f.Key, "trace ") {
				trace = &fs[i]
			}
		}
		if trace == nil {
			t.Fatalf("%s: no trace finding in %d findings", path, len(fs))
		}
		for _, want := range []string{"released by main.(*tokenCache).Get", "suspected holder sleeping in main.(*tokenCache).refreshLocked", "p99 "} {
			if !strings.Contains(trace.Title, want) {
				t.Errorf("%s: title %q lacks %q", path, trace.Title, want)
			}
		}
		for _, f := range fs {
			if f.Key != trace.Key && f.Culprit != nil && f.Culprit.Function == "main.(*tokenCache).Get" {
				if f.Severity != detect.SeverityInfo || !slices.Contains(f.Related, trace.Fingerprint) {
					t.Errorf("%s: the queue at the end is %v, related %v; want info related to %s", path, f.Severity, f.Related, trace.Fingerprint)
				}
			}
		}
	}
}
