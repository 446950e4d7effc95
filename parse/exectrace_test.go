package parse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/exp/trace"
)

// traceCorpusDir is the shared corpus of real traces, beside the repository.
func traceCorpusDir(t testing.TB) string {
	t.Helper()
	return corpusDir(t, "traces")
}

// readOneTrace reads path and returns its single trace snapshot, after
// checking the invariants every trace snapshot keeps.
func readOneTrace(t *testing.T, path string) *Snapshot {
	t.Helper()
	snaps, err := ReadFile(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("%v", err)
	}
	if len(snaps) != 1 {
		t.Fatalf("%d snapshots, want 1", len(snaps))
	}
	checkTraceSnapshot(t, snaps[0])
	return snaps[0]
}

// checkTraceSnapshot asserts what holds for every trace snapshot: the
// timeline accounts for every goroutine and every nanosecond of their
// lives, and the dump view agrees with it.
func checkTraceSnapshot(t testing.TB, s *Snapshot) {
	t.Helper()
	tl := s.Timeline
	if tl == nil || s.Source.Format != FormatTrace || !s.Caps.Has(CapTimeline|CapGoroutineIDs|CapStates) {
		t.Fatalf("format %q caps %s timeline %v", s.Source.Format, s.Caps, tl != nil)
	}
	if want := fmt.Sprintf("go1.%d", tl.Version); s.Source.GoVersion != want {
		t.Errorf("GoVersion %q, want %q", s.Source.GoVersion, want)
	}
	if tl.Duration < 0 || tl.End-tl.Start != int64(tl.Duration) || tl.Events <= 0 || tl.Writers != traceWriters(tl.Version) || tl.Writers == "" {
		t.Errorf("duration %v from %d to %d, %d events, writers %q", tl.Duration, tl.Start, tl.End, tl.Events, tl.Writers)
	}
	if tl.Created+tl.AliveAtStart != tl.Exited+tl.AliveAtEnd {
		t.Errorf("created %d + at start %d != exited %d + alive at end %d", tl.Created, tl.AliveAtStart, tl.Exited, tl.AliveAtEnd)
	}
	if len(s.Goroutines) != tl.AliveAtEnd || s.Total != tl.AliveAtEnd {
		t.Errorf("%d goroutines (total %d), %d alive at end", len(s.Goroutines), s.Total, tl.AliveAtEnd)
	}
	if !slices.IsSortedFunc(s.Goroutines, func(a, b Goroutine) int { return int(a.ID - b.ID) }) {
		t.Errorf("goroutines not sorted by ID")
	}
	blocked := 0
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		if g.Stack == nil || g.State == "" || g.Count != 1 || g.Wait < 0 || g.Wait > tl.Duration {
			t.Fatalf("goroutine %d: stack %v state %q count %d wait %v (trace %v)", g.ID, g.Stack != nil, g.State, g.Count, g.Wait, tl.Duration)
		}
		if g.State != "running" && g.State != "runnable" && g.State != "syscall" {
			blocked++
		}
	}
	if blocked != tl.BlockedAtEnd {
		t.Errorf("%d goroutines blocked in the dump view, timeline says %d", blocked, tl.BlockedAtEnd)
	}
	kept := 0
	for i := range tl.Goroutines {
		g := &tl.Goroutines[i]
		var waited time.Duration
		for _, w := range g.Waits {
			waited += w.Time
		}
		if got, want := g.Running+g.Runnable+g.Syscall+waited, g.Lifetime(tl.Duration); got != want {
			t.Fatalf("goroutine %d: accounted %v of a %v life", g.ID, got, want)
		}
		if g.Site == nil || g.Exited == (g.State != "") {
			t.Fatalf("goroutine %d: site %v exited %v state %q", g.ID, g.Site != nil, g.Exited, g.State)
		}
		if g.Exited {
			kept++
		}
	}
	if kept+tl.ExitedDropped != tl.Exited || len(tl.Goroutines) != tl.AliveAtEnd+kept {
		t.Errorf("%d exited kept + %d dropped, %d exited; %d goroutines", kept, tl.ExitedDropped, tl.Exited, len(tl.Goroutines))
	}
	var created, exited, atStart, atEnd int
	for _, site := range tl.Sites {
		created += site.Created
		exited += site.Exited
		atStart += site.AliveAtStart
		atEnd += site.AliveAtEnd
		if sum(site.CreatedPer) != site.Created || sum(site.ExitedPer) != site.Exited {
			t.Errorf("site %s: series hold %d/%d, counts %d/%d", site.StartFunc, sum(site.CreatedPer), sum(site.ExitedPer), site.Created, site.Exited)
		}
		if len(site.CreatedPer) > MaxBuckets || len(site.ExitedPer) > MaxBuckets {
			t.Errorf("site %s: %d buckets", site.StartFunc, len(site.CreatedPer))
		}
	}
	if created != tl.Created || exited != tl.Exited || atStart != tl.AliveAtStart || atEnd != tl.AliveAtEnd {
		t.Errorf("sites hold %d/%d/%d/%d created/exited/at start/at end, timeline %d/%d/%d/%d",
			created, exited, atStart, atEnd, tl.Created, tl.Exited, tl.AliveAtStart, tl.AliveAtEnd)
	}
	if sum(tl.CreatedPer) != tl.Created || sum(tl.ExitedPer) != tl.Exited {
		t.Errorf("series hold %d created, %d exited", sum(tl.CreatedPer), sum(tl.ExitedPer))
	}
	open := 0
	for _, b := range tl.Blocks {
		open += b.Open
		if b.Delays.Count > int64(b.Blocks) || b.Max > tl.Duration || b.OpenMax > tl.Duration {
			t.Errorf("block site %q: %d delays for %d blocks, max %v, open max %v", b.Reason, b.Delays.Count, b.Blocks, b.Max, b.OpenMax)
		}
	}
	if open != tl.BlockedAtEnd {
		t.Errorf("block sites hold %d open waits, %d blocked at end", open, tl.BlockedAtEnd)
	}
	if !slices.IsSortedFunc(tl.LongSyscalls, func(a, b Syscall) int { return int(b.Duration - a.Duration) }) {
		t.Errorf("long syscalls not sorted")
	}
}

func sum(s Series) int {
	n := 0
	for _, v := range s {
		n += int(v)
	}
	return n
}

// stackHas reports whether stk has a frame in function fn.
func stackHas(stk *Stack, fn string) bool {
	if stk == nil {
		return false
	}
	for _, f := range stk.Frames {
		if f.Function == fn {
			return true
		}
	}
	return false
}

func TestTraceHeaders(t *testing.T) {
	for _, tt := range []struct {
		head string
		want error
		msg  string
	}{
		{"go 1.5 trace\x00\x00\x00\x00", ErrUnsupported, "go 1.5 format (written by Go 1.5): traces older than Go 1.11"},
		{"go 1.10 trace\x00\x00\x00", ErrUnsupported, "older than Go 1.11"},
		{"go 1.12 trace\x00\x00\x00", ErrUnsupported, "a format no Go release writes"},
		{"go 1.24 trace\x00\x00\x00", ErrUnsupported, "a format no Go release writes"},
		{"go 1.27 trace\x00\x00\x00", ErrUnsupported, "go 1.27 format: newer than this gorensic reads"},
		{"go 1.99 trace\x00\x00\x00", ErrUnsupported, "newer than this gorensic reads"},
		{"go 1.22 trace\x00\x00\x01", ErrCorruptTrace, "malformed execution trace header"},
		{"go 1.22 trace\x00\x00\x00", ErrCorruptTrace, "go 1.22 format (written by Go 1.22): no complete generation"},
		{"go 1.11 trace\x00\x00\x00", ErrCorruptTrace, "go 1.11 format (written by Go 1.11 to 1.18)"},
	} {
		t.Run(tt.head[:13], func(t *testing.T) {
			_, err := Read(context.Background(), "t.out", strings.NewReader(tt.head+strings.Repeat("\x01", 64)), Options{})
			var ie *InputError
			if !errors.Is(err, tt.want) || !errors.As(err, &ie) || ie.Name != "t.out" || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want %v naming t.out and saying %q", err, tt.want, tt.msg)
			}
		})
	}
}

// TestTraceFormatsMatchReader guards the list of readable formats against
// the x/exp/trace version in go.mod: upgrading it must update the list.
func TestTraceFormatsMatchReader(t *testing.T) {
	for minor := 1; minor <= 40; minor++ {
		head := fmt.Sprintf("go 1.%d trace\x00\x00\x00", minor)
		_, err := trace.NewReader(strings.NewReader(head))
		reads := err == nil || !strings.Contains(err.Error(), "unsupported")
		if reads != traceFormatRead(minor) {
			t.Errorf("go 1.%d: x/exp/trace reads it: %v (%v); traceFormatRead says %v", minor, reads, err, traceFormatRead(minor))
		}
		if reads && minor > newestTraceFormat {
			t.Errorf("x/exp/trace reads go 1.%d, newer than newestTraceFormat %d", minor, newestTraceFormat)
		}
	}
}

// traceFixture is what one captured fixture trace must show.
type traceFixture struct {
	scenario, file string
	minGens        int
	goroutines     []traceGroupWant   // goroutines at the end, by state and a frame of their stack
	blocks         []traceBlockWant   // blocking sites
	syscalls       []traceSyscallWant // long system calls in progress at the end
	site           string             // a spawn site's start function holding most goroutines
	siteMin        int
}

type traceGroupWant struct {
	state, frame string
	count, tol   int
}

type traceBlockWant struct {
	reason, frame string
	open          int      // still blocked at the end
	minBlocks     int      // waits that ended
	unblocker     []string // frames of the top unblocker's stack
}

type traceSyscallWant struct {
	frame string
	count int
	cgo   bool
}

var traceFixtures = []traceFixture{
	{
		scenario: "fanout-leak", file: "trace.out",
		goroutines: []traceGroupWant{{state: "chan send", frame: "main.(*searcher).search.func1", count: 396}},
		// The leaked senders block before tracing starts and nothing
		// ever wakes them.
		blocks: []traceBlockWant{{reason: "chan send", frame: "main.(*searcher).search.func1", open: 396}},
		site:   "main.(*searcher).search.func1", siteMin: 396,
	},
	{
		scenario: "hot-lock", file: "trace.out",
		goroutines: []traceGroupWant{
			{state: "sync.Mutex.Lock", frame: "main.(*tokenCache).Get", count: 31, tol: 1},
			{state: "sleep", frame: "main.(*tokenCache).refreshLocked", count: 1, tol: 1},
			{state: "sync.RWMutex.Lock", frame: "main.(*configStore).Reload", count: 1},
			{state: "sync.RWMutex.RLock", frame: "main.(*configStore).Lookup", count: 6},
		},
		// The waiters are woken by the holder's deferred Unlock in Get.
		blocks: []traceBlockWant{
			{reason: "sync.Mutex.Lock", frame: "main.(*tokenCache).Get", open: 31, minBlocks: 100, unblocker: []string{"sync.(*Mutex).Unlock", "main.(*tokenCache).Get"}},
			{reason: "sync.RWMutex.RLock", frame: "main.(*configStore).Lookup", open: 6},
		},
	},
	{
		scenario: "hot-lock", file: "flightrecorder.trace", minGens: 3,
		goroutines: []traceGroupWant{{state: "sync.Mutex.Lock", frame: "main.(*tokenCache).Get", count: 31, tol: 1}},
		blocks:     []traceBlockWant{{reason: "sync.Mutex.Lock", frame: "main.(*tokenCache).Get", open: 31, minBlocks: 200, unblocker: []string{"sync.(*Mutex).Unlock", "main.(*tokenCache).Get"}}},
	},
	{
		scenario: "runaway-spawn", file: "trace.out",
		goroutines: []traceGroupWant{
			{state: "select", frame: "main.(*downstream).acquire", count: 1496},
			{state: "sleep", frame: "main.(*downstream).send", count: 4},
		},
		blocks: []traceBlockWant{{reason: "select", frame: "main.(*downstream).acquire", open: 1496}},
		site:   "main.(*consumer).handle", siteMin: 1500,
	},
	{
		scenario: "syscall-stuck", file: "trace.out",
		goroutines: []traceGroupWant{
			{state: "syscall", frame: "main.readRecord", count: 3},
			{state: "syscall", frame: "main.waitForFIFOWriter", count: 1},
			{state: "chan receive", frame: "main.(*nsWorker).loop", count: 1},
		},
		syscalls: []traceSyscallWant{{frame: "main.readRecord", count: 3}, {frame: "main.waitForFIFOWriter", count: 1}},
	},
	{
		scenario: "cgo-blocked", file: "trace.out",
		goroutines: []traceGroupWant{
			{state: "syscall", frame: "main.query", count: 2},
			{state: "syscall", frame: "main.(*legacyDB).exec", count: 1},
			{state: "sync.Mutex.Lock", frame: "main.(*legacyDB).Exec", count: 5},
		},
		syscalls: []traceSyscallWant{{frame: "main._Cfunc_legacy_query", count: 3, cgo: true}},
	},
	{
		scenario: "mutex-deadlock", file: "trace.out",
		goroutines: []traceGroupWant{
			{state: "sync.Mutex.Lock", frame: "main.transfer", count: 2},
			{state: "sync.Mutex.Lock", frame: "main.(*account).Balance", count: 3},
		},
	},
	{
		scenario: "workerpool-idle", file: "trace.out",
		goroutines: []traceGroupWant{{state: "chan receive", frame: "main.(*Pool).worker", count: 8, tol: 8}},
	},
}

func TestReadTraceFixtures(t *testing.T) {
	for _, fx := range traceFixtures {
		paths, _ := filepath.Glob(filepath.Join("..", "fixtures", "captured", "*", fx.scenario, fx.file))
		if len(paths) == 0 {
			t.Logf("no captured %s/%s (run go generate ./fixtures/)", fx.scenario, fx.file)
		}
		for _, path := range paths {
			t.Run(path, func(t *testing.T) {
				s := readOneTrace(t, path)
				checkTraceFixture(t, fx, s)
			})
		}
	}
}

func checkTraceFixture(t *testing.T, fx traceFixture, s *Snapshot) {
	tl := s.Timeline
	// Go 1.26 and 1.27 both write the go 1.26 format, with clock snapshots.
	if s.Source.GoVersion != "go1.26" || tl.Version != 26 || tl.Writers != "Go 1.26 and later" || s.Source.Taken.IsZero() || tl.GOMAXPROCS < 1 || tl.Procs < 1 {
		t.Errorf("version %q/%d taken %v GOMAXPROCS %d procs %d", s.Source.GoVersion, tl.Version, s.Source.Taken, tl.GOMAXPROCS, tl.Procs)
	}
	if tl.Generations < max(fx.minGens, 1) || len(s.Warnings) != 0 {
		t.Errorf("%d generations, warnings %v", tl.Generations, s.Warnings)
	}
	for _, w := range fx.goroutines {
		n := 0
		for _, g := range s.Goroutines {
			if g.State == w.state && stackHas(g.Stack, w.frame) {
				n++
			}
		}
		if n < w.count-w.tol || n > w.count+w.tol {
			t.Errorf("%d goroutines in %q at %s, want %d±%d", n, w.state, w.frame, w.count, w.tol)
		}
	}
	for _, w := range fx.blocks {
		b := findBlock(tl, w.reason, w.frame)
		if b == nil {
			t.Errorf("no block site %q at %s", w.reason, w.frame)
			continue
		}
		if b.Open < w.open-1 || b.Open > w.open+1 || b.Blocks < w.minBlocks {
			t.Errorf("block site %q at %s: %d open, %d ended; want %d, at least %d", w.reason, w.frame, b.Open, b.Blocks, w.open, w.minBlocks)
		}
		if b.Blocks > 0 && (b.Max <= 0 || b.Delays.Quantile(0.99) <= 0 || b.Delays.Quantile(0.99) > b.Max) {
			t.Errorf("block site %q: max %v p99 %v", w.reason, b.Max, b.Delays.Quantile(0.99))
		}
		if len(w.unblocker) > 0 {
			if len(b.Unblockers) == 0 {
				t.Errorf("block site %q: no unblockers", w.reason)
				continue
			}
			for _, fn := range w.unblocker {
				if !stackHas(b.Unblockers[0].Stack, fn) {
					t.Errorf("block site %q: top unblocker lacks %s: %v", w.reason, fn, b.Unblockers[0].Stack.Frames)
				}
			}
		}
		if len(w.unblocker) == 0 && b.Blocks == 0 && len(b.Unblockers) != 0 {
			t.Errorf("block site %q: unblockers %v but no wait ended", w.reason, b.Unblockers)
		}
	}
	for _, w := range fx.syscalls {
		n := 0
		for _, c := range tl.LongSyscalls {
			if c.Ongoing && stackHas(c.Stack, w.frame) && c.Cgo == w.cgo {
				n++
				if c.Duration < tl.Duration || !c.SinceStart {
					t.Errorf("syscall of %d: %v of a %v trace, since start %v", c.Goroutine, c.Duration, tl.Duration, c.SinceStart)
				}
			}
		}
		if n != w.count {
			t.Errorf("%d long syscalls in progress at %s (cgo %v), want %d", n, w.frame, w.cgo, w.count)
		}
	}
	if fx.site != "" {
		site := tl.Sites[0]
		if site.StartFunc != fx.site || site.AliveAtStart+site.Created < fx.siteMin || site.PeakLive < fx.siteMin {
			t.Errorf("top spawn site %s: %d at start, %d created, peak %d; want %s with %d", site.StartFunc, site.AliveAtStart, site.Created, site.PeakLive, fx.site, fx.siteMin)
		}
	}
}

func findBlock(tl *Timeline, reason, frame string) *BlockSite {
	for _, b := range tl.Blocks {
		if b.Reason == reason && stackHas(b.Stack, frame) {
			return b
		}
	}
	return nil
}

// TestTraceFixturesAllRead reads every captured trace, including those the
// table above says nothing of.
func TestTraceFixturesAllRead(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "fixtures", "captured", "*", "*", "*"))
	n := 0
	for _, path := range paths {
		if !strings.HasSuffix(path, ".trace") && !strings.HasSuffix(path, "trace.out") {
			continue
		}
		n++
		t.Run(path, func(t *testing.T) { readOneTrace(t, path) })
	}
	if n == 0 {
		t.Skip("no captured traces (run go generate ./fixtures/)")
	}
}

// traceCorpusFact is what SOURCES.md says of a real-world trace.
type traceCorpusFact struct {
	file                     string
	version                  int
	goroutines               int // created during the trace plus alive at its start
	created, exited, blocked int // -1: not stated
	minGenerations           int
}

var traceCorpusFacts = []traceCorpusFact{
	{file: "go1.11fmt-golparallel-2765-goroutines.trace", version: 11, goroutines: 2765, created: -1, exited: -1, blocked: 2761},
	{file: "go1.11fmt-goto-many-goroutines.trace", version: 11, goroutines: -1, created: 10101, exited: 10000, blocked: 105},
	{file: "go1.11fmt-minikube-start.trace", version: 11, goroutines: 1374, created: 1354, exited: 1072, blocked: 297},
	{file: "go1.11fmt-cercat.trace", version: 11, goroutines: 45, created: -1, exited: -1, blocked: -1},
	{file: "go1.19-csa-ping.trace", version: 19, goroutines: 8, created: -1, exited: -1, blocked: -1},
	{file: "go1.19-csa-trace-with-regions.trace", version: 19, goroutines: 7, created: -1, exited: -1, blocked: -1},
	{file: "go1.19-r1013-parallel.trace", version: 19, goroutines: 12, created: -1, exited: -1, blocked: -1},
	{file: "go1.22-metrick-730-goroutines.trace", version: 22, goroutines: -1, created: 716, exited: 510, blocked: 216, minGenerations: 30},
	{file: "go1.22-nadams-1brc.trace", version: 22, goroutines: 21, created: -1, exited: -1, blocked: 20},
	{file: "go1.22-pavel-parallel.trace", version: 22, goroutines: 31, created: 26, exited: 9, blocked: 20},
	{file: "go1.22-urihandler.trace", version: 22, goroutines: 71, created: 66, exited: 45, blocked: -1},
	{file: "go1.23-adika-metrics.trace", version: 23, goroutines: 56, created: -1, exited: -1, blocked: -1},
	{file: "go1.23-alexxtn-test-trace.trace", version: 23, goroutines: 8, created: -1, exited: -1, blocked: -1},
	{file: "go1.23-service-courier-6538-goroutines.trace", version: 23, goroutines: -1, created: 6491, exited: 6483, blocked: -1},
	{file: "go1.23-tg-inst-loader.trace", version: 23, goroutines: 24, created: -1, exited: 0, blocked: 22},
	{file: "go1.25-mustafaev-l45.trace", version: 25, goroutines: 93, created: -1, exited: -1, blocked: -1, minGenerations: 30},
}

// TestReadTraceCorpusFacts checks the real-world traces against what
// ../shared/corpus/SOURCES.md says of them.
func TestReadTraceCorpusFacts(t *testing.T) {
	dir := filepath.Join(traceCorpusDir(t), "real-world")
	for _, f := range traceCorpusFacts {
		t.Run(f.file, func(t *testing.T) {
			s := readOneTrace(t, filepath.Join(dir, f.file))
			tl := s.Timeline
			if tl.Version != f.version || tl.Generations < max(f.minGenerations, 1) || len(s.Warnings) != 0 {
				t.Errorf("version %d, %d generations, warnings %v; want %d, at least %d", tl.Version, tl.Generations, s.Warnings, f.version, f.minGenerations)
			}
			check := func(what string, got, want int) {
				if want >= 0 && got != want {
					t.Errorf("%s = %d, want %d", what, got, want)
				}
			}
			check("goroutines", tl.Created+tl.AliveAtStart, f.goroutines)
			check("created", tl.Created, f.created)
			check("exited", tl.Exited, f.exited)
			check("blocked at end", tl.BlockedAtEnd, f.blocked)
		})
	}
}

// TestReadTraceCorpus walks every trace of the corpus: valid ones yield a
// timeline and no error, pre-Go 1.11 ones and the text form of upstream
// tests are refused precisely, malformed ones give errors naming the file,
// and nothing panics.
func TestReadTraceCorpus(t *testing.T) {
	dir := traceCorpusDir(t)
	// Upstream test cases that are invalid on purpose, and fuzz inputs the
	// reader accepts (they hold a few well-formed events) or refuses.
	invalid := map[string]string{
		"go122-create-syscall-with-p.trace":              "expected a proc but didn't have one",
		"go122-fail-first-gen-first.trace":               "expected a proc but didn't have one",
		"goroot-FuzzReader-large-id.trace":               "holds no events",
		"gotraceui-FuzzLoadTrace-61e0412ed82a1fed.trace": "holds no events",
	}
	accepted := map[string]bool{
		"goroot-FuzzReader-closing-unknown-region.trace": true,
		"gotraceui-FuzzLoadTrace-78cdf18e1b5aca79.trace": true,
		"gotraceui-FuzzLoadTrace-ae3ce2c64d2c41da.trace": true,
		"gotraceui-FuzzLoadTrace-ecad2f142ca420d4.trace": true,
	}
	n := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		name := filepath.Base(path)
		group := filepath.Base(filepath.Dir(path))
		t.Run(group+"/"+name, func(t *testing.T) {
			snaps, err := ReadFile(context.Background(), path, Options{})
			var ie *InputError
			if err != nil && (!errors.As(err, &ie) || ie.Name != path) {
				t.Fatalf("error does not name the input: %v", err)
			}
			switch {
			case group == "pre-go1.11":
				if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "older than Go 1.11") || ie.Offset != 0 {
					t.Errorf("err = %v, want ErrUnsupported at offset 0 saying older than Go 1.11", err)
				}
			case group == "v2-text":
				if !errors.Is(err, ErrUnrecognized) {
					t.Errorf("text form of a trace test: err = %v, want ErrUnrecognized", err)
				}
			case invalid[name] != "":
				if !errors.Is(err, ErrCorruptTrace) || !strings.Contains(err.Error(), invalid[name]) || ie.Offset < 16 {
					t.Errorf("err = %v, want ErrCorruptTrace past the header saying %q", err, invalid[name])
				}
			case group == "fuzz-malformed" && !accepted[name]:
				if !errors.Is(err, ErrCorruptTrace) || ie.Offset < 0 {
					t.Errorf("err = %v, want ErrCorruptTrace with an offset", err)
				}
				var p *TracePanic
				if errors.As(err, &p) {
					t.Errorf("reader panicked: %v", p)
				}
			default:
				if err != nil {
					t.Fatalf("%v", err)
				}
				checkTraceSnapshot(t, snaps[0])
			}
		})
		return nil
	})
	if n == 0 {
		t.Skipf("no traces under %s", dir)
	}
}

// cutTraces are traces with several generations to cut and corrupt.
func cutTraces(t *testing.T) []string {
	paths, _ := filepath.Glob(filepath.Join("..", "fixtures", "captured", "*", "hot-lock", "flightrecorder.trace"))
	if dir := filepath.Join("..", "..", "shared", "corpus", "traces", "real-world"); dirExists(dir) {
		paths = append(paths, filepath.Join(dir, "go1.22-metrick-730-goroutines.trace"), filepath.Join(dir, "go1.25-mustafaev-l45.trace"))
	}
	if len(paths) == 0 {
		t.Skip("no multi-generation traces (fixtures or corpus) present")
	}
	return paths
}

// TestReadTruncatedTrace cuts traces (a flight recorder cut, a killed
// process, a partial upload): every complete generation is kept and a
// warning says how much was lost; a cut inside the first generation is an
// error naming the offset.
func TestReadTruncatedTrace(t *testing.T) {
	for _, path := range cutTraces(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		whole := readOneTrace(t, path).Timeline
		for _, frac := range []float64{0.01, 0.3, 0.6, 0.95} {
			cut := int(float64(len(data)) * frac)
			t.Run(fmt.Sprintf("%s@%d", filepath.Base(path), cut), func(t *testing.T) {
				snaps, err := Read(context.Background(), "cut.trace", bytes.NewReader(data[:cut]), Options{})
				if err != nil {
					var ie *InputError
					if !errors.Is(err, ErrCorruptTrace) || !errors.As(err, &ie) || ie.Offset <= 0 || !strings.Contains(err.Error(), "no complete generation") {
						t.Fatalf("err = %v, want ErrCorruptTrace with an offset saying no generation is complete", err)
					}
					return
				}
				s := snaps[0]
				checkTraceSnapshot(t, s)
				tl := s.Timeline
				if len(s.Warnings) != 1 {
					t.Fatalf("warnings %v, want one", s.Warnings)
				}
				w := s.Warnings[0]
				if w.Kind != WarnTruncated || w.Offset <= 0 || w.Offset > int64(cut) ||
					!strings.Contains(w.Message, "is cut") || !strings.Contains(w.Message, fmt.Sprintf("of %d bytes", cut)) {
					t.Errorf("warning %s %q at %d, want a truncation saying what of the %d bytes was lost", w.Kind, w.Message, w.Offset, cut)
				}
				if tl.Generations < 1 || tl.Generations >= whole.Generations || tl.Duration > whole.Duration {
					t.Errorf("%d generations over %v, the whole trace %d over %v", tl.Generations, tl.Duration, whole.Generations, whole.Duration)
				}
			})
		}
	}
}

// TestReadCorruptTrace flips bytes in the middle of traces: the complete
// generations before the damage are kept with a warning, or the read fails
// with an error naming the offset; it never panics.
func TestReadCorruptTrace(t *testing.T) {
	for _, path := range cutTraces(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []int{len(data) / 3, len(data) / 2, len(data) * 4 / 5} {
			bad := slices.Clone(data)
			for i := at; i < min(at+64, len(bad)); i++ {
				bad[i] ^= 0xa5
			}
			for _, par := range []int{1, 2} {
				snaps, err := Read(context.Background(), "bad.trace", bytes.NewReader(bad), Options{Parallelism: par})
				var p *TracePanic
				if errors.As(err, &p) {
					t.Errorf("%s@%d: reader panicked: %v", path, at, p)
				}
				if err != nil {
					var ie *InputError
					if !errors.Is(err, ErrCorruptTrace) || !errors.As(err, &ie) || ie.Offset < 16 {
						t.Errorf("%s@%d: err = %v, want ErrCorruptTrace past the header", path, at, err)
					}
					continue
				}
				checkTraceSnapshot(t, snaps[0])
				// The loss is counted against the whole input.
				for _, w := range snaps[0].Warnings {
					if strings.Contains(w.Message, "; lost ") && !strings.Contains(w.Message, fmt.Sprintf(" of %d bytes", len(bad))) {
						t.Errorf("%s@%d, Parallelism %d: warning %q does not count the loss against the input's %d bytes", path, at, par, w.Message, len(bad))
					}
				}
			}
		}
	}
}

// TestReadTraceCancelled stops reading when the context is done.
func TestReadTraceCancelled(t *testing.T) {
	paths := cutTraces(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ReadFile(ctx, paths[0], Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestWaitState(t *testing.T) {
	in := NewInterner()
	stack := func(fns ...string) *Stack {
		var fr []*Frame
		for _, fn := range fns {
			fr = append(fr, in.FrameOf(fn, "x.go", 1, 0))
		}
		return in.Stack(fr, nil, 0, 0)
	}
	for _, tt := range []struct {
		reason string
		stack  *Stack
		want   string
	}{
		{"chan receive", nil, "chan receive"},
		{"network", nil, "IO wait"},
		{"sync.(*Cond).Wait", nil, "sync.Cond.Wait"},
		// "sync" covers every semaphore: the stack tells them apart,
		// innermost first, as the runtime names the wait.
		{"sync", stack("sync.(*Mutex).Lock", "main.f"), "sync.Mutex.Lock"},
		{"sync", stack("sync.(*RWMutex).RLock", "main.f"), "sync.RWMutex.RLock"},
		{"sync", stack("internal/sync.(*Mutex).lockSlow", "sync.(*Mutex).Lock", "sync.(*RWMutex).Lock", "main.f"), "sync.Mutex.Lock"},
		{"sync", stack("sync.(*RWMutex).Lock", "main.f"), "sync.RWMutex.Lock"},
		{"sync", stack("sync.(*WaitGroup).Wait", "main.f"), "sync.WaitGroup.Wait"},
		{"sync", stack("internal/poll.(*fdMutex).rwlock", "main.f"), "semacquire"},
		{"sync", nil, "semacquire"},
		// "forever": nil channels and select {}.
		{"forever", stack("runtime.chanrecv", "runtime.chanrecv1", "main.f"), "chan receive (nil chan)"},
		{"forever", stack("runtime.chansend1", "main.f"), "chan send (nil chan)"},
		{"forever", stack("runtime.block", "main.main"), "select (no cases)"},
		{"forever", nil, "forever"},
		// A goroutine found blocked when tracing started has no reason;
		// the status stack starts in gopark.
		{"", stack("runtime.gopark", "runtime.chanrecv", "runtime.chanrecv2", "main.f"), "chan receive"},
		{"", stack("runtime.gopark", "runtime.selectgo", "main.f"), "select"},
		{"", stack("runtime.gopark", "runtime.goparkunlock", "runtime.semacquire1", "sync.runtime_SemacquireMutex", "internal/sync.(*Mutex).lockSlow", "sync.(*Mutex).Lock", "main.f"), "sync.Mutex.Lock"},
		{"", stack("runtime.gopark", "runtime.semacquire1", "sync.runtime_SemacquireRWMutexR", "sync.(*RWMutex).RLock", "main.f"), "sync.RWMutex.RLock"},
		{"", stack("runtime.gopark", "runtime.semacquire1", "sync.runtime_Semacquire", "main.f"), "semacquire"},
		{"", stack("runtime.gopark", "time.Sleep", "main.f"), "sleep"},
		{"", stack("runtime.gopark", "runtime.netpollblock", "internal/poll.runtime_pollWait", "main.f"), "IO wait"},
		{"", stack("runtime.gopark", "runtime.goparkunlock", "runtime.bgsweep"), "GC sweep wait"},
		{"", nil, "waiting"},
		{"unspecified", stack("main.f"), "waiting"},
		{"system goroutine wait", stack("runtime.gopark", "runtime.gcBgMarkWorker"), "GC worker (idle)"},
		{"system goroutine wait", stack("runtime/trace.f"), "system goroutine wait"},
		{"GC mark assist wait for work", nil, "GC assist wait"},
		{"synctest", nil, "synctest"},
	} {
		if got := waitState(tt.reason, tt.stack); got != tt.want {
			var fns []string
			if tt.stack != nil {
				for _, f := range tt.stack.Frames {
					fns = append(fns, f.Function)
				}
			}
			t.Errorf("waitState(%q, %v) = %q, want %q", tt.reason, fns, got, tt.want)
		}
	}
}

func TestHistogram(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 {
		t.Fatal("empty histogram is not zero")
	}
	for i := 1; i <= 1000; i++ {
		h.Add(time.Duration(i) * time.Microsecond)
	}
	h.Add(-time.Second) // counts as zero
	if h.Count != 1001 || h.Max != time.Millisecond {
		t.Errorf("count %d max %v", h.Count, h.Max)
	}
	for _, q := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.9, 900 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.Quantile(q.q)
		if got < q.want || float64(got) > float64(q.want)*1.26 || got > h.Max {
			t.Errorf("p%v = %v, want %v within 26%% above, at most max", q.q*100, got, q.want)
		}
	}
	for d := range uint64(1 << 12) {
		if i := histBucket(d); histUpper(i) < time.Duration(d) || (i > 0 && histUpper(i-1) >= time.Duration(d)) {
			t.Fatalf("%d ns falls in bucket %d of upper %v", d, i, histUpper(i))
		}
	}
}

func TestSeriesHalve(t *testing.T) {
	for _, tt := range []struct{ in, want Series }{
		{Series{1, 2, 3, 4, 5}, Series{3, 7, 5}},
		{Series{1, 2}, Series{3}},
		{nil, Series{}},
	} {
		if got := slices.Clone(tt.in).halve(); !slices.Equal(got, tt.want) {
			t.Errorf("%v.halve() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// smallTraces returns the small traces of the fixtures and corpus, as fuzz
// seeds.
func smallTraces(tb testing.TB, limit int) [][]byte {
	var out [][]byte
	add := func(path string) {
		if b, err := os.ReadFile(path); err == nil && len(b) <= limit && len(b) > 16 && b[0] == 'g' {
			out = append(out, b)
		}
	}
	paths, _ := filepath.Glob(filepath.Join("..", "fixtures", "captured", "*", "*", "trace.out"))
	for _, p := range paths {
		add(p)
	}
	if dir := filepath.Join("..", "..", "shared", "corpus", "traces"); dirExists(dir) {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.Contains(p, "pre-go1.11") {
				add(p)
			}
			return nil
		})
	}
	return out
}

// FuzzReadTrace feeds arbitrary bytes after a trace header through Read:
// it must never panic or hang, and what it returns must be consistent. A
// panic of x/exp/trace is turned into an error; one of ours fails. The
// piped read (in batches of a few events) must give what the plain one
// gives.
func FuzzReadTrace(f *testing.F) {
	for _, b := range smallTraces(f, 16<<10) {
		f.Add(b)
	}
	f.Add([]byte("go 1.26 trace\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r := readPlainAndPiped(ctx, "fuzz.trace", data, 1+len(data)%7)
		if d := r.differs(data); d != "" && ctx.Err() == nil {
			t.Fatalf("piped read differs from the plain one: %s", d)
		}
		noPanicOfOurs(t, r.seqErr)
		noPanicOfOurs(t, r.parErr)
		snaps, err := r.par, r.parErr
		if err != nil || snaps[0].Source.Format != FormatTrace {
			return
		}
		checkTraceSnapshot(t, snaps[0])
		if len(snaps[0].Goroutines) > 0 {
			checkSnapshots(t, snaps)
		}
	})
}

// largestTrace returns the largest trace of the corpus and fixtures, read
// into memory.
func largestTrace(b *testing.B, version func(int) bool) (string, []byte) {
	var best string
	var size int64
	consider := func(p string) {
		fi, err := os.Stat(p)
		if err != nil || fi.Size() <= size {
			return
		}
		head := make([]byte, 16)
		f, err := os.Open(p)
		if err != nil {
			return
		}
		io.ReadFull(f, head)
		f.Close()
		if minor, ok := traceVersion(head); ok && traceFormatRead(minor) && version(minor) {
			best, size = p, fi.Size()
		}
	}
	paths, _ := filepath.Glob(filepath.Join("..", "fixtures", "captured", "*", "*", "*trace*"))
	for _, p := range paths {
		consider(p)
	}
	if dir := filepath.Join("..", "..", "shared", "corpus", "traces", "real-world"); dirExists(dir) {
		paths, _ = filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range paths {
			consider(p)
		}
	}
	if best == "" {
		b.Skip("no trace to benchmark")
	}
	data, err := os.ReadFile(best)
	if err != nil {
		b.Fatal(err)
	}
	return best, data
}

// traceBenchFormats splits the benchmarks by reader: before Go 1.22 x/exp
// parses the whole trace at once; from Go 1.22 on it streams generations.
var traceBenchFormats = []struct {
	name string
	is   func(int) bool
}{
	{"v2", func(minor int) bool { return minor >= 22 }},
	{"v1", func(minor int) bool { return minor < 22 }},
}

// BenchmarkReadTrace reads the largest trace into a snapshot with its
// timeline: parsing, summarising and the dump view.
func BenchmarkReadTrace(b *testing.B) {
	for _, f := range traceBenchFormats {
		b.Run(f.name, func(b *testing.B) {
			path, data := largestTrace(b, f.is)
			b.Logf("%s: %d bytes", path, len(data))
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var heap uint64
			for b.Loop() {
				snaps, err := Read(context.Background(), path, bytes.NewReader(data), Options{})
				if err != nil {
					b.Fatal(err)
				}
				heap = max(heap, heapInUse())
				runtime.KeepAlive(snaps)
			}
			b.ReportMetric(float64(heap)/(1<<20), "end-heap-MiB")
		})
	}
}

// BenchmarkRawReadEvent is the baseline of BenchmarkReadTrace: the bare
// x/exp/trace ReadEvent loop over the same trace.
func BenchmarkRawReadEvent(b *testing.B) {
	for _, f := range traceBenchFormats {
		b.Run(f.name, func(b *testing.B) {
			path, data := largestTrace(b, f.is)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var heap uint64
			for b.Loop() {
				r, err := trace.NewReader(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := r.ReadEvent()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatalf("%s: %v", path, err)
					}
				}
				heap = max(heap, heapInUse())
			}
			b.ReportMetric(float64(heap)/(1<<20), "end-heap-MiB")
		})
	}
}

// heapInUse samples the heap in use. Taken at the end of a read, with its
// result still referenced, it is a floor of the peak; GODEBUG=gctrace=1
// shows the heap at every collection.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
