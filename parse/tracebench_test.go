package parse

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/exp/trace"
)

// benchTrace returns a large execution trace written by the real runtime:
// $GORENSIC_TRACE when set, else one internal/cmd/tracegen writes for
// $GORENSIC_TRACE_SECONDS (default 10) into the temporary directory, once
// per machine.
func benchTrace(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("GORENSIC_TRACE"); p != "" {
		return p
	}
	secs := 10
	if s, err := strconv.Atoi(os.Getenv("GORENSIC_TRACE_SECONDS")); err == nil && s > 0 {
		secs = s
	}
	dir := filepath.Join(os.TempDir(), "gorensic-bench")
	path := filepath.Join(dir, fmt.Sprintf("tracegen-%ds.trace", secs))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	tmp := path + ".tmp"
	cmd := exec.Command("go", "run", "../internal/cmd/tracegen", "-d", fmt.Sprintf("%ds", secs), "-o", tmp)
	cmd.Stderr = os.Stderr
	b.Logf("generating %s with the real runtime", path)
	if err := cmd.Run(); err != nil {
		b.Fatalf("tracegen: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// traceHeapPeak samples the live heap while a benchmark runs.
type traceHeapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startTraceHeapPeak() *traceHeapPeak {
	h := &traceHeapPeak{stop: make(chan struct{})}
	h.wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			h.peak.Store(max(h.peak.Load(), s[0].Value.Uint64()))
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	})
	return h
}

// doneMiB stops sampling and returns the peak in MiB.
func (h *traceHeapPeak) doneMiB() float64 {
	close(h.stop)
	h.wg.Wait()
	return float64(h.peak.Load()) / (1 << 20)
}

// processCPUTime is the CPU time the process has used, every thread: on a
// machine shared with other jobs it moves far less than wall time.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rawReadEvents is the baseline: the bare x/exp/trace ReadEvent loop.
func rawReadEvents(tb testing.TB, r io.Reader) int {
	rd, err := trace.NewReader(r)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for {
		_, err := rd.ReadEvent()
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		n++
	}
}

// traceWay is one way of reading a trace file for the benchmarks.
type traceWay struct {
	name string
	read func(tb testing.TB, path string)
}

var traceWays = []traceWay{
	{"raw", func(tb testing.TB, path string) {
		f, err := os.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		rawReadEvents(tb, f)
	}},
	{"sequential", func(tb testing.TB, path string) {
		if _, err := ReadFile(context.Background(), path, Options{Parallelism: 1}); err != nil {
			tb.Fatal(err)
		}
	}},
	{"piped", func(tb testing.TB, path string) {
		// One generation at a time, decoded on one goroutine and
		// summarised on another: how Read reads a trace.
		f, err := os.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		if _, err := Read(context.Background(), path, f, Options{Parallelism: 2}); err != nil {
			tb.Fatal(err)
		}
	}},
	{"parallel", func(tb testing.TB, path string) {
		// ReadFile's own choice for large files; forced for small ones.
		f, err := os.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := readTraceSplit(context.Background(), path, f, fi.Size(), Options{}, traceSplit{workers: runtime.GOMAXPROCS(0)}); err != nil {
			tb.Fatal(err)
		}
	}},
}

// largestMultiGenTrace returns the largest Go 1.22+ fixture or corpus trace
// of three generations or more.
func largestMultiGenTrace(b *testing.B) string {
	var best string
	var size int
	for path, data := range multiGenTraces(b) {
		if len(data) > size {
			best, size = path, len(data)
		}
	}
	return best
}

// BenchmarkReadTraceWays reads a large generated trace (benchTrace) and the
// largest Go 1.22+ fixture or corpus trace of several generations three ways: the raw ReadEvent
// loop, the full read with Parallelism 1, and the parallel read (forced on
// the small one). Besides MB/s and allocations it reports the peak live
// heap and the CPU seconds per read (every thread).
func BenchmarkReadTraceWays(b *testing.B) {
	small := largestMultiGenTrace(b)
	for _, input := range []struct {
		name string
		path func(*testing.B) string
	}{
		{"generated", benchTrace},
		{"fixture", func(*testing.B) string { return small }},
	} {
		for _, way := range traceWays {
			b.Run(input.name+"/"+way.name, func(b *testing.B) {
				path := input.path(b)
				fi, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(fi.Size())
				b.ReportAllocs()
				peak := startTraceHeapPeak()
				cpu := processCPUTime()
				for b.Loop() {
					way.read(b, path)
				}
				b.ReportMetric((processCPUTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
				b.ReportMetric(peak.doneMiB(), "peak-heap-MiB")
			})
		}
	}
}

// traceWayNames names traceWays in order.
func traceWayNames() []string {
	var names []string
	for _, w := range traceWays {
		names = append(names, w.name)
	}
	return names
}

// BenchmarkReadTraceSideBySide reads the generated trace raw, sequentially
// and in parallel in turn in every iteration, so that the ratios it reports
// (medians over the iterations, of wall and of CPU time) compare runs made
// under the same load: on a shared machine the only numbers that count.
func BenchmarkReadTraceSideBySide(b *testing.B) {
	path := benchTrace(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	ratios := map[string][]float64{}
	for b.Loop() {
		wall := make([]time.Duration, len(traceWays))
		cpu := make([]time.Duration, len(traceWays))
		for i, way := range traceWays {
			c, t := processCPUTime(), time.Now()
			way.read(b, path)
			wall[i], cpu[i] = time.Since(t), processCPUTime()-c
		}
		b.Logf("wall %v; cpu %v (%v)", wall, cpu, traceWayNames())
		for i, way := range traceWays[1:] {
			ratios[way.name+"/raw"] = append(ratios[way.name+"/raw"], float64(wall[i+1])/float64(wall[0]))
			ratios[way.name+"-cpu/raw-cpu"] = append(ratios[way.name+"-cpu/raw-cpu"], float64(cpu[i+1])/float64(cpu[0]))
		}
	}
	for name, r := range ratios {
		slices.Sort(r)
		b.ReportMetric(r[len(r)/2], name)
	}
}

// BenchmarkTraceCost splits the sequential read's cost on the generated
// trace: in every iteration, the raw loop, the raw loop calling only
// StateTransition on each transition (x/exp/trace's own price for reading
// one, which no summary can avoid), the loop making records, and records
// folded into the summary; each as CPU time relative to the raw loop's, the
// median over iterations.
func BenchmarkTraceCost(b *testing.B) {
	path := benchTrace(b)
	steps := []struct {
		name string
		each func(ev *trace.Event)
	}{
		{"raw", nil},
		{"st", func(ev *trace.Event) {
			if ev.Kind() == trace.EventStateTransition {
				_ = ev.StateTransition()
			}
		}},
	}
	ratios := make([][]float64, len(steps)+2)
	for b.Loop() {
		var cost []time.Duration
		for _, step := range steps {
			cost = append(cost, timeEvents(b, path, step.each))
		}
		var rc recorder
		var rec traceRec
		cost = append(cost, timeEvents(b, path, func(ev *trace.Event) { rc.record(ev, &rec) }))
		sum := newSummarizer(NewInterner(), newestTraceFormat)
		cost = append(cost, timeEvents(b, path, func(ev *trace.Event) {
			if rc.record(ev, &rec) {
				sum.record(&rec)
			}
		}))
		for i, c := range cost {
			ratios[i] = append(ratios[i], float64(c)/float64(cost[0]))
		}
	}
	for i, name := range []string{"raw", "st", "record", "summary"} {
		slices.Sort(ratios[i])
		b.ReportMetric(ratios[i][len(ratios[i])/2], name+"/raw")
	}
}

// timeEvents runs each on every event of the trace at path and returns the
// CPU time taken.
func timeEvents(b *testing.B, path string, each func(*trace.Event)) time.Duration {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := processCPUTime()
	rd, err := trace.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	for {
		ev, err := rd.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if each != nil {
			each(&ev)
		}
	}
	return processCPUTime() - start
}

// BenchmarkTracePack packs and unpacks the records of the first generation
// of the generated trace, as the parallel reader hands them over.
func BenchmarkTracePack(b *testing.B) {
	f, err := os.Open(benchTrace(b))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rd, err := trace.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var recs []traceRec
	var rc recorder
	for syncs := 0; syncs < 2; {
		ev, err := rd.ReadEvent()
		if err != nil {
			b.Fatal(err)
		}
		var rec traceRec
		if rc.record(&ev, &rec) {
			if rec.kind == recSync {
				syncs++
			}
			recs = append(recs, rec)
		}
	}
	pack := func() *traceChunk {
		pk := newPacker()
		pk.start(&traceChunk{slots: make([]packSlot, 0, 2*len(recs))})
		for i := range recs {
			pk.pack(&recs[i])
		}
		return pk.finish()
	}
	b.Run("pack", func(b *testing.B) {
		for b.Loop() {
			pack()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
	})
	c := pack()
	b.Run("unpack", func(b *testing.B) {
		var rec traceRec
		for b.Loop() {
			var u unpacker
			u.next()
			for i := 0; i < len(c.slots); {
				i, _ = u.unpack(c, c.slots, i, &rec)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
		b.ReportMetric(float64(len(c.slots)*24)/float64(len(recs)), "bytes/record")
	})
}

// TestBenchTraceWaysAgree keeps the benchmarks honest: the parallel way
// reads a multi-generation fixture to as many events as the raw loop.
func TestBenchTraceWaysAgree(t *testing.T) {
	path := cutTraces(t)[0]
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := rawReadEvents(t, bytes.NewReader(data))
	ran := false
	snaps, err := readTraceSplit(context.Background(), path, bytes.NewReader(data), int64(len(data)), Options{}, traceSplit{workers: 2, onParallel: func() { ran = true }})
	if err != nil || !ran || snaps[0].Timeline.Events != int64(n) {
		t.Fatalf("%v (parallel %v): %d events, raw loop %d", err, ran, snaps[0].Timeline.Events, n)
	}
}
