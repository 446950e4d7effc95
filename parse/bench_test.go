package parse

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchDump returns the path of a dump of n goroutines written by the real
// runtime (internal/cmd/dumpgen), generating it once per machine into the
// temporary directory.
func benchDump(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "gorensic-bench")
	path := filepath.Join(dir, fmt.Sprintf("dump-%d.txt", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	tmp := path + ".tmp"
	cmd := exec.Command("go", "run", "../internal/cmd/dumpgen", "-n", fmt.Sprint(n), "-o", tmp)
	cmd.Env = append(os.Environ(), "GODEBUG=tracebacklabels=1")
	cmd.Stderr = os.Stderr
	b.Logf("generating %s with the real runtime", path)
	if err := cmd.Run(); err != nil {
		b.Fatalf("dumpgen -n %d: %v", n, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// heapPeak samples the live heap while a benchmark runs.
type heapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) done() float64 {
	close(h.stop)
	h.wg.Wait()
	return float64(h.peak.Load()) / (1 << 20)
}

// cpuTime measures the CPU time (user and system, every thread) the
// process spends: on a machine shared with other work it moves far less
// than wall time, so it tells whether a change made the reader cheaper.
type cpuTime struct{ start time.Duration }

func startCPUTime() cpuTime { return cpuTime{start: processCPU()} }

func (c cpuTime) perOp(n int) float64 {
	return float64(processCPU()-c.start) / float64(max(n, 1))
}

// BenchmarkReadDump reads and groups debug=2 dumps of 10k, 100k and 1M
// goroutines with a few hundred distinct stacks, in order (readers=1) and
// with every core (readers=GOMAXPROCS). The peak-heap-MiB metric shows
// what memory grows with: the goroutine records, not the file.
func BenchmarkReadDump(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		for _, readers := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("goroutines=%d/readers=%d", n, readers), func(b *testing.B) {
				benchReadDump(b, n, Options{Parallelism: readers})
			})
		}
	}
}

func benchReadDump(b *testing.B, n int, opts Options) {
	path := benchDump(b, n)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	peak := startHeapPeak()
	cpu := startCPUTime()
	var stacks, groups int
	for b.Loop() {
		snaps, err := ReadFile(context.Background(), path, opts)
		if err != nil {
			b.Fatal(err)
		}
		s := snaps[0]
		if s.GoroutineCount() < n {
			b.Fatalf("read %d goroutines, want at least %d", s.GoroutineCount(), n)
		}
		groups = len(Aggregate(s))
		seen := map[*Stack]bool{}
		for i := range s.Goroutines {
			seen[s.Goroutines[i].Stack] = true
		}
		stacks = len(seen)
	}
	b.ReportMetric(peak.done(), "peak-heap-MiB")
	b.ReportMetric(cpu.perOp(b.N), "cpu-ns/op")
	b.ReportMetric(float64(stacks), "stacks")
	b.ReportMetric(float64(groups), "groups")
}

// BenchmarkLineLoop is the baseline: a bare line loop over the same file,
// the practical upper bound for any line-based reader.
func BenchmarkLineLoop(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			path := benchDump(b, n)
			fi, _ := os.Stat(path)
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				lr := newLineReader(path, newBufReader(f), DefaultMaxLine)
				lines := 0
				for {
					if _, ok := lr.readLine(); !ok {
						break
					}
					lines++
				}
				f.Close()
				if lines == 0 {
					b.Fatal("no lines")
				}
			}
		})
	}
}

// fixtureBenchInputs are committed captures of the real runtime, so that
// these benchmarks run anywhere, without generating dumps first.
var fixtureBenchInputs = []string{
	"go1.26.8/runaway-spawn/goroutine-debug2.txt", // 10k goroutines, a runaway creation site
	"go1.26.8/runaway-spawn/sigquit.txt",          // the same at GOTRACEBACK=system: fp=/sp=/pc=, gp=/m=
	"go1.26.8/sse-streaming/goroutine-debug1.txt", // the debug=1 text profile
	"go1.26.8/runaway-spawn/goroutine-debug0.pb.gz",
}

// BenchmarkReadFixture reads committed fixture captures from memory (Read,
// in order) and groups them; BenchmarkLineLoopFixture is its baseline.
func BenchmarkReadFixture(b *testing.B) {
	for _, name := range fixtureBenchInputs {
		data := fixtureBenchData(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				snaps, err := Read(context.Background(), name, bytes.NewReader(data), Options{})
				if err != nil {
					b.Fatal(err)
				}
				for _, s := range snaps {
					Aggregate(s)
				}
			}
		})
	}
}

// BenchmarkLineLoopFixture is the bare line loop over the text fixtures
// of BenchmarkReadFixture.
func BenchmarkLineLoopFixture(b *testing.B) {
	for _, name := range fixtureBenchInputs {
		if filepath.Ext(name) != ".txt" {
			continue
		}
		data := fixtureBenchData(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				lr := newLineReader(name, bytes.NewReader(data), DefaultMaxLine)
				lines := 0
				for {
					if _, ok := lr.readLine(); !ok {
						break
					}
					lines++
				}
				if lines == 0 {
					b.Fatal("no lines")
				}
			}
		})
	}
}

func fixtureBenchData(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "captured", filepath.FromSlash(name)))
	if err != nil {
		b.Skipf("fixture %s: %v (run go generate ./fixtures/)", name, err)
	}
	return data
}

// BenchmarkAggregate groups an already read dump of 100k goroutines.
func BenchmarkAggregate(b *testing.B) {
	snaps, err := ReadFile(context.Background(), benchDump(b, 100_000), Options{})
	if err != nil {
		b.Fatal(err)
	}
	s := snaps[0]
	b.ReportAllocs()
	for b.Loop() {
		if len(Aggregate(s)) == 0 {
			b.Fatal("no groups")
		}
	}
	b.ReportMetric(float64(len(s.Goroutines)), "goroutines")
}
