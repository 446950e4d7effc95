package parse

import (
	"context"
	"io"

	"golang.org/x/exp/trace"
)

// A piped feed reads a trace on two goroutines: one calls ReadEvent and
// copies the events into batches, the other makes records of them and
// summarises them, as the one goroutine of a plain feed does. x/exp/trace
// decoding is two thirds of a sequential read; on a second core the summary
// runs beside it, and the read takes little longer than ReadEvent alone.
// Memory stays that of a sequential read: the batches in flight hold
// 49,152 events (4.1 MiB), and x/exp/trace still holds one generation.
//
// An Event stays valid after the next ReadEvent: it points at its
// generation's tables, which the reader does not change once the
// generation's events are handed out (it only adds strings for task events,
// which the summary does not read).
const (
	pipeBatchEvents = 16384 // events per batch (1.4 MiB with their positions): a hand-off every ~1 ms
	pipeBatches     = 3     // batches in flight
)

// eventBatch is a run of events read by a piped feed's decoding goroutine.
type eventBatch struct {
	evs []trace.Event
	// pos[i] is how far the feed had read when ReadEvent returned evs[i]:
	// what a plain feed's pos would say at that event.
	pos []int64
	// err, on the last batch, is what stopped the decoder after its
	// events: io.EOF at the end of the trace.
	err error
}

// runPiped is run on two goroutines; see the comment on pipeBatchEvents.
// When it returns the decoding goroutine has stopped, and pos says where
// the summary stopped.
func (f *traceFeed) runPiped(ctx context.Context, rd *trace.Reader, r *traceRead) (err error) {
	n := f.batch
	if n <= 0 {
		n = pipeBatchEvents
	}
	free := make(chan *eventBatch, pipeBatches)
	for range pipeBatches {
		free <- &eventBatch{evs: make([]trace.Event, 0, n), pos: make([]int64, 0, n)}
	}
	full := make(chan *eventBatch, pipeBatches)
	stop := make(chan struct{})
	go f.decode(rd, free, full, stop)
	defer func() {
		// Wait for the decoder, which may be reading ahead: nothing of
		// the feed is touched by two goroutines after this.
		close(stop)
		for range full {
		}
	}()
	// held is where the summary is, kept out of the feed while the
	// decoder runs: a write per event to the cache line the decoder
	// reads would cost them both. -1 (before the first event, or once
	// the decoder has stopped by itself): where the reader is.
	held := int64(-1)
	defer func() { f.held = held }()
	defer catchTracePanic(&err)
	defer f.flushSkipped(r)
	var rec traceRec
	for b := range full {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range b.evs {
			held = b.pos[i]
			if !f.keep(&b.evs[i], &rec) {
				continue
			}
			if rec.kind == recSync {
				rec.pos = held
			}
			f.summarise(&rec, r)
		}
		if b.err != nil {
			held = -1
			if b.err == io.EOF {
				return nil
			}
			return b.err
		}
		free <- b
	}
	return nil // not reached: the decoder's last batch has an error
}

// decode reads events into batches from free and sends them on full, until
// the trace ends, the reader fails or stop is closed; then it closes full.
func (f *traceFeed) decode(rd *trace.Reader, free <-chan *eventBatch, full chan<- *eventBatch, stop <-chan struct{}) {
	defer close(full)
	for {
		var b *eventBatch
		select {
		case b = <-free:
		case <-stop:
			return
		}
		b.err = f.fill(rd, b)
		select {
		case full <- b:
		case <-stop:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// fill reads events into b until it is full or the reader stops, and
// returns why it stopped: io.EOF at the end of the trace, a read error, or
// a panic of the trace package; the events before are kept.
func (f *traceFeed) fill(rd *trace.Reader, b *eventBatch) (err error) {
	defer catchTracePanic(&err)
	b.evs, b.pos = b.evs[:0], b.pos[:0]
	src, buf, base := f.src, f.buf, f.base
	for len(b.evs) < cap(b.evs) {
		ev, err := rd.ReadEvent()
		if err == io.EOF {
			return err
		}
		if err != nil {
			return briefTraceError(err)
		}
		b.evs = append(b.evs, ev)
		b.pos = append(b.pos, base+src.n-int64(buf.Buffered()))
	}
	return nil
}
