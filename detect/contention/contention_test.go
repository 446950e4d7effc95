package contention

import (
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

const byMain = "main.main /app/main.go:90 in goroutine 1"

var (
	getWaiters = func(n, minutes int) []dumptest.G {
		return dumptest.Gs(10, n, dumptest.G{State: "sync.Mutex.Lock", Minutes: minutes,
			Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*tokenCache).Get /app/main.go:80", "main.handle /app/main.go:100"),
			CreatedBy: byMain})
	}
	getHolder = []dumptest.G{{ID: 9, State: "sleep",
		Frames:    dumptest.Stack(dumptest.Sleep, "main.(*tokenCache).refreshLocked /app/main.go:88", "main.(*tokenCache).Get /app/main.go:82", "main.handle /app/main.go:100"),
		CreatedBy: byMain}}
	idle = dumptest.Gs(200, 20, dumptest.G{State: "chan receive", Minutes: 30,
		Frames: dumptest.Stack(dumptest.ChanRecv, "main.worker /app/main.go:40"), CreatedBy: byMain})
	wgWaiters = dumptest.Gs(300, 12, dumptest.G{State: "sync.WaitGroup.Wait", Minutes: 30,
		Frames: dumptest.Stack("runtime.gopark /usr/local/go/src/runtime/proc.go:435",
			"sync.runtime_SemacquireWaitGroup /usr/local/go/src/runtime/sema.go:114",
			"sync.(*WaitGroup).Wait /usr/local/go/src/sync/waitgroup.go:206",
			"main.fanIn /app/main.go:60"), CreatedBy: byMain})
)

func TestDumps(t *testing.T) {
	type want struct {
		culprit  string
		severity detect.Severity
		count    int
		title    []string // substrings
	}
	tests := []struct {
		name string
		gs   []dumptest.G
		want []want // findings in rank order
	}{
		{
			name: "hot lock with its holder sleeping in the critical section",
			gs:   dumptest.Cat(getWaiters(12, 0), getHolder, idle),
			want: []want{{"main.(*tokenCache).Get", detect.SeverityWarning, 12,
				[]string{"12 goroutines waiting on a sync.Mutex in main.(*tokenCache).Get", "suspected holder sleeping in main.(*tokenCache).refreshLocked"}}},
		},
		{
			name: "a few brief waiters are info",
			gs:   dumptest.Cat(getWaiters(3, 0), idle),
			want: []want{{"main.(*tokenCache).Get", detect.SeverityInfo, 3, []string{"3 goroutines"}}},
		},
		{
			name: "one waiter with a minute is a warning",
			gs:   dumptest.Cat(getWaiters(1, 1), getHolder),
			want: []want{{"main.(*tokenCache).Get", detect.SeverityWarning, 1, []string{"for 1m", "suspected holder"}}},
		},
		{
			name: "a reader stuck for hours is critical",
			gs: []dumptest.G{{ID: 3439, State: "sync.RWMutex.RLock", Minutes: 495,
				Frames:    dumptest.Stack(dumptest.RLock, "example.com/tsdb.(*stripeSeries).getByID /app/head.go:1925", "example.com/tsdb.(*headAppender).Append /app/head_append.go:320"),
				CreatedBy: byMain}},
			want: []want{{"example.com/tsdb.(*stripeSeries).getByID", detect.SeverityCritical, 1, []string{"8h15m", "read lock", "no holder visible"}}},
		},
		{
			name: "pending writer with readers queued behind it names the writer",
			gs: dumptest.Cat(
				dumptest.Gs(70, 6, dumptest.G{State: "sync.RWMutex.RLock", Minutes: 1,
					Frames: dumptest.Stack(dumptest.RLock, "main.(*configStore).Lookup /app/c.go:10"), CreatedBy: byMain}),
				[]dumptest.G{{ID: 69, State: "sync.RWMutex.Lock", Minutes: 1,
					Frames: dumptest.Stack(dumptest.WLock, "main.(*configStore).Reload /app/c.go:20"), CreatedBy: byMain}},
				[]dumptest.G{{ID: 68, State: "sleep", Minutes: 1,
					Frames: dumptest.Stack(dumptest.Sleep, "main.(*configStore).Export /app/c.go:30"), CreatedBy: byMain}}),
			want: []want{{"main.(*configStore).Reload", detect.SeverityWarning, 7,
				[]string{"a writer waiting in main.(*configStore).Reload and 6 readers queued behind it", "suspected holder sleeping in main.(*configStore).Export"}}},
		},
		{
			name: "WaitGroup and channel waiters are not lock contention",
			gs:   dumptest.Cat(wgWaiters, idle),
		},
		{
			name: "a lock stall is the deadlock detector's: info here",
			gs: dumptest.Cat(dumptest.Gs(30, 2, dumptest.G{State: "sync.Mutex.Lock", Minutes: 3,
				Frames: dumptest.Stack(dumptest.MutexLock, "main.transfer /app/main.go:74"), CreatedBy: byMain})),
			want: []want{{"main.transfer", detect.SeverityInfo, 2, []string{"lock stall"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := dumptest.Run(t, Detector, dumptest.Dump(tt.gs...))
			if len(fs) != len(tt.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(fs), len(tt.want), dumptest.Describe(fs))
			}
			for i, w := range tt.want {
				f := fs[i]
				if f.Culprit == nil || f.Culprit.Function != w.culprit || f.Severity != w.severity || f.Count != w.count || f.Kind != detect.KindContention {
					t.Errorf("finding %d: %s", i, dumptest.Describe(fs[i:i+1]))
				}
				for _, sub := range w.title {
					if !strings.Contains(f.Title, sub) {
						t.Errorf("finding %d title %q lacks %q", i, f.Title, sub)
					}
				}
			}
		})
	}
}

func TestStallRelated(t *testing.T) {
	fs := dumptest.Run(t, Detector, dumptest.Dump(dumptest.Gs(30, 2, dumptest.G{State: "sync.Mutex.Lock", Minutes: 3,
		Frames: dumptest.Stack(dumptest.MutexLock, "main.transfer /app/main.go:74"), CreatedBy: byMain})...))
	if len(fs) != 1 || len(fs[0].Related) != 1 || !strings.HasPrefix(fs[0].Related[0], "deadlock-") {
		t.Fatalf("want one finding related to a deadlock finding:\n%s related=%v", dumptest.Describe(fs), fs)
	}
}

func TestDeadlockCrashIsNotContention(t *testing.T) {
	text := "fatal error: all goroutines are asleep - deadlock!\n\n" + dumptest.Dump(dumptest.Cat(getWaiters(12, 0))...)
	if fs := dumptest.Run(t, Detector, text); len(fs) != 0 {
		t.Fatalf("findings in a deadlock crash:\n%s", dumptest.Describe(fs))
	}
}

// debug=1 profiles record no states: the lock is named from the frames,
// at a lower confidence.
func TestDebug1Profile(t *testing.T) {
	text := `goroutine profile: total 13
12 @ 0x4413ee 0x4532e5 0x4532c4 0x46fe45 0x48d1a5 0x4c1e32 0x4c1e0d 0x471b81
#	0x46fe44	sync.runtime_SemacquireMutex+0x24	/usr/local/go/src/runtime/sema.go:95
#	0x48d1a4	sync.(*Mutex).lockSlow+0x164		/usr/local/go/src/sync/mutex.go:173
#	0x4c1e31	sync.(*Mutex).Lock+0x51			/usr/local/go/src/sync/mutex.go:92
#	0x4c1e0c	main.(*tokenCache).Get+0x2c		/app/main.go:80
#	0x4c1e0d	main.handle+0x2d			/app/main.go:100

1 @ 0x4413ee 0x4532e5 0x471b81
#	0x4532e4	time.Sleep+0x124				/usr/local/go/src/runtime/time.go:285
#	0x4c1f00	main.(*tokenCache).refreshLocked+0x20	/app/main.go:88
#	0x4c1f01	main.(*tokenCache).Get+0x40		/app/main.go:82
#	0x4c1f02	main.handle+0x2d			/app/main.go:100
`
	fs := dumptest.Run(t, Detector, text)
	if len(fs) != 1 {
		t.Fatalf("got:\n%s", dumptest.Describe(fs))
	}
	f := fs[0]
	if f.Severity != detect.SeverityWarning || f.Confidence != detect.ConfidencePossible || f.Count != 12 || f.Culprit.Function != "main.(*tokenCache).Get" {
		t.Errorf("got %s", dumptest.Describe(fs))
	}
	if !strings.Contains(f.Stacks[0].Note, "named from the frames") {
		t.Errorf("evidence note %q does not say the operation comes from frames", f.Stacks[0].Note)
	}
}

func TestProfiles(t *testing.T) {
	mutex := `--- mutex:
cycles/second=1000000000
sampling period=1
254000000000 3300 @ 0x48d9c5 0x4c1f45 0x471b81
#	0x48d9c4	sync.(*Mutex).Unlock+0x64		/usr/local/go/src/sync/mutex.go:250
#	0x4c1f44	main.(*tokenCache).Get+0x104		/app/main.go:83
#	0x4c1f45	main.handle+0x2d			/app/main.go:100

2000000000 12 @ 0x48d9c5 0x4c2045 0x471b81
#	0x48d9c4	sync.(*Mutex).Unlock+0x64		/usr/local/go/src/sync/mutex.go:250
#	0x4c2044	main.(*stats).Add+0x44			/app/stats.go:20

`
	block := `--- contention:
cycles/second=1000000000
900000000000 40 @ 0x44b5c5 0x4c2145 0x471b81
#	0x44b5c4	runtime.selectgo+0x3c4			/usr/local/go/src/runtime/select.go:351
#	0x4c2144	main.worker+0x44			/app/main.go:40

3000000000 10 @ 0x44b5c5 0x4c2245 0x471b81
#	0x46fe44	sync.runtime_SemacquireMutex+0x24	/usr/local/go/src/runtime/sema.go:95
#	0x48d1a4	sync.(*Mutex).lockSlow+0x164		/usr/local/go/src/sync/mutex.go:173
#	0x4c1e31	sync.(*Mutex).Lock+0x51			/usr/local/go/src/sync/mutex.go:92
#	0x4c2244	main.(*stats).Add+0x24			/app/stats.go:18

`
	t.Run("mutex", func(t *testing.T) {
		fs := dumptest.Run(t, Detector, mutex)
		if len(fs) != 2 {
			t.Fatalf("got:\n%s", dumptest.Describe(fs))
		}
		top := fs[0]
		if top.Severity != detect.SeverityWarning || top.Culprit.Function != "main.(*tokenCache).Get" || top.Count != 3300 || top.Metrics["delay_seconds"] != 254 {
			t.Errorf("top: %s metrics %v", dumptest.Describe(fs[:1]), top.Metrics)
		}
		if fs[1].Severity != detect.SeverityInfo || fs[1].Culprit.Function != "main.(*stats).Add" {
			t.Errorf("second: %s", dumptest.Describe(fs[1:]))
		}
	})
	t.Run("block", func(t *testing.T) {
		fs := dumptest.Run(t, Detector, block)
		if len(fs) != 2 {
			t.Fatalf("got:\n%s", dumptest.Describe(fs))
		}
		for _, f := range fs {
			if f.Severity != detect.SeverityInfo {
				t.Errorf("block profile finding above info: %s", dumptest.Describe([]detect.Finding{f}))
			}
			if f.Culprit.Function == "main.worker" && !strings.Contains(f.Title, "not lock contention") {
				t.Errorf("select wait called contention: %q", f.Title)
			}
		}
	})
}
