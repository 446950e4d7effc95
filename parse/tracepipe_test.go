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
	"testing"
	"time"
)

// readPlainAndPiped reads data on one goroutine and piped, in batches of
// batch events: the piped read is kept in traceReads.par.
func readPlainAndPiped(ctx context.Context, name string, data []byte, batch int) traceReads {
	var r traceReads
	r.seq, r.seqErr = Read(ctx, name, bytes.NewReader(data), Options{Parallelism: 1})
	r.par, r.parErr = Read(ctx, name, bytes.NewReader(data), Options{Parallelism: 2, traceBatch: batch})
	r.matchSequential(ctx, name, data)
	return r
}

// pipeBatchSizes are the batch sizes the piped read is checked with: one
// event, a few (a batch boundary next to most events), and the default.
var pipeBatchSizes = []int{1, 7, 0}

// TestReadTracePipedSame reads every fixture and corpus trace, and every
// multi-generation one cut and damaged, on one goroutine and piped: the
// snapshots (timeline, goroutines, warnings, the offsets they name) or the
// errors are the same.
func TestReadTracePipedSame(t *testing.T) {
	type input struct {
		name string
		data []byte
	}
	var inputs []input
	for _, path := range parallelTraceCases(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{path, data})
	}
	for path, data := range multiGenTraces(t) {
		minor, _ := traceVersion(data)
		lay, _ := walkTrace(context.Background(), bytes.NewReader(data), int64(len(data)), minor)
		for _, cut := range cutPoints(data, lay) {
			inputs = append(inputs, input{fmt.Sprintf("%s@%d", filepath.Base(path), cut), data[:cut]})
		}
		for _, c := range corruptions(data, lay) {
			inputs = append(inputs, input{fmt.Sprintf("%s@%d/%d^%x", filepath.Base(path), c.at, c.n, c.mask), c.apply(data)})
		}
	}
	before := runtime.NumGoroutine()
	var warned, failed int
	for _, in := range inputs {
		for _, batch := range pipeBatchSizes {
			if batch > 0 && len(in.data) > 4<<20 {
				continue // small batches on the big ones only add time
			}
			t.Run(fmt.Sprintf("%s/batch%d", in.name, batch), func(t *testing.T) {
				r := readPlainAndPiped(context.Background(), in.name, in.data, batch)
				if d := r.differs(in.data); d != "" {
					t.Fatalf("piped read differs from the plain one: %s", d)
				}
				noPanicOfOurs(t, r.parErr)
				switch {
				case r.parErr != nil:
					failed++
				case len(r.par[0].Warnings) > 0:
					warned++
				}
			})
		}
	}
	t.Logf("%d inputs read in %d batch sizes: %d piped reads gave a warning, %d an error, each the same as the plain read", len(inputs), len(pipeBatchSizes), warned, failed)
	if warned == 0 || failed == 0 {
		t.Errorf("the damaged inputs gave %d warnings and %d errors: the comparison did not reach a broken trace", warned, failed)
	}
	// No decoder outlives its read, whole, cut or broken.
	waitGoroutines(t, before)
}

// waitGoroutines fails t if more than before goroutines are left once
// those that exited are gone from the count, which may take a moment.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after", before, n)
	}
}

// cancellingReader cancels a context once more than at bytes were read
// through it.
type cancellingReader struct {
	r      io.Reader
	n, at  int64
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.n+int64(len(p)) > c.at {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestReadTracePipedCancel cancels piped reads before they start and while
// the decoder reads, with batches of one event (the summary sees the
// cancellation between any two) and of the default size: the read returns
// the context's error naming the input, and the decoding goroutine does not
// outlive it.
func TestReadTracePipedCancel(t *testing.T) {
	for path, data := range multiGenTraces(t) {
		for _, at := range []int64{0, int64(len(data)) / 3, int64(len(data)) * 2 / 3} {
			for _, batch := range []int{1, 0} {
				t.Run(fmt.Sprintf("%s@%d/batch%d", filepath.Base(path), at, batch), func(t *testing.T) {
					before := runtime.NumGoroutine()
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					if at == 0 {
						cancel()
					}
					r := &cancellingReader{r: bytes.NewReader(data), at: at, cancel: cancel}
					_, err := Read(ctx, "c.trace", r, Options{Parallelism: 2, traceBatch: batch})
					var ie *InputError
					if !errors.Is(err, context.Canceled) || !errors.As(err, &ie) || ie.Name != "c.trace" {
						t.Fatalf("err = %v, want context.Canceled naming c.trace", err)
					}
					if ie.Offset < 0 || ie.Offset > int64(len(data)) {
						t.Errorf("offset %d, want a place in the trace", ie.Offset)
					}
					// The feed itself, below readTrace (which reports the
					// context's error whatever the feed returned): the
					// cancel is an error of its own, not a panic.
					checkPipedFeedCancel(t, data, at, batch)
					waitGoroutines(t, before)
				})
			}
		}
	}
}

// checkPipedFeedCancel runs a piped feed over data with the context
// cancelled once at bytes were read (at 0: once the reader has read the
// header, before the first event): it must stop with the context's error
// (or read to the end first), never with a panic of its own.
func checkPipedFeedCancel(t *testing.T, data []byte, at int64, batch int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	minor, _ := traceVersion(data)
	src := io.Reader(bytes.NewReader(data))
	if at > 0 {
		src = &cancellingReader{r: src, at: at, cancel: cancel}
	}
	feed := newTraceFeed(ctx, src, 0, Options{Parallelism: 2, traceBatch: batch})
	rd, err := newTraceReader(feed.buf)
	if err != nil {
		t.Fatal(err)
	}
	if at == 0 {
		cancel()
	}
	err = feed.run(ctx, rd, newTraceRead("c.trace", minor, NewInterner()))
	var p *TracePanic
	if errors.As(err, &p) || err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("feed stopped with %v, want context.Canceled", err)
	}
	if pos := feed.pos(); pos < 0 || pos > int64(len(data)) {
		t.Errorf("feed stopped at %d, want a place in the trace", pos)
	}
}
