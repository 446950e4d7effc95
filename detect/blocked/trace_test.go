package blocked

import (
	"strings"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// traceCalls builds a timeline of length d holding the given long calls.
func traceCalls(d time.Duration, calls ...parse.Syscall) *parse.Snapshot {
	tl := &parse.Timeline{Duration: d, AliveAtEnd: 20}
	tl.LongSyscalls = calls
	for _, ms := range []int{1, 2, 50, 300} {
		tl.SchedLatency.Add(time.Duration(ms) * time.Microsecond)
	}
	return &parse.Snapshot{Timeline: tl}
}

func readStack(fn string) *parse.Stack {
	return &parse.Stack{Frames: []*parse.Frame{
		{Function: "syscall.Syscall", File: "/go/src/syscall/syscall_linux.go", Line: 74},
		{Function: "syscall.read", File: "/go/src/syscall/zsyscall_linux_amd64.go", Line: 736},
		{Function: "syscall.Read", File: "/go/src/syscall/syscall_unix.go", Line: 183},
		{Function: fn, File: "/src/main.go", Line: 40},
	}}
}

func TestTraceSites(t *testing.T) {
	cfg := detect.DefaultConfig()
	sig := &parse.Stack{Frames: []*parse.Frame{
		{Function: "runtime.notetsleepg", Line: 123, Runtime: true},
		{Function: "os/signal.signal_recv", Line: 152},
		{Function: "os/signal.loop", Line: 23},
	}}
	cgo := &parse.Stack{Frames: []*parse.Frame{
		{Function: "runtime.cgocall", Line: 167, Runtime: true},
		{Function: "main._Cfunc_legacy_query", Line: 48},
		{Function: "main.query", File: "/src/db.go", Line: 66},
	}}
	for _, tc := range []struct {
		name  string
		d     time.Duration
		calls []parse.Syscall
		want  string // culprit of the one site reported; "" for none
	}{
		{"stuck for the whole trace", time.Second, []parse.Syscall{
			{Goroutine: 5, Duration: time.Second, Ongoing: true, SinceStart: true, Stack: readStack("main.readRecord")},
			{Goroutine: 6, Duration: time.Second, Ongoing: true, SinceStart: true, Stack: readStack("main.readRecord")},
		}, "main.readRecord"},
		{"cgo call over half the trace", 2 * time.Second, []parse.Syscall{
			{Goroutine: 9, Start: 500 * time.Millisecond, Duration: 1500 * time.Millisecond, Ongoing: true, Cgo: true, Stack: cgo},
		}, "main.query"},
		{"200ms reads in a 1s trace (a log shipper)", time.Second, []parse.Syscall{
			{Goroutine: 7, Start: 100 * time.Millisecond, Duration: 200 * time.Millisecond, Blocked: true, Stack: readStack("main.shipLogs")},
		}, ""},
		{"over half of a short trace but under 100ms", 100 * time.Millisecond, []parse.Syscall{
			{Goroutine: 7, Duration: 90 * time.Millisecond, Ongoing: true, Stack: readStack("main.readRecord")},
		}, ""},
		{"os/signal's loop", time.Second, []parse.Syscall{
			{Goroutine: 3, Duration: time.Second, Ongoing: true, SinceStart: true, Stack: sig},
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sites := traceSites(traceCalls(tc.d, tc.calls...), cfg)
			if tc.want == "" {
				if len(sites) != 0 {
					t.Fatalf("reported %d sites, want none; first %s", len(sites), sites[0].culprit.Function)
				}
				return
			}
			if len(sites) != 1 || sites[0].culprit.Function != tc.want {
				t.Fatalf("sites %v, want one at %s", sites, tc.want)
			}
		})
	}
}

func TestTraceFinding(t *testing.T) {
	s := traceCalls(time.Second,
		parse.Syscall{Goroutine: 5, Duration: time.Second, Ongoing: true, SinceStart: true, Stack: readStack("main.readRecord")},
		parse.Syscall{Goroutine: 6, Duration: 700 * time.Millisecond, Start: 300 * time.Millisecond, Ongoing: true, Blocked: true, Stack: readStack("main.readRecord")},
	)
	p := &detect.Pass{Snapshot: s, Config: detect.DefaultConfig()}
	sites := traceSites(s, p.Config)
	if len(sites) != 1 {
		t.Fatalf("%d sites, want 1", len(sites))
	}
	f := traceFinding(p, sites[0])
	if f.Severity != detect.SeverityWarning || f.Confidence != detect.ConfidenceLikely || f.Count != 2 {
		t.Errorf("severity %v confidence %v count %d, want warning likely 2", f.Severity, f.Confidence, f.Count)
	}
	for _, want := range []string{"2 goroutines in system call read", "main.readRecord", "still in the call at the end", "1 of them lost their P to another thread", "p99"} {
		if !strings.Contains(f.Title, want) {
			t.Errorf("title lacks %q: %s", want, f.Title)
		}
	}
	if len(f.Stacks) != 2 || !strings.Contains(f.Stacks[1].Note, "lost its P") {
		t.Errorf("evidence %+v", f.Stacks)
	}
}
