package parse

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Wire-format values of the Go 1.22+ trace format (x/exp/trace's
// internal/tracev2), needed to find generations without decoding them.
const (
	traceEvEventBatch        = 1  // a batch of one M's events
	traceEvExperimentalBatch = 49 // a batch of an experiment's data
	traceEvEndOfGeneration   = 52 // Go 1.26+: a one-byte batch closing a generation
	traceMaxBatchSize        = 64 << 10
	traceHeaderSize          = 16 // "go 1.NN trace\x00\x00\x00"
	traceBatchHeaderMax      = 2 + 4*binary.MaxVarintLen64
)

// traceGen is where one generation of a Go 1.22+ trace lies in its file.
type traceGen struct {
	start, end int64 // its batches, from the first byte of the first to the end of the last
	// consumed is how far a sequential trace.Reader has read once it has
	// read this generation: end for Go 1.26+ (the end-of-generation
	// batch is part of it), the end of the next generation's first batch
	// before Go 1.26 (the reader finds a generation's end by reading one
	// batch too many), or end at the end of the file.
	consumed int64
}

// traceLayout is the generations of a trace file found by walking its batch
// headers, skipping the batches' data.
type traceLayout struct {
	gens []traceGen // the generations that are whole as far as their framing shows
	// tail is where the whole generations stop: the file size when the
	// trace ends cleanly after its last generation, else the start of the
	// generation in which the walk found a cut or malformed batch.
	tail int64
	// why says what stopped the walk before the end of the file; nil
	// when tail is the file size.
	why error
}

// errTraceFraming is wrapped by what stops a walk over batch headers.
var errTraceFraming = errors.New("malformed batch framing")

// walkTrace finds the generations of a Go 1.22+ trace (format minor) held
// in r, of size bytes, header included, by reading only batch headers. It
// does not validate the batches: a generation whose framing is whole may
// still fail to decode. A framing error is not an error of walkTrace; it
// ends the layout early (traceLayout.why).
func walkTrace(ctx context.Context, r io.ReaderAt, size int64, minor int) (traceLayout, error) {
	w := traceWalker{r: r, size: size, eog: minor >= 26, off: traceHeaderSize}
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return traceLayout{}, err
			}
		}
		done, err := w.step()
		if err != nil {
			var re *traceFileError
			if errors.As(err, &re) {
				return traceLayout{}, re.err
			}
			return w.layout(err), nil
		}
		if done {
			return w.layout(nil), nil
		}
	}
}

// traceFileError is a failure to read the file, as opposed to a framing
// error in what was read.
type traceFileError struct{ err error }

func (e *traceFileError) Error() string { return e.err.Error() }

// traceWalker is the state of one walk over batch headers.
type traceWalker struct {
	r    io.ReaderAt
	size int64
	eog  bool // generations end with an end-of-generation batch (Go 1.26+)
	off  int64
	gens []traceGen

	open      bool   // a generation has started and not ended
	gen       uint64 // its number
	genStart  int64
	firstDone bool // before Go 1.26: the previous generation's consumed awaits this one's first batch
	buf       [traceBatchHeaderMax]byte
}

// layout ends the walk; why is what stopped it early, nil at a clean end.
func (w *traceWalker) layout(why error) traceLayout {
	if why == nil && w.open && !w.eog {
		// Before Go 1.26 the last generation ends with the file.
		w.close(w.size, w.size)
	}
	l := traceLayout{gens: w.gens, tail: w.size, why: why}
	if why != nil || w.open {
		l.tail = w.tailStart()
		if why == nil {
			l.why = fmt.Errorf("the last generation has no end-of-generation batch: %w", errTraceFraming)
		}
	}
	if !w.eog && len(l.gens) > 0 && l.gens[len(l.gens)-1].consumed == 0 {
		// The generation after the last whole one broke before its
		// first batch was whole: a sequential reader stops where it broke.
		l.gens[len(l.gens)-1].consumed = w.off
	}
	return l
}

// tailStart is where the whole generations end.
func (w *traceWalker) tailStart() int64 {
	if w.open {
		return w.genStart
	}
	if n := len(w.gens); n > 0 {
		return w.gens[n-1].end
	}
	return traceHeaderSize
}

// close ends the open generation at end; consumed is what a sequential
// reader has read by then, 0 when not yet known.
func (w *traceWalker) close(end, consumed int64) {
	w.gens = append(w.gens, traceGen{start: w.genStart, end: end, consumed: consumed})
	w.open = false
}

// step reads one batch header and skips its data. It reports done at a
// clean end of the file.
func (w *traceWalker) step() (done bool, err error) {
	if w.off == w.size {
		return true, nil
	}
	head := w.buf[:min(int64(len(w.buf)), w.size-w.off)]
	if _, err := w.r.ReadAt(head, w.off); err != nil && err != io.EOF {
		return false, &traceFileError{err}
	}
	if head[0] == traceEvEndOfGeneration && w.eog {
		if !w.open {
			return false, fmt.Errorf("end of an empty generation at byte %d: %w", w.off, errTraceFraming)
		}
		w.off++
		w.close(w.off, w.off)
		return false, nil
	}
	gen, size, n, err := parseBatchHeader(head)
	if err != nil {
		return false, fmt.Errorf("byte %d: %w", w.off, err)
	}
	end := w.off + int64(n) + int64(size)
	if end > w.size {
		return false, fmt.Errorf("batch at byte %d is cut: %w", w.off, errTraceFraming)
	}
	if err := w.batch(gen, end); err != nil {
		return false, err
	}
	w.off = end
	return false, nil
}

// batch accounts for a whole batch of generation gen ending at end.
func (w *traceWalker) batch(gen uint64, end int64) error {
	switch {
	case gen == 0:
		return fmt.Errorf("batch at byte %d of generation 0: %w", w.off, errTraceFraming)
	case !w.open:
		w.open, w.gen, w.genStart = true, gen, w.off
	case gen == w.gen:
	case !w.eog && gen == w.gen+1:
		// Before Go 1.26 a batch of the next generation ends this one.
		w.close(w.off, 0)
		w.open, w.gen, w.genStart = true, gen, w.off
	default:
		return fmt.Errorf("batch at byte %d of generation %d inside generation %d: %w", w.off, gen, w.gen, errTraceFraming)
	}
	if !w.eog && len(w.gens) > 0 && w.gens[len(w.gens)-1].consumed == 0 {
		w.gens[len(w.gens)-1].consumed = end
	}
	return nil
}

// parseBatchHeader reads a batch header: the batch type (and experiment),
// then uvarint generation, M, timestamp and data size. It returns the
// generation, the data size and the header's length.
func parseBatchHeader(b []byte) (gen, size uint64, n int, err error) {
	switch b[0] {
	case traceEvEventBatch:
		n = 1
	case traceEvExperimentalBatch:
		n = 2
	default:
		return 0, 0, 0, fmt.Errorf("event type %d where a batch starts: %w", b[0], errTraceFraming)
	}
	var fields [4]uint64
	for i := range fields {
		if n >= len(b) {
			return 0, 0, 0, fmt.Errorf("batch header is cut: %w", errTraceFraming)
		}
		v, w := binary.Uvarint(b[n:])
		if w <= 0 {
			return 0, 0, 0, fmt.Errorf("malformed batch header: %w", errTraceFraming)
		}
		fields[i], n = v, n+w
	}
	if fields[3] > traceMaxBatchSize {
		return 0, 0, 0, fmt.Errorf("batch of %d bytes, more than %d: %w", fields[3], traceMaxBatchSize, errTraceFraming)
	}
	return fields[0], fields[3], n, nil
}
