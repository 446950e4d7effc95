package deadlock

import (
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

const byMain = "main.main /app/main.go:90 in goroutine 1"

func TestCrash(t *testing.T) {
	mainWaits := []dumptest.G{{ID: 1, State: "sync.WaitGroup.Wait",
		Frames: dumptest.Stack("runtime.gopark /usr/local/go/src/runtime/proc.go:435",
			"sync.runtime_SemacquireWaitGroup /usr/local/go/src/runtime/sema.go:114",
			"sync.(*WaitGroup).Wait /usr/local/go/src/sync/waitgroup.go:206",
			"main.checksumAll /app/main.go:58", "main.main /app/main.go:75")}}
	senders := dumptest.Gs(18, 4, dumptest.G{State: "chan send",
		Frames: dumptest.Stack("runtime.gopark /usr/local/go/src/runtime/proc.go:435",
			"runtime.chansend /usr/local/go/src/runtime/chan.go:283",
			"runtime.chansend1 /usr/local/go/src/runtime/chan.go:161",
			"main.checksumAll.func1 /app/main.go:55"),
		CreatedBy: "main.checksumAll /app/main.go:51 in goroutine 1"})
	text := "2026/01/01 checksumming 4 files\nfatal error: all goroutines are asleep - deadlock!\n\n" + dumptest.Dump(dumptest.Cat(mainWaits, senders)...)
	fs := dumptest.Run(t, Detector, text)
	if len(fs) != 1 {
		t.Fatalf("got:\n%s", dumptest.Describe(fs))
	}
	f := fs[0]
	if f.Kind != detect.KindDeadlock || f.Severity != detect.SeverityCritical || f.Confidence != detect.ConfidenceCertain ||
		f.Count != 5 || f.Culprit.Function != "main.checksumAll" {
		t.Errorf("got %s", dumptest.Describe(fs))
	}
	for _, sub := range []string{"main blocked on sync.WaitGroup.Wait in main.checksumAll", "4 goroutines blocked on chan send in main.checksumAll.func1"} {
		if !strings.Contains(f.Title, sub) {
			t.Errorf("title %q lacks %q", f.Title, sub)
		}
	}
	if !strings.Contains(f.Remedy, "wg.Wait before draining") {
		t.Errorf("remedy does not explain the send/wait pairing: %q", f.Remedy)
	}
}

func TestStalls(t *testing.T) {
	idle := dumptest.Gs(200, 5, dumptest.G{State: "chan receive", Minutes: 30,
		Frames: dumptest.Stack(dumptest.ChanRecv, "main.worker /app/main.go:40"), CreatedBy: byMain})
	cycle := func(minutes int) []dumptest.G {
		return []dumptest.G{
			{ID: 20, State: "sync.Mutex.Lock", Minutes: minutes,
				Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*store).Get /app/s.go:10", "main.(*index).Update /app/i.go:30", "main.sync1 /app/main.go:50"),
				CreatedBy: byMain},
			{ID: 21, State: "sync.Mutex.Lock", Minutes: minutes,
				Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*index).Update /app/i.go:25", "main.(*store).Get /app/s.go:14", "main.sync2 /app/main.go:60"),
				CreatedBy: byMain},
		}
	}
	transfers := dumptest.Gs(30, 2, dumptest.G{State: "sync.Mutex.Lock", Minutes: 2,
		Frames:    dumptest.Stack(dumptest.MutexLock, "main.transfer /app/main.go:74"),
		CreatedBy: "main.runBatch /app/main.go:90 in goroutine 1"})
	auditors := dumptest.Gs(40, 3, dumptest.G{State: "sync.Mutex.Lock", Minutes: 2,
		Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*account).Balance /app/main.go:55"),
		CreatedBy: "main.runBatch /app/main.go:95 in goroutine 1"})
	withHolder := dumptest.Cat(
		dumptest.Gs(50, 4, dumptest.G{State: "sync.Mutex.Lock", Minutes: 5,
			Frames: dumptest.Stack(dumptest.MutexLock, "main.(*db).Exec /app/db.go:20"), CreatedBy: byMain}),
		[]dumptest.G{{ID: 49, State: "IO wait", Minutes: 5,
			Frames: dumptest.Stack("internal/poll.runtime_pollWait /usr/local/go/src/runtime/netpoll.go:351",
				"main.(*db).exec /app/db.go:30", "main.(*db).Exec /app/db.go:22"), CreatedBy: byMain}})

	tests := []struct {
		name     string
		gs       []dumptest.G
		culprit  string // "" for no finding
		severity detect.Severity
		conf     detect.Confidence
		count    int
		title    string
	}{
		{"cycle between two methods, 12m", dumptest.Cat(cycle(12), idle), "main.(*index).Update", detect.SeverityCritical, detect.ConfidenceLikely, 2, "likely lock-order deadlock"},
		{"cycle between two methods, 2m", dumptest.Cat(cycle(2), idle), "main.(*index).Update", detect.SeverityWarning, detect.ConfidenceLikely, 2, "each site's suspected holder waits at another"},
		{"transfers and auditors, no holder", dumptest.Cat(transfers, auditors, idle), "main.transfer", detect.SeverityWarning, detect.ConfidencePossible, 5, "no goroutine that could release the locks"},
		{"cycle under a minute is not yet a stall", dumptest.Cat(cycle(0), idle), "", 0, 0, 0, ""},
		{"holder blocked in IO: contention, not deadlock", withHolder, "", 0, 0, 0, ""},
		{"lone waiter", []dumptest.G{{ID: 7, State: "sync.Mutex.Lock", Minutes: 60,
			Frames: dumptest.Stack(dumptest.MutexLock, "main.(*db).Exec /app/db.go:20"), CreatedBy: byMain}}, "", 0, 0, 0, ""},
		{"re-lock in a recursive call", []dumptest.G{{ID: 7, State: "sync.Mutex.Lock", Minutes: 3,
			Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*tree).walk /app/t.go:20", "main.(*tree).walk /app/t.go:28", "main.main /app/main.go:9"),
			CreatedBy: ""}}, "main.(*tree).walk", detect.SeverityWarning, detect.ConfidenceLikely, 1, "not re-entrant"},
		{"two lock calls of one function", dumptest.Cat(
			dumptest.Gs(30, 1, dumptest.G{State: "sync.Mutex.Lock", Minutes: 4, Frames: dumptest.Stack(dumptest.MutexLock, "main.move /app/main.go:70"), CreatedBy: byMain}),
			dumptest.Gs(31, 1, dumptest.G{State: "sync.Mutex.Lock", Minutes: 4, Frames: dumptest.Stack(dumptest.MutexLock, "main.move /app/main.go:74"), CreatedBy: byMain})),
			"main.move", detect.SeverityWarning, detect.ConfidenceLikely, 2, "two lock calls"},
		{"idle program", idle, "", 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := dumptest.Run(t, Detector, dumptest.Dump(tt.gs...))
			f := dumptest.OneOrNone(t, fs, tt.culprit != "")
			if f == nil {
				return
			}
			if f.Culprit.Function != tt.culprit || f.Severity != tt.severity || f.Confidence != tt.conf || f.Count != tt.count {
				t.Errorf("got %s", dumptest.Describe(fs))
			}
			if !strings.Contains(f.Title, tt.title) {
				t.Errorf("title %q lacks %q", f.Title, tt.title)
			}
		})
	}
}
