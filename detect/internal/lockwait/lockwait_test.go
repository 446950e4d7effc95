package lockwait

import (
	"testing"

	"github.com/gorensic/gorensic/detect/internal/dumptest"
	"github.com/gorensic/gorensic/parse"
)

func TestClassAndEnclosing(t *testing.T) {
	tests := []struct {
		fn, class string
		isType    bool
		enclosing string
	}{
		{"main.(*tokenCache).Get", "main.tokenCache", true, "main.(*tokenCache).Get"},
		{"example.com/kv/consensus.(*RaftConsensus).Start.func2", "example.com/kv/consensus.RaftConsensus", true, "example.com/kv/consensus.(*RaftConsensus).Start"},
		{"main.transfer", "main.transfer", false, "main.transfer"},
		{"main.transfer.func1.2", "main.transfer", false, "main.transfer"},
		{"main.worker.gowrap1", "main.worker", false, "main.worker"},
		{"pkg.T.Method", "pkg.T", true, "pkg.T.Method"},
		{"pkg.T.Method.func1", "pkg.T", true, "pkg.T.Method"},
		{"main.main.func1-range1", "main.main", false, "main.main"},
		{"example.com/p.(*Set[...]).Add", "example.com/p.Set[...]", true, "example.com/p.(*Set[...]).Add"},
		{"github.com/docker/docker/daemon.func·028", "github.com/docker/docker/daemon.func·028", false, "github.com/docker/docker/daemon.func·028"},
	}
	for _, tt := range tests {
		c, isType := Class(tt.fn)
		if c != tt.class || isType != tt.isType {
			t.Errorf("Class(%q) = %q, %v; want %q, %v", tt.fn, c, isType, tt.class, tt.isType)
		}
		if e := Enclosing(tt.fn); e != tt.enclosing {
			t.Errorf("Enclosing(%q) = %q, want %q", tt.fn, e, tt.enclosing)
		}
	}
}

func analyze(t *testing.T, goroutines ...[]dumptest.G) *Analysis {
	t.Helper()
	var all []dumptest.G
	for _, g := range goroutines {
		all = append(all, g...)
	}
	s := dumptest.Snapshot(t, dumptest.Dump(all...))
	return Analyze(s, parse.Aggregate(s), StallAge)
}

func siteByCulprit(a *Analysis, fn string) *Site {
	for _, s := range a.Sites {
		if s.Culprit.Function == fn {
			return s
		}
	}
	return nil
}

const mainGo = "main.main /app/main.go:90 in goroutine 1"

func TestHoldersAndStalls(t *testing.T) {
	hotWaiters := dumptest.Gs(10, 12, dumptest.G{State: "sync.Mutex.Lock",
		Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*tokenCache).Get /app/main.go:80", "main.handle /app/main.go:100"),
		CreatedBy: mainGo})
	hotHolder := []dumptest.G{{ID: 9, State: "sleep",
		Frames:    dumptest.Stack(dumptest.Sleep, "main.(*tokenCache).refreshLocked /app/main.go:88", "main.(*tokenCache).Get /app/main.go:82", "main.handle /app/main.go:100"),
		CreatedBy: mainGo}}
	idleWorker := []dumptest.G{{ID: 3, State: "chan receive", Minutes: 30,
		Frames:    dumptest.Stack(dumptest.ChanRecv, "main.worker /app/main.go:40"),
		CreatedBy: mainGo}}

	// Lock-order inversion between two methods that call each other:
	// Get holds B and calls Update, Update holds A and calls Get.
	cycleA := []dumptest.G{{ID: 20, State: "sync.Mutex.Lock", Minutes: 12,
		Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*store).Get /app/s.go:10", "main.(*index).Update /app/i.go:30", "main.sync1 /app/main.go:50"),
		CreatedBy: mainGo}}
	cycleB := []dumptest.G{{ID: 21, State: "sync.Mutex.Lock", Minutes: 12,
		Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*index).Update /app/i.go:25", "main.(*store).Get /app/s.go:14", "main.sync2 /app/main.go:60"),
		CreatedBy: mainGo}}

	// The transfer(a, b) / transfer(b, a) shape, with auditors queued.
	transfers := dumptest.Gs(30, 2, dumptest.G{State: "sync.Mutex.Lock", Minutes: 2,
		Frames:    dumptest.Stack(dumptest.MutexLock, "main.transfer /app/main.go:74"),
		CreatedBy: "main.runBatch /app/main.go:90 in goroutine 1"})
	auditors := dumptest.Gs(40, 3, dumptest.G{State: "sync.Mutex.Lock", Minutes: 2,
		Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*account).Balance /app/main.go:55"),
		CreatedBy: "main.runBatch /app/main.go:95 in goroutine 1"})

	// Long waiters whose holder is blocked elsewhere: contention, not a
	// stall.
	slowWaiters := dumptest.Gs(50, 4, dumptest.G{State: "sync.Mutex.Lock", Minutes: 5,
		Frames:    dumptest.Stack(dumptest.MutexLock, "main.(*legacyDB).Exec /app/db.go:20"),
		CreatedBy: mainGo})
	slowHolder := []dumptest.G{{ID: 49, State: "IO wait", Minutes: 5,
		Frames: dumptest.Stack("internal/poll.runtime_pollWait /usr/local/go/src/runtime/netpoll.go:351",
			"main.(*legacyDB).exec /app/db.go:30", "main.(*legacyDB).Exec /app/db.go:22"),
		CreatedBy: mainGo}}

	lone := []dumptest.G{{ID: 60, State: "sync.RWMutex.RLock", Minutes: 495,
		Frames:    dumptest.Stack(dumptest.RLock, "example.com/tsdb.(*stripeSeries).getByID /app/head.go:1925"),
		CreatedBy: mainGo}}

	t.Run("holder in the critical section", func(t *testing.T) {
		a := analyze(t, hotWaiters, hotHolder, idleWorker)
		site := siteByCulprit(a, "main.(*tokenCache).Get")
		if site == nil || site.Count != 12 {
			t.Fatalf("no site of 12 in Get: %+v", a.Sites)
		}
		hs := a.Holders(site)
		if len(hs) != 1 || hs[0].Group.Stack.Frames[len(dumptest.Sleep)].Function != "main.(*tokenCache).refreshLocked" || hs[0].Tier != SameFunction || hs[0].Wait != nil {
			t.Fatalf("holders = %+v, want the sleeping refresher", hs)
		}
		if len(a.Stalls) != 0 {
			t.Errorf("stalls = %d, want 0", len(a.Stalls))
		}
	})
	t.Run("cycle between two methods", func(t *testing.T) {
		a := analyze(t, cycleA, cycleB, idleWorker)
		if len(a.Stalls) != 1 {
			t.Fatalf("stalls = %d, want 1", len(a.Stalls))
		}
		st := a.Stalls[0]
		if !st.Cycle || st.Count != 2 || len(st.Sites) != 2 || len(st.Links) != 2 {
			t.Errorf("stall = cycle %v count %d sites %d links %d; want a 2-site cycle of 2", st.Cycle, st.Count, len(st.Sites), len(st.Links))
		}
	})
	t.Run("no holder anywhere: transfers and auditors", func(t *testing.T) {
		a := analyze(t, transfers, auditors, idleWorker)
		if len(a.Stalls) != 1 {
			t.Fatalf("stalls = %d, want 1", len(a.Stalls))
		}
		st := a.Stalls[0]
		if st.Cycle || st.Count != 5 || st.Root().Culprit.Function != "main.transfer" {
			t.Errorf("stall = cycle %v count %d root %s; want no cycle, 5, main.transfer (the smaller site)", st.Cycle, st.Count, st.Root().Culprit.Function)
		}
	})
	t.Run("holder blocked elsewhere is not a stall", func(t *testing.T) {
		a := analyze(t, slowWaiters, slowHolder)
		if len(a.Stalls) != 0 {
			t.Fatalf("stalls = %d, want 0", len(a.Stalls))
		}
		site := siteByCulprit(a, "main.(*legacyDB).Exec")
		if hs := a.Holders(site); len(hs) != 1 || hs[0].Op.String() != "IO wait" {
			t.Errorf("holders = %+v, want the goroutine in IO wait", hs)
		}
	})
	t.Run("a lone long waiter is not a stall", func(t *testing.T) {
		a := analyze(t, lone)
		if len(a.Stalls) != 0 || len(a.Sites) != 1 || a.Sites[0].Kind != RLock {
			t.Fatalf("stalls %d sites %d; want one RLock site, no stall", len(a.Stalls), len(a.Sites))
		}
	})
	t.Run("short waits do not stall", func(t *testing.T) {
		short := dumptest.Gs(30, 2, transfers[0])
		for i := range short {
			short[i].Minutes = 0
		}
		if a := analyze(t, short); len(a.Stalls) != 0 {
			t.Fatalf("stalls = %d, want 0", len(a.Stalls))
		}
	})
	t.Run("package-level closures share no enclosing function", func(t *testing.T) {
		waiters := dumptest.Gs(80, 3, dumptest.G{State: "sync.Mutex.Lock",
			Frames: dumptest.Stack(dumptest.MutexLock, "main.init.func4 /app/main.go:63"), CreatedBy: mainGo})
		other := []dumptest.G{{ID: 79, State: "chan receive",
			Frames: dumptest.Stack(dumptest.ChanRecv, "main.init.func9 /app/main.go:90"), CreatedBy: mainGo}}
		a := analyze(t, waiters, other)
		if hs := a.Holders(a.Sites[0]); len(hs) != 0 {
			t.Errorf("holders = %+v, want none: main.init encloses every package-level closure", hs)
		}
	})
	t.Run("pending writer merges readers", func(t *testing.T) {
		readers := dumptest.Gs(70, 6, dumptest.G{State: "sync.RWMutex.RLock", Minutes: 1,
			Frames: dumptest.Stack(dumptest.RLock, "main.(*configStore).Lookup /app/c.go:10"), CreatedBy: mainGo})
		writer := []dumptest.G{{ID: 69, State: "sync.RWMutex.Lock", Minutes: 1,
			Frames: dumptest.Stack(dumptest.WLock, "main.(*configStore).Reload /app/c.go:20"), CreatedBy: mainGo}}
		exporter := []dumptest.G{{ID: 68, State: "sleep", Minutes: 1,
			Frames: dumptest.Stack(dumptest.Sleep, "main.(*configStore).Export /app/c.go:30"), CreatedBy: mainGo}}
		a := analyze(t, readers, writer, exporter)
		if len(a.Sites) != 1 {
			t.Fatalf("sites = %d, want 1", len(a.Sites))
		}
		site := a.Sites[0]
		if site.Writer == nil || site.Culprit.Function != "main.(*configStore).Reload" || site.Count != 7 || site.Readers != 6 {
			t.Errorf("site = writer %v culprit %s count %d readers %d", site.Writer != nil, site.Culprit.Function, site.Count, site.Readers)
		}
		if hs := a.Holders(site); len(hs) != 1 || hs[0].Tier != SameType {
			t.Errorf("holders = %+v, want Export by type", hs)
		}
		if len(a.Stalls) != 0 {
			t.Errorf("stalls = %d, want 0: the exporter is sleeping, not waiting", len(a.Stalls))
		}
	})
}
