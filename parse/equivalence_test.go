package parse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// textInputs lists every real text input the tests can find: the captured
// fixtures, the parse and detect test data and, when it is beside the
// repository, the shared corpus. Gzip and binary files are left out.
func textInputs(t *testing.T) []string {
	t.Helper()
	files := textInputPaths()
	if len(files) < 50 {
		t.Fatalf("found only %d text inputs; the fixtures are missing", len(files))
	}
	return files
}

// eachTextInput yields every real text input (textInputs) with its bytes.
func eachTextInput(t *testing.T) iter.Seq2[string, []byte] {
	paths := textInputs(t)
	return func(yield func(string, []byte) bool) {
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !yield(path, data) {
				return
			}
		}
	}
}

func textInputPaths() []string {
	roots := []string{
		filepath.Join("..", "fixtures", "captured"),
		"testdata",
		filepath.Join("..", "detect"),
		filepath.Join("..", "..", "shared", "corpus", "dumps"),
		filepath.Join("..", "..", "shared", "corpus", "goroutine-pprof"),
	}
	var files []string
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) == ".go" || filepath.Base(filepath.Dir(p)) == "fuzz" {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil || len(b) == 0 || sniff(b[:min(len(b), sniffSize)]) != kindText {
				return nil
			}
			files = append(files, p)
			return nil
		})
	}
	return files
}

// sameSnapshots fails t with the first difference between two reads of
// one input.
func sameSnapshots(t *testing.T, name string, want, got []*Snapshot, wantErr, gotErr error) {
	t.Helper()
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Fatalf("%s: error %v, want %v", name, gotErr, wantErr)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d snapshots, want %d", name, len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if len(g.Goroutines) != len(w.Goroutines) {
			t.Fatalf("%s: snapshot %d: %d goroutines, want %d", name, i, len(g.Goroutines), len(w.Goroutines))
		}
		for j := range w.Goroutines {
			if !reflect.DeepEqual(w.Goroutines[j], g.Goroutines[j]) {
				t.Fatalf("%s: snapshot %d goroutine %d (line %d) differs:\n got %s\nwant %s", name, i, j, w.Goroutines[j].Line,
					describeGoroutine(&g.Goroutines[j]), describeGoroutine(&w.Goroutines[j]))
			}
		}
		if !reflect.DeepEqual(w, g) {
			t.Fatalf("%s: snapshot %d differs outside its goroutines:\n got %+v\nwant %+v", name, i, *g, *w)
		}
	}
}

func describeGoroutine(g *Goroutine) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d %q wait=%v flags=%b creator=%d line=%d labels=%v extra=%+v stack#%d:", g.ID, g.State, g.Wait, g.Flags, g.CreatorID, g.Line, g.Labels, g.Extra, g.Stack.ID)
	for _, f := range g.Stack.Frames {
		fmt.Fprintf(&b, " %s@%s:%d+%#x inl=%v", f.Function, f.File, f.Line, f.PC, f.Inlined)
	}
	if c := g.Stack.CreatedBy; c != nil {
		fmt.Fprintf(&b, " created by %s@%s:%d", c.Function, c.File, c.Line)
	}
	return b.String()
}

// TestFrameCacheChangesNothing reads every real text input with the frame
// cache and without it: the snapshots must be identical, down to the PCs
// kept and the stacks' IDs.
func TestFrameCacheChangesNothing(t *testing.T) {
	for path, data := range eachTextInput(t) {
		checkFrameCache(t, path, data, Options{})
		// Short lines cut frame lines mid-way: the cache must see the
		// cut lines as the parser does.
		checkFrameCache(t, path, data, Options{MaxLine: 40})
	}
}

func checkFrameCache(t *testing.T, name string, data []byte, opts Options) {
	t.Helper()
	got, gotErr := Read(context.Background(), name, bytes.NewReader(data), opts)
	opts.noFrameCache = true
	want, wantErr := Read(context.Background(), name, bytes.NewReader(data), opts)
	sameSnapshots(t, name, want, got, wantErr, gotErr)
}

// TestFrameCacheLookalikes is a hand-made dump (a parser edge case, not
// runtime output) of lines that differ from cached ones only just past
// what the cache compares: a line number that extends another, an offset
// that extends another, function names that extend each other, inlined and
// not, a "created by" naming a function also seen as a frame, and more
// file lines under one function than the cache keeps.
func TestFrameCacheLookalikes(t *testing.T) {
	var b bytes.Buffer
	for id := 1; id <= 3; id++ {
		fmt.Fprintf(&b, "goroutine %d [chan receive]:\n", id)
		b.WriteString("main.f(0x1)\n\t/x/m.go:7\n")
		b.WriteString("main.f(0x2)\n\t/x/m.go:70\n")
		b.WriteString("main.f(...)\n\t/x/m.go:7\n")
		b.WriteString("main.ff(0x1)\n\t/x/m.go:7 +0x1\n")
		b.WriteString("main.ff(0x1)\n\t/x/m.go:7 +0x12\n")
		b.WriteString("main.ff(0x1)\n\t/x/m.go:71 +0x1\n")
		b.WriteString("main.f.func1()\n\t/x/m.go:7 +0x1 fp=0x1 sp=0x2 pc=0x3\n")
		b.WriteString("main.f.func1()\n\t/x/m.go:8 fp=0x1 sp=0x2 pc=0x3\n")
		for line := 20; line < 20+maxCachedLocs+4; line++ {
			fmt.Fprintf(&b, "main.g(0x%x)\n\t/x/m.go:%d +0x%x\n", id, line+id%2, line)
		}
		fmt.Fprintf(&b, "created by main.f in goroutine %d\n\t/x/m.go:7 +0x5\n\n", id-1)
	}
	data := b.Bytes()
	checkFrameCache(t, "lookalikes", data, Options{})
	snaps, err := Read(context.Background(), "lookalikes", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := &snaps[0].Goroutines[1]
	fr := g.Stack.Frames
	if fr[0].Line != 7 || fr[1].Line != 70 || !fr[2].Inlined || fr[2] == fr[0] || fr[3].Function != "main.ff" || fr[3] != fr[4] || fr[5].Line != 71 || fr[7].Line != 8 {
		t.Errorf("frames: %s", describeGoroutine(g))
	}
	if c := g.Stack.CreatedBy; c == nil || c.Function != "main.f" || c.Line != 7 || c.Inlined {
		t.Errorf("created by %+v", c)
	}
}

// TestParallelDumpReadChangesNothing reads every real text input with
// several goroutines, cut into chunks small enough that even the fixtures
// have many, and checks the snapshots are those of an ordered read. One
// pass leaves the middle chunks to the workers (workersOnly), so that the
// adoption of their results is exercised even with one P, where the
// ordered reader would otherwise claim every chunk before a worker runs.
func TestParallelDumpReadChangesNothing(t *testing.T) {
	var stats chunkStats
	for path, data := range eachTextInput(t) {
		want, wantErr := Read(context.Background(), path, bytes.NewReader(data), Options{})
		for _, chunk := range []int64{512, 4 << 10, 64 << 10} {
			for _, run := range []struct {
				readers     int
				workersOnly bool
			}{{2, false}, {3, false}, {2, true}} {
				opts := Options{Parallelism: run.readers, parallelMin: 1, dumpChunk: chunk, chunkStats: &stats, workersOnly: run.workersOnly}
				got, gotErr := ReadFile(context.Background(), path, opts)
				sameSnapshots(t, fmt.Sprintf("%s (chunks of %d, %d readers, workers only %v)", path, chunk, run.readers, run.workersOnly), want, got, wantErr, gotErr)
			}
		}
	}
	t.Logf("%d chunks: %d adopted, %d read in order", stats.chunks, stats.adopted, stats.ordered)
	if stats.adopted < stats.chunks/4 || stats.ordered == 0 {
		t.Errorf("%d of %d chunks adopted, %d read in order: the test does not exercise both", stats.adopted, stats.chunks, stats.ordered)
	}
}

// TestParallelDumpReadAtEveryHeader cuts inputs whose shape matters at a
// chunk boundary at every goroutine header in turn: a crash whose
// "runtime stack:" precedes the crashing goroutine, GOTRACEBACK=crash
// thread reports, a dump printed twice (hand-composed from one real dump:
// the second copy must start a second snapshot).
func TestParallelDumpReadAtEveryHeader(t *testing.T) {
	dump := mustRead(t, filepath.Join("..", "fixtures", "captured", "go1.26.8", "fanout-leak", "goroutine-debug2.txt"))
	twice := filepath.Join(t.TempDir(), "twice.txt")
	if err := os.WriteFile(twice, []byte(dump+"\n"+dump), 0o644); err != nil {
		t.Fatal(err)
	}
	inputs := []string{
		filepath.Join("..", "detect", "crash", "testdata", "go1.26", "overflow.txt"),
		filepath.Join("..", "detect", "crash", "testdata", "go1.26", "threads.txt"),
		filepath.Join("..", "fixtures", "captured", "go1.27.3", "workerpool-idle", "sigquit-gotraceback-crash.txt"),
		twice,
	}
	for _, path := range inputs {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := Read(context.Background(), path, bytes.NewReader(data), Options{})
		if path == twice && len(want) != 2 {
			t.Fatalf("%s: %d snapshots, want 2", path, len(want))
		}
		var stats chunkStats
		for i := range data {
			if i < 2 || data[i-1] != '\n' || data[i-2] != '\n' || !bytes.HasPrefix(data[i:], []byte("goroutine ")) {
				continue
			}
			// The first boundary lands on the first header at or after
			// the chunk size.
			opts := Options{Parallelism: 2, parallelMin: 1, dumpChunk: int64(i), chunkStats: &stats, workersOnly: true}
			got, gotErr := ReadFile(context.Background(), path, opts)
			sameSnapshots(t, fmt.Sprintf("%s (cut at byte %d)", path, i), want, got, wantErr, gotErr)
		}
		if stats.adopted == 0 || stats.adopted+stats.ordered != stats.chunks {
			t.Errorf("%s: %d chunks, %d adopted, %d read in order", path, stats.chunks, stats.adopted, stats.ordered)
		}
	}
}

// TestParallelDumpReadCancel: a cancelled read returns the context's error
// and leaves no goroutine behind, whether it is cancelled before it starts
// or while its workers read.
func TestParallelDumpReadCancel(t *testing.T) {
	dump := mustRead(t, filepath.Join("..", "fixtures", "captured", "go1.26.8", "runaway-spawn", "goroutine-debug2.txt"))
	path := filepath.Join(t.TempDir(), "big.txt")
	var b bytes.Buffer
	for b.Len() < 24<<20 {
		b.WriteString(dump) // the same dump again and again: one snapshot each
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	opts := Options{Parallelism: 4, parallelMin: 1, dumpChunk: 256 << 10}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFile(ctx, path, opts); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: err = %v", err)
	}
	for _, after := range []time.Duration{time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), after)
		_, err := ReadFile(ctx, path, opts)
		cancel()
		// 24 MB take far more than a millisecond: that read must stop.
		if err != nil && !errors.Is(err, context.DeadlineExceeded) || err == nil && after == time.Millisecond {
			t.Errorf("cancelled after %v: err = %v", after, err)
		}
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before the reads, %d after", before, n)
	}
}

// TestParallelDumpReadFileCut: a file cut shorter while it is mapped and
// read gives an error naming it, not a crash.
func TestParallelDumpReadFileCut(t *testing.T) {
	dump := mustRead(t, filepath.Join("..", "fixtures", "captured", "go1.26.8", "runaway-spawn", "goroutine-debug2.txt"))
	path := filepath.Join(t.TempDir(), "cut.txt")
	var b bytes.Buffer
	for b.Len() < 8<<20 {
		b.WriteString(dump)
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	mapped := false
	opts := Options{Parallelism: 2, parallelMin: 1, dumpChunk: 512 << 10, onMapped: func() {
		mapped = true
		if err := os.Truncate(path, 4096); err != nil {
			t.Error(err)
		}
	}}
	_, err := ReadFile(context.Background(), path, opts)
	if !mapped {
		t.Skip("files are not mapped here")
	}
	var ie *InputError
	if !errors.As(err, &ie) || ie.Name != path || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("err = %v", err)
	}
}

// TestSizedStoreChangesNothing reads every real text input with its size
// known, sizing the goroutine store after the first goroutines, with the
// size right, ten times too large (room to give back) and a third too
// small (room run out): the snapshots are those of a read without the
// size, and no snapshot keeps much more room than it holds.
func TestSizedStoreChangesNothing(t *testing.T) {
	sized := 0
	for path, data := range eachTextInput(t) {
		want, wantErr := Read(context.Background(), path, bytes.NewReader(data), Options{})
		for _, hint := range []int64{int64(len(data)), 10 * int64(len(data)), int64(len(data)) / 3} {
			for _, probe := range []int{1, 3} {
				opts := Options{sizeHint: hint, sizeProbe: probe}
				got, gotErr := Read(context.Background(), path, bytes.NewReader(data), opts)
				sameSnapshots(t, fmt.Sprintf("%s (size %d, probe %d)", path, hint, probe), want, got, wantErr, gotErr)
				for _, s := range got {
					if n := len(s.Goroutines); cap(s.Goroutines) > n+n/4+goroutineChunk {
						t.Errorf("%s (size %d, probe %d): %d goroutines keep room for %d", path, hint, probe, n, cap(s.Goroutines))
					}
					if len(s.Goroutines) > probe {
						sized++
					}
				}
			}
		}
	}
	if sized == 0 {
		t.Error("no input had more goroutines than the probe: nothing was sized")
	}
}

// TestReadFileSizesStore checks that ReadFile passes a regular file's
// size to the sequential reader and that the store then holds its
// goroutines in one slice sized up front, not copied at the end: a 24 MiB
// dump of ~150,000 goroutines (a hand-made repetition of one real
// goroutine, well past the probe and sizeStoreMin) allocates at least
// three quarters of its records' bytes less than Read does.
func TestReadFileSizesStore(t *testing.T) {
	var b bytes.Buffer
	for id := 1; b.Len() < 24<<20; id++ {
		fmt.Fprintf(&b, "goroutine %d [chan receive, %d minutes]:\nmain.worker(0xc000010000)\n\t/src/app/worker.go:42 +0x25\ncreated by main.start in goroutine 1\n\t/src/app/main.go:17 +0x3d\n\n", id, id%60)
	}
	path := filepath.Join(t.TempDir(), "dump.txt")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Parallelism: 1}
	var fileSnaps, readSnaps []*Snapshot
	measure := func(read func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		read()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	withSize := measure(func() {
		var err error
		if fileSnaps, err = ReadFile(context.Background(), path, opts); err != nil {
			t.Fatal(err)
		}
	})
	without := measure(func() {
		var err error
		if readSnaps, err = Read(context.Background(), path, bytes.NewReader(b.Bytes()), opts); err != nil {
			t.Fatal(err)
		}
	})
	sameSnapshots(t, path, readSnaps, fileSnaps, nil, nil)
	n := len(fileSnaps[0].Goroutines)
	record := uint64(unsafe.Sizeof(Goroutine{}))
	// Read copies the records once more at the end; ReadFile must not.
	if withSize+uint64(n)*record*3/4 > without {
		t.Errorf("ReadFile allocated %d bytes, Read %d, for %d goroutines of %d bytes: the store was not sized", withSize, without, n, record)
	}
}
