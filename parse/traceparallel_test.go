package parse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// parallelTraceCases are the traces the parallel reader is checked on: every
// captured fixture trace and every trace of the shared corpus.
func parallelTraceCases(t testing.TB) []string {
	paths, _ := filepath.Glob(filepath.Join("..", "fixtures", "captured", "*", "*", "*"))
	paths = slices.DeleteFunc(paths, func(p string) bool {
		return !strings.HasSuffix(p, ".trace") && !strings.HasSuffix(p, "trace.out")
	})
	dir := filepath.Join("..", "..", "shared", "corpus", "traces")
	if dirExists(dir) {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				paths = append(paths, p)
			}
			return nil
		})
	} else {
		t.Logf("corpus not present at %s (it lives beside the repository as ../shared/corpus): checking the fixtures only", dir)
	}
	if len(paths) == 0 {
		t.Skip("no traces (run go generate ./fixtures/ or add ../shared/corpus)")
	}
	return paths
}

// traceReads is one input read both ways.
type traceReads struct {
	seq, par       []*Snapshot
	seqErr, parErr error
	parallel       bool    // the parallel reader's decoders ran
	seqVaried      bool    // a later sequential read was taken: the first differed from it
	fallbacks      []error // why the parallel read gave way, when it did
}

// readBothWays reads data sequentially (Read on one goroutine) and with the
// parallel reader forced on whatever its size, with workers decoders.
func readBothWays(ctx context.Context, name string, data []byte, workers int) traceReads {
	var r traceReads
	r.seq, r.seqErr = Read(ctx, name, bytes.NewReader(data), Options{Parallelism: 1})
	cfg := traceSplit{
		workers:    workers,
		onParallel: func() { r.parallel = true },
		onFallback: func(err error) { r.fallbacks = append(r.fallbacks, err) },
	}
	r.par, r.parErr = readTraceSplit(ctx, name, bytes.NewReader(data), int64(len(data)), Options{}, cfg)
	r.matchSequential(ctx, name, data)
	return r
}

// matchSequential rereads data sequentially, up to eight times, while the
// reads differ, and keeps a sequential read that equals the other one.
// x/exp/trace is not deterministic everywhere: which of several bad stacks
// of a generation it names walks a map, and so does Event.Sync's panic on
// unknown experiments; so the other read must equal some sequential read,
// not necessarily the first. Old-format traces are not reread: only their
// outcome is compared (see differs).
func (r *traceReads) matchSequential(ctx context.Context, name string, data []byte) {
	if oldTraceFormat(data) {
		return
	}
	for i := 0; i < 8 && r.diff() != ""; i++ {
		seq, seqErr := Read(ctx, name, bytes.NewReader(data), Options{Parallelism: 1})
		if alt := (traceReads{seq: seq, seqErr: seqErr, par: r.par, parErr: r.parErr}); alt.diff() == "" {
			r.seq, r.seqErr, r.seqVaried = seq, seqErr, true
		}
	}
}

// oldTraceFormat reports whether data is a trace of a format before Go
// 1.22 that x/exp/trace reads. It reads those whole and not
// deterministically: events of the same time come in a map's order, and
// of several faults it may name any (a kept Go 1.21 input gives either of
// two messages, one read in six the second). Two reads of one can only be
// compared by outcome.
func oldTraceFormat(data []byte) bool {
	minor, ok := traceVersion(data)
	return ok && minor < 22 && traceFormatRead(minor)
}

// differs describes how the reads differ, as far as x/exp/trace lets two
// reads of data be compared (see oldTraceFormat), "" when they agree.
func (r traceReads) differs(data []byte) string {
	if !oldTraceFormat(data) {
		return r.diff()
	}
	if (r.seqErr == nil) != (r.parErr == nil) {
		return fmt.Sprintf("old-format trace: sequential err %v, other err %v", r.seqErr, r.parErr)
	}
	return ""
}

// diff describes how the two reads differ, "" when they gave the same
// snapshots or the same error.
func (r traceReads) diff() string {
	if (r.seqErr == nil) != (r.parErr == nil) || r.seqErr != nil && sameBadStack(r.seqErr.Error()) != sameBadStack(r.parErr.Error()) {
		return fmt.Sprintf("sequential err %v, parallel err %v", r.seqErr, r.parErr)
	}
	return firstDiff(reflect.ValueOf(r.seq), reflect.ValueOf(r.par), "snapshots")
}

// badStackNumber is the fault x/exp/trace names when a generation holds
// several bad stacks (generation.go, validateStackStrings): it checks them
// in a map's order and names the first bad frame it meets, an unknown PC
// or a missing function or file name, so two reads of the same input may
// name different stacks and faults.
var badStackNumber = regexp.MustCompile(`found (unknown pc [0-9a-f]+|invalid (func|file) string ID [0-9]+) for stack [0-9]+`)

// badExperimentIndex is the panic of x/exp/trace's Event.Sync on a sync
// whose generation holds batches of unknown experiments: it ranges over
// them as a map does, so the index it fails on varies from read to read.
var badExperimentIndex = regexp.MustCompile(`(panicked in golang\.org/x/exp/trace\.Event\.Sync: runtime error: index out of range )\[[0-9]+\]`)

// sameBadStack makes errors that differ only in which bad stack they name,
// or which unknown experiment Event.Sync fails on, compare equal.
func sameBadStack(msg string) string {
	msg = badExperimentIndex.ReplaceAllString(msg, "${1}[N]")
	return badStackNumber.ReplaceAllLiteralString(msg, "found a bad frame for stack N")
}

// check fails t unless both reads gave the same snapshots or the same
// error.
func (r traceReads) check(t testing.TB) {
	t.Helper()
	if d := r.diff(); d != "" {
		t.Fatalf("parallel read differs from the sequential one: %s", d)
	}
}

// crossGenerationChecks are the errors of x/exp/trace's reader that only
// one reader of the whole trace can raise: checks of a generation's
// statuses against the generations before it, which readers of single
// generations cannot make and the summary cannot make for them either
// (the public API folds raw P statuses into fewer states, and shows
// neither threads nor sequence numbers). "failed to advance" is one when
// the reader of the generation alone advanced: it reads the same batches,
// so only the state carried from before can have stopped the other.
var crossGenerationChecks = []string{
	"inconsistent status for proc",
	"inconsistent thread for syscalling goroutine",
	"stole proc from non-existent thread",
	"failed to find sched context for proc",
	"failed to advance",
}

// lostCheck reports whether the reads differ only because the sequential
// one ended on a check across generations (crossGenerationChecks) that
// the parallel one does not make: the parallel one then read on, without
// an error, over at least as many generations.
func (r traceReads) lostCheck() bool {
	if r.onlyReasonDiffers() {
		return true
	}
	if r.parErr != nil || len(r.par) != 1 || len(r.par[0].Warnings) != 0 {
		return false
	}
	var msg string
	switch {
	case r.seqErr != nil:
		msg = r.seqErr.Error()
	case len(r.seq) == 1 && len(r.seq[0].Warnings) == 1 && r.par[0].Timeline.Generations >= r.seq[0].Timeline.Generations:
		msg = r.seq[0].Warnings[0].Message
	default:
		return false
	}
	for _, c := range crossGenerationChecks {
		if strings.Contains(msg, c) {
			return true
		}
	}
	return false
}

// corruptReason is the reason a corruption warning gives for where the
// trace breaks.
var corruptReason = regexp.MustCompile(`(is corrupt at or before byte [0-9]+) \(.*?\); kept`)

// onlyReasonDiffers reports whether both reads kept the same and warned
// of the same break, giving different reasons for it. A parallel read
// re-reads the generations from the one before the break sequentially,
// without the state of those before it: in a generation broken in more
// than one way, which fault x/exp/trace meets first can depend on that
// state (a P it knows of or not), though the bytes kept and lost are the
// same.
func (r traceReads) onlyReasonDiffers() bool {
	if r.seqErr != nil || r.parErr != nil || len(r.seq) != 1 || len(r.par) != 1 ||
		len(r.seq[0].Warnings) != 1 || len(r.par[0].Warnings) != 1 {
		return false
	}
	same := func(snap *Snapshot) *Snapshot {
		c := *snap
		w := c.Warnings[0]
		w.Message = corruptReason.ReplaceAllString(w.Message, "$1 (reason); kept")
		c.Warnings = []Warning{w}
		return &c
	}
	seq, par := same(r.seq[0]), same(r.par[0])
	return r.seq[0].Warnings[0].Message != r.par[0].Warnings[0].Message &&
		firstDiff(reflect.ValueOf(seq), reflect.ValueOf(par), "snapshot") == ""
}

// checkCorrupt is check for a corrupted trace: the reads may differ where
// the sequential one found the trace inconsistent across generations.
func (r traceReads) checkCorrupt(t testing.TB) (lost bool) {
	t.Helper()
	d := r.diff()
	if d == "" {
		return false
	}
	if r.lostCheck() {
		t.Logf("differs only by a check across generations that the parallel read does not make: %s", d)
		return true
	}
	t.Fatalf("parallel read differs from the sequential one: %s", d)
	return false
}

// ranParallel reports whether the parallel reader read the input, without
// giving way to a sequential read.
func (r traceReads) ranParallel() bool { return r.parallel && len(r.fallbacks) == 0 }

// firstDiff describes the first difference between a and b, "" when there
// is none, following pointers like reflect.DeepEqual.
func firstDiff(a, b reflect.Value, path string) string {
	type visit struct{ a, b uintptr }
	seen := map[visit]bool{}
	var diff func(a, b reflect.Value, path string) string
	diff = func(a, b reflect.Value, path string) string {
		if a.IsValid() != b.IsValid() || a.IsValid() && a.Type() != b.Type() {
			return path + ": kinds differ"
		}
		if !a.IsValid() {
			return ""
		}
		switch a.Kind() {
		case reflect.Pointer:
			if a.IsNil() || b.IsNil() {
				if a.IsNil() != b.IsNil() {
					return fmt.Sprintf("%s: nil %v vs %v", path, a.IsNil(), b.IsNil())
				}
				return ""
			}
			v := visit{a.Pointer(), b.Pointer()}
			if seen[v] {
				return ""
			}
			seen[v] = true
			return diff(a.Elem(), b.Elem(), path)
		case reflect.Struct:
			if a.Type() == reflect.TypeOf(time.Time{}) {
				if !reflect.DeepEqual(a.Interface(), b.Interface()) {
					return fmt.Sprintf("%s: %v vs %v", path, a.Interface(), b.Interface())
				}
				return ""
			}
			for i := range a.NumField() {
				if d := diff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
					return d
				}
			}
		case reflect.Slice, reflect.Array:
			if a.Len() != b.Len() {
				return fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
			}
			for i := range a.Len() {
				if d := diff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
					return d
				}
			}
		case reflect.Map:
			if a.Len() != b.Len() {
				return fmt.Sprintf("%s: %d vs %d entries", path, a.Len(), b.Len())
			}
			for _, k := range a.MapKeys() {
				if d := diff(a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); d != "" {
					return d
				}
			}
		case reflect.Interface:
			if a.IsNil() || b.IsNil() {
				if a.IsNil() != b.IsNil() {
					return path + ": nil interface on one side"
				}
				return ""
			}
			return diff(a.Elem(), b.Elem(), path)
		default:
			if !reflect.DeepEqual(valueOf(a), valueOf(b)) {
				return fmt.Sprintf("%s: %v vs %v", path, valueOf(a), valueOf(b))
			}
		}
		return ""
	}
	return diff(a, b, path)
}

// valueOf returns what a plain (possibly unexported) value holds.
func valueOf(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	}
	return v.Kind().String()
}

// multiGenTraces returns the cases with at least three generations, the
// ones where parallel reading, cuts and corruption matter.
func multiGenTraces(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, path := range parallelTraceCases(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		minor, ok := traceVersion(data)
		if !ok || minor < 22 || !traceFormatRead(minor) {
			continue
		}
		lay, err := walkTrace(context.Background(), bytes.NewReader(data), int64(len(data)), minor)
		if err == nil && len(lay.gens) >= 3 && lay.why == nil {
			out[path] = data
		}
	}
	if len(out) == 0 {
		t.Skip("no trace with three generations or more")
	}
	return out
}

// TestReadTraceParallelSame reads every fixture and corpus trace with the
// parallel reader forced on, with 2 and 5 decoders: the snapshots (timeline,
// goroutines, warnings) or errors are the sequential reader's, and the
// whole traces of several generations are read without giving way.
func TestReadTraceParallelSame(t *testing.T) {
	parallel := 0
	for _, path := range parallelTraceCases(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{2, 5} {
			t.Run(fmt.Sprintf("%s/%d", path, workers), func(t *testing.T) {
				r := readBothWays(context.Background(), path, data, workers)
				if d := r.differs(data); d != "" {
					t.Fatalf("parallel read differs from the sequential one: %s", d)
				}
				minor, _ := traceVersion(data)
				if minor < 22 && r.parallel {
					t.Errorf("a trace of go 1.%d was split (fallbacks %v)", minor, r.fallbacks)
				}
				if minor < 22 || r.seqErr != nil || r.seq[0].Timeline.Generations < 2 || len(r.seq[0].Warnings) > 0 {
					return
				}
				if !r.ranParallel() {
					t.Errorf("a whole trace of %d generations gave way to a sequential read: %v", r.seq[0].Timeline.Generations, r.fallbacks)
				}
				parallel++
			})
		}
	}
	t.Logf("%d reads in parallel matched the sequential ones", parallel)
	if parallel == 0 {
		t.Error("no trace was read in parallel")
	}
}

// cutPoints returns where to cut a trace: evenly spread, and around the
// boundaries of a sample of its generations (on one, a byte either side,
// inside the next batch header).
func cutPoints(data []byte, lay traceLayout) []int {
	var cuts []int
	for i := 1; i < 12; i++ {
		cuts = append(cuts, len(data)*i/12)
	}
	step := max(len(lay.gens)/8, 1)
	for i := 0; i < len(lay.gens); i += step {
		g := lay.gens[i]
		for _, d := range []int64{-1, 0, 1, 3} {
			if c := int(g.end + d); c > traceHeaderSize && c < len(data) {
				cuts = append(cuts, c)
			}
		}
	}
	slices.Sort(cuts)
	return slices.Compact(cuts)
}

// TestReadTraceParallelCut cuts multi-generation traces at many places: the
// parallel read keeps the same complete generations, events and warning as
// the sequential one (or fails the same way).
func TestReadTraceParallelCut(t *testing.T) {
	ran := 0
	for path, data := range multiGenTraces(t) {
		minor, _ := traceVersion(data)
		lay, _ := walkTrace(context.Background(), bytes.NewReader(data), int64(len(data)), minor)
		for _, cut := range cutPoints(data, lay) {
			t.Run(fmt.Sprintf("%s@%d", filepath.Base(path), cut), func(t *testing.T) {
				r := readBothWays(context.Background(), "cut.trace", data[:cut], 2)
				r.check(t)
				if r.ranParallel() {
					ran++
				}
			})
		}
	}
	t.Logf("%d cut traces read in parallel matched", ran)
	if ran == 0 {
		t.Error("no cut trace was read in parallel")
	}
}

// corruptions says where and how to damage a trace: headers of a sample of
// generations (bit and byte flips), the middle of their data (a run of
// flipped bytes), the last byte, and spread through the file.
func corruptions(data []byte, lay traceLayout) []corruption {
	var out []corruption
	step := max(len(lay.gens)/8, 1)
	for i := 0; i < len(lay.gens); i += step {
		g := lay.gens[i]
		for _, d := range []int64{0, 1, 2} {
			out = append(out, corruption{int(g.start + d), 1, 0x01}, corruption{int(g.start + d), 1, 0xff})
		}
		out = append(out, corruption{int(g.start+g.end) / 2, 64, 0xa5})
	}
	out = append(out, corruption{len(data) - 1, 1, 0xff})
	for i := 1; i < 8; i++ {
		out = append(out, corruption{len(data) * i / 8, 1, 0x10}, corruption{len(data) * i / 8, 64, 0xa5})
	}
	return out
}

// corruption is n bytes from at xored with mask.
type corruption struct {
	at, n int
	mask  byte
}

func (c corruption) apply(data []byte) []byte {
	bad := slices.Clone(data)
	for i := c.at; i < min(c.at+c.n, len(bad)); i++ {
		bad[i] ^= c.mask
	}
	return bad
}

// TestReadTraceParallelCorrupt damages multi-generation traces, in batch
// headers and in their data: the parallel read gives the sequential one's
// snapshots and warnings or its error, and never panics; the exception is
// a trace that only a reader of the whole can find inconsistent across
// generations (crossGenerationChecks), which is counted.
func TestReadTraceParallelCorrupt(t *testing.T) {
	var lost, parallel, fellBack, n int
	for path, data := range multiGenTraces(t) {
		minor, _ := traceVersion(data)
		lay, _ := walkTrace(context.Background(), bytes.NewReader(data), int64(len(data)), minor)
		for _, c := range corruptions(data, lay) {
			t.Run(fmt.Sprintf("%s@%d/%d^%x", filepath.Base(path), c.at, c.n, c.mask), func(t *testing.T) {
				r := readBothWays(context.Background(), "bad.trace", c.apply(data), 2)
				noPanicOfOurs(t, r.parErr)
				for _, err := range r.fallbacks {
					noPanicOfOurs(t, err)
				}
				if r.checkCorrupt(t) {
					lost++
				}
				n++
				switch {
				case r.ranParallel():
					parallel++
				case r.parallel:
					fellBack++
				}
			})
		}
	}
	t.Logf("%d corrupted traces: %d read in parallel, %d gave way to a sequential read, %d differed only by the lost checks across generations", n, parallel, fellBack, lost)
}

// noPanicOfOurs fails t when err is a panic outside x/exp/trace.
func noPanicOfOurs(t testing.TB, err error) {
	t.Helper()
	var p *TracePanic
	if errors.As(err, &p) && !strings.HasPrefix(p.Func, "golang.org/x/exp/trace") {
		t.Fatalf("panic in our code: %v", p)
	}
}

// FuzzReadTraceParallel reads arbitrary traces both ways, the parallel
// reader forced on: the results are the same, save where the sequential
// read found the trace inconsistent across generations (lostCheck); no
// panic of ours is hidden by a parallel read giving way to a sequential one.
func FuzzReadTraceParallel(f *testing.F) {
	for _, b := range smallTraces(f, 64<<10) {
		if minor, ok := traceVersion(b); ok && minor >= 22 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r := readBothWays(ctx, "fuzz.trace", data, 2)
		noPanicOfOurs(t, r.seqErr)
		noPanicOfOurs(t, r.parErr)
		for _, err := range r.fallbacks {
			noPanicOfOurs(t, err)
		}
		if minor, _ := traceVersion(data); minor < 22 && r.parallel {
			t.Fatalf("a trace of go 1.%d was split", minor)
		}
		if d := r.differs(data); d != "" && !r.lostCheck() {
			t.Fatalf("parallel read differs from the sequential one: %s", d)
		}
	})
}

// cancellingReaderAt cancels a context once a decoder's read (not the
// walk over batch headers, which reads a few bytes at a time) reaches past
// at.
type cancellingReaderAt struct {
	r      *bytes.Reader
	at     int64
	cancel context.CancelFunc
}

func (c *cancellingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if len(p) > traceBatchHeaderMax && off+int64(len(p)) > c.at {
		c.cancel()
	}
	return c.r.ReadAt(p, off)
}

// TestReadTraceParallelCancel cancels parallel reads before they start and
// while decoders read: the read returns the context's error naming the
// input, and no goroutine it started outlives it.
func TestReadTraceParallelCancel(t *testing.T) {
	for path, data := range multiGenTraces(t) {
		for _, at := range []int64{0, int64(len(data)) / 3, int64(len(data)) * 2 / 3} {
			t.Run(fmt.Sprintf("%s@%d", filepath.Base(path), at), func(t *testing.T) {
				before := runtime.NumGoroutine()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				r := &cancellingReaderAt{r: bytes.NewReader(data), at: at, cancel: cancel}
				if at == 0 {
					cancel()
				}
				ran := false
				cfg := traceSplit{workers: 3, onParallel: func() { ran = true }}
				_, err := readTraceSplit(ctx, "c.trace", r, int64(len(data)), Options{}, cfg)
				var ie *InputError
				if !errors.Is(err, context.Canceled) || !errors.As(err, &ie) || ie.Name != "c.trace" {
					t.Fatalf("err = %v, want context.Canceled naming c.trace (parallel %v)", err, ran)
				}
				if ran != (at > 0) {
					t.Errorf("decoders ran: %v", ran)
				}
				// Goroutines that exited may take a moment to be gone from
				// the count; ours must not be waiting on anything.
				deadline := time.Now().Add(2 * time.Second)
				for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				if n := runtime.NumGoroutine(); n > before {
					t.Errorf("%d goroutines before, %d after", before, n)
				}
			})
		}
	}
}

// damageSeeds are the Go 1.22+ traces of several generations a damage
// fuzzer patches: small enough to read many times a second.
func damageSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, b := range smallTraces(tb, 64<<10) {
		minor, ok := traceVersion(b)
		if !ok || minor < 22 || !traceFormatRead(minor) {
			continue
		}
		if lay, err := walkTrace(context.Background(), bytes.NewReader(b), int64(len(b)), minor); err == nil && len(lay.gens) >= 2 {
			out = append(out, b)
		}
	}
	return out
}

// FuzzReadTraceParallelDamage patches a real multi-generation trace (seed
// picks it, at where, patch what) and reads it both ways: arbitrary bytes
// mostly break a trace at its header, but a patch inside a trace of
// several generations reaches the decoders, the cross-generation checks
// and the fallbacks. The results are the same, save where the sequential
// read found the trace inconsistent across generations (lostCheck).
func FuzzReadTraceParallelDamage(f *testing.F) {
	seeds := damageSeeds(f)
	if len(seeds) == 0 {
		f.Skip("no small multi-generation traces (fixtures or corpus)")
	}
	for i, b := range seeds {
		f.Add(uint8(i), uint32(len(b)/2), []byte{0x01})
		f.Add(uint8(i), uint32(traceHeaderSize), []byte{0xff, 0x00})
		f.Add(uint8(i), uint32(len(b)-1), []byte{})
	}
	f.Fuzz(func(t *testing.T, seed uint8, at uint32, patch []byte) {
		data := slices.Clone(seeds[int(seed)%len(seeds)])
		if len(patch) == 0 {
			data = data[:int(at)%len(data)] // a cut
		} else {
			pos := traceHeaderSize + int(at)%max(len(data)-traceHeaderSize, 1)
			data = append(data[:pos], append(slices.Clone(patch), data[min(pos+len(patch), len(data)):]...)...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r := readBothWays(ctx, "fuzz.trace", data, 2)
		noPanicOfOurs(t, r.seqErr)
		noPanicOfOurs(t, r.parErr)
		for _, err := range r.fallbacks {
			noPanicOfOurs(t, err)
		}
		if minor, _ := traceVersion(data); minor < 22 && r.parallel {
			t.Fatalf("a trace of go 1.%d was split", minor)
		}
		if d := r.differs(data); d != "" && !r.lostCheck() {
			t.Fatalf("parallel read differs from the sequential one: %s", d)
		}
	})
}

// TestReadTraceParallelBadStatus is a case the damage fuzzer found: a
// patch turns a goroutine's status in the second generation into the
// runtime's "bad" one. One reader of the whole trace refuses it
// (inconsistent status); the recorder drops such a transition, so the
// parallel reader must give way rather than read on.
func TestReadTraceParallelBadStatus(t *testing.T) {
	path := filepath.Join(traceCorpusDir(t), "golang-go-testdata", "v2-binary-reencoded", "go122-task-across-generations.trace")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	patch := []byte{0xc2, 0x8d, 0x92, 0xe7}
	bad := append(slices.Clone(data[:105]), append(patch, data[105+len(patch):]...)...)
	r := readBothWays(context.Background(), "bad.trace", bad, 2)
	r.check(t)
	if len(r.seq) != 1 || len(r.seq[0].Warnings) != 1 || !strings.Contains(r.seq[0].Warnings[0].Message, "inconsistent status for goroutine 1") {
		t.Fatalf("sequential read: %v %v, want a warning of an inconsistent status", r.seq, r.seqErr)
	}
	if !r.parallel || len(r.fallbacks) != 1 {
		t.Errorf("parallel %v, fallbacks %v; want one", r.parallel, r.fallbacks)
	}
}

// TestChunksForRoom checks the room a generation's decoder has ahead of the
// summary: some for the smallest generation, about two thirds of the
// records a generation is expected to make, and never more than 256 MiB.
func TestChunksForRoom(t *testing.T) {
	const chunkBytes = traceChunkSlots * 24
	for _, tc := range []struct {
		name     string
		bytes    int64
		min, max int64 // room in packed bytes
	}{
		{"tiny", 100, chunkBytes, 2 * chunkBytes},
		{"tracegen's 27 MB", 27e6, 27e6 * 6 * 0.6, 27e6 * 6 * 0.7},
		{"huge", 4e9, 255 << 20, 256 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &traceParallel{lay: traceLayout{gens: []traceGen{{start: 1000, end: 1000 + tc.bytes}}}}
			room := int64(p.chunksFor(0)) * chunkBytes
			if room < tc.min || room > tc.max {
				t.Errorf("room %d MiB, want %d to %d MiB", room>>20, tc.min>>20, tc.max>>20)
			}
		})
	}
}

// TestOnlyReasonDiffers checks the comparison lets two reads differ in the
// reason for a break and in nothing else.
func TestOnlyReasonDiffers(t *testing.T) {
	snap := func(msg string, gens int) []*Snapshot {
		return []*Snapshot{{Warnings: []Warning{{Message: msg}}, Timeline: &Timeline{Generations: gens}}}
	}
	const a = "execution trace, go 1.25 format is corrupt at or before byte 191 (found event without a timestamp: type=1); kept 2 complete generation(s)"
	const b = "execution trace, go 1.25 format is corrupt at or before byte 191 (event ProcStop for proc (-1) that doesn't exist); kept 2 complete generation(s)"
	const other = "execution trace, go 1.25 format is corrupt at or before byte 177 (event ProcStop for proc (-1) that doesn't exist); kept 2 complete generation(s)"
	for _, tc := range []struct {
		name string
		r    traceReads
		want bool
	}{
		{"reasons differ", traceReads{seq: snap(a, 2), par: snap(b, 2)}, true},
		{"same", traceReads{seq: snap(a, 2), par: snap(a, 2)}, false},
		{"break elsewhere", traceReads{seq: snap(a, 2), par: snap(other, 2)}, false},
		{"kept differs", traceReads{seq: snap(a, 2), par: snap(b, 3)}, false},
		{"error", traceReads{seq: snap(a, 2), parErr: errors.New("x")}, false},
	} {
		if got := tc.r.onlyReasonDiffers(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSameBadStack: faults x/exp/trace picks in map order compare equal,
// other differences do not.
func TestSameBadStack(t *testing.T) {
	const sync = "trace reader panicked in golang.org/x/exp/trace.Event.Sync: runtime error: index out of range [%d] with length 2"
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{fmt.Sprintf(sync, 49), fmt.Sprintf(sync, 24), true},
		{fmt.Sprintf(sync, 49), strings.Replace(fmt.Sprintf(sync, 49), "length 2", "length 3", 1), false},
		{"found unknown pc 4a1b2c for stack 7", "found invalid func string ID 12 for stack 3", true},
		{"found unknown pc 4a1b2c for stack 7", "unexpected EOF", false},
		{"trace reader panicked in golang.org/x/exp/trace.(*Reader).ReadEvent: runtime error: index out of range [3] with length 2",
			"trace reader panicked in golang.org/x/exp/trace.(*Reader).ReadEvent: runtime error: index out of range [4] with length 2", false},
	} {
		if got := sameBadStack(tc.a) == sameBadStack(tc.b); got != tc.same {
			t.Errorf("%q and %q: same %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}
