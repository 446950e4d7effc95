package parse

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/exp/trace"
)

// parallelTraceMin is the smallest execution trace read by several
// goroutines.
const parallelTraceMin = 64 << 20

// readTraceAt reads an execution trace held in a regular file. A Go 1.22+
// trace is split into its generations, which are decoded by
// opts.Parallelism goroutines and summarised in order by one (see
// traceParallel); any other is read as Read does.
func readTraceAt(ctx context.Context, name string, f *os.File, size int64, opts Options) ([]*Snapshot, error) {
	return readTraceSplit(ctx, name, f, size, opts, traceSplit{workers: opts.parallelism(), min: parallelTraceMin})
}

// traceSplit configures the parallel trace reader. Tests lower min to read
// small traces in parallel and watch what happens with the callbacks.
type traceSplit struct {
	workers int
	min     int64 // smallest trace read in parallel
	// onParallel, when set, is called when the decoders start;
	// onFallback is told why a parallel read gave way to a sequential
	// one.
	onParallel func()
	onFallback func(error)
}

// errTraceFallback is wrapped by the reasons a parallel read gives way to
// a sequential one.
var errTraceFallback = errors.New("read sequentially")

// readTraceSplit reads a trace of size bytes held in f, in parallel when
// it can.
func readTraceSplit(ctx context.Context, name string, f io.ReaderAt, size int64, opts Options, cfg traceSplit) ([]*Snapshot, error) {
	sequential := func() ([]*Snapshot, error) {
		return Read(ctx, name, io.NewSectionReader(f, 0, size), opts)
	}
	if cfg.workers < 2 || size < cfg.min || size < traceHeaderSize {
		return sequential()
	}
	head := make([]byte, traceHeaderSize)
	if _, err := f.ReadAt(head, 0); err != nil {
		return sequential() // Read reports it
	}
	minor, err := checkTraceHeader(head)
	if err != nil || minor < 22 {
		// Read refuses it, or reads it whole: before Go 1.22 a trace has
		// no generations and x/exp/trace parses it at once.
		return sequential()
	}
	lay, err := walkTrace(ctx, f, size, minor)
	if err != nil {
		return nil, &InputError{Name: name, Offset: -1, Err: err}
	}
	p := newTraceParallel(name, f, size, head, minor, lay, cfg.workers)
	if p.stop < 2 {
		return sequential() // at most one generation to read apart
	}
	if cfg.onParallel != nil {
		cfg.onParallel()
	}
	snaps, err := p.read(ctx)
	if errors.Is(err, errTraceFallback) {
		if cfg.onFallback != nil {
			cfg.onFallback(err)
		}
		return sequential()
	}
	return snaps, err
}

// traceParallel reads a Go 1.22+ trace whose generations are known
// (walkTrace): decoders read generations apart, each with its own
// trace.Reader over the header and that generation's bytes, turning its
// events into records and packing them (tracepack.go); the calling
// goroutine unpacks them generation after generation and summarises them
// as the sequential reader would. Generations are self-contained since Go
// 1.22 (the flight recorder relies on it), so a reader of one generation
// returns the same events as a reader of the whole trace, but for three
// things handled here:
//
//   - it starts and ends with a sync: the closing one is dropped, except
//     after the trace's last generation;
//   - it reports the goroutines' and Ps' statuses at its start as
//     transitions from GoUndetermined (or ProcUndetermined) where one
//     reader reports X to X: the summary takes both alike (a restated
//     state), and a goroutine's status must agree with the state the
//     summary has it in, as the one reader would have checked;
//   - an event not later than the one before it is moved after it only
//     within a reader: the summary restamps records (summarizer.restamp).
//
// What is lost is the rest of the one reader's checks across generations
// (P statuses, the threads of goroutines in system calls, sequence numbers
// carried over, tasks): a trace that breaks only those reads without the
// error a sequential read gives. (A goroutine status the runtime calls bad
// after the first generation, which makes no record, gives way instead.)
//
// A trace whose framing breaks (cut, or malformed batch headers) is read in
// parallel up to two generations before the break; a sequential reader of
// the rest, re-reading the first of those two only to know its state,
// carries on from there and ends with the same error and events as a
// sequential read of the whole. Any other failure (a generation that does
// not decode alone, a status that disagrees, a panic) gives way to a
// sequential read of the whole trace.
type traceParallel struct {
	name    string
	f       io.ReaderAt
	size    int64
	head    []byte
	minor   int
	lay     traceLayout
	workers int
	// stop is the number of generations read in parallel; tail, when set,
	// is the generation a sequential reader of the rest starts at (and
	// passes over).
	stop int
	tail bool

	next atomic.Int64    // the next generation to decode
	free chan []packSlot // packed-record buffers to reuse
}

func newTraceParallel(name string, f io.ReaderAt, size int64, head []byte, minor int, lay traceLayout, workers int) *traceParallel {
	p := &traceParallel{name: name, f: f, size: size, head: head, minor: minor, lay: lay, workers: workers, stop: len(lay.gens)}
	if lay.why != nil {
		// The last whole generation is read by the sequential reader of
		// the rest, after the one before it: for traces before Go 1.26
		// the break may sit in the batch that ends the last whole one.
		p.stop, p.tail = len(lay.gens)-1, true
	}
	// Room to keep every buffer that can be in flight, so that after the
	// first generations decoders allocate none: fresh buffers would make
	// the collector run often, and while it runs every pointer write of
	// the trace reader pays a write barrier.
	most := 0
	for k := range p.stop {
		most = max(most, p.chunksFor(k))
	}
	p.free = make(chan []packSlot, (workers+2)*most)
	return p
}

// traceChunkSlots is the number of packed slots at which a decoder hands a
// chunk over (384 KiB).
const traceChunkSlots = 16 << 10

// genOut is what a decoder hands over for one generation: chunks, then on
// close the trailing events that made no record, and what failed.
type genOut struct {
	chunks chan *traceChunk
	skip   uint32     // events after the last record
	last   trace.Time // time of the last of them
	err    error
}

// read runs the decoders and the summary. It returns an error wrapping
// errTraceFallback when the trace must be read sequentially instead.
func (p *traceParallel) read(ctx context.Context) ([]*Snapshot, error) {
	dctx, cancel := context.WithCancel(ctx) // the decoders'
	var wg sync.WaitGroup
	defer wg.Wait() // no decoder outlives the read
	defer cancel()
	outs := make([]*genOut, p.stop)
	for k := range outs {
		outs[k] = &genOut{chunks: make(chan *traceChunk, p.chunksFor(k))}
	}
	// A decoder takes a generation once a slot is free; the summary frees
	// one when it is done with a generation, so at most workers+1
	// generations are decoded or waiting to be summarised at once.
	slots := make(chan struct{}, p.workers+1)
	for range p.workers {
		wg.Go(func() { p.decoder(dctx, outs, slots) })
	}
	r := newTraceRead(p.name, p.minor, NewInterner())
	if err := p.summarise(dctx, r, outs, slots); err != nil {
		return nil, err
	}
	cancel()
	wg.Wait()
	stopped := p.size
	var readErr error
	if p.tail {
		stopped, readErr = p.readTail(ctx, r)
		if kept := r.sum.gen.complete(); readErr != nil && ctx.Err() == nil && kept < len(p.lay.gens) {
			// A generation whole as far as its framing shows did not
			// decode after one read only for its state: what failed may
			// be a check of state from the generations before, which
			// only a reader of the whole trace has. The sequential read
			// says what one would have kept.
			return nil, fmt.Errorf("generation %d, read after re-reading generation %d for its state: %w: %w", kept, p.stop-1, readErr, errTraceFallback)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, r.fail(stopped, err)
	}
	return r.snapshot(readErr, stopped, func() int64 { return p.size })
}

// chunksFor is the room a generation's channel has: the chunks a decoder
// may pack ahead of the summary before it waits. Two thirds of the
// generation's expected records (packedSlotsPerByte), and never more than
// 256 MiB: decoders started together then fall out of step by about half a
// generation and stay so, one summarised while the next is decoded, so
// neither waits and at most about half a generation of records waits for
// the summary. Room for the whole generation cost the same time and ~110
// MiB more memory on a 296 MB trace of 27 MB generations; half of it
// (80 MiB), 4% more time; a third (64 MiB), 10% more.
func (p *traceParallel) chunksFor(k int) int {
	g := p.lay.gens[k]
	ahead := float64(g.end-g.start) * packedSlotsPerByte * 2 / 3
	return int(min(int64(ahead)/traceChunkSlots+2, (256<<20)/(traceChunkSlots*24)))
}

// packedSlotsPerByte is how many packed slots a generation's bytes make,
// for chunksFor: 0.24 on tracegen's busy trace (nearly every event a
// goroutine transition); fewer where GC, metric or user events abound, so
// there the room is more than two thirds of a generation's records, which
// costs memory only when the summary falls behind.
const packedSlotsPerByte = 0.25

// decoder decodes generations in order of the slots it gets.
func (p *traceParallel) decoder(ctx context.Context, outs []*genOut, slots chan struct{}) {
	pk := newPacker() // reused: its tables are as large as the largest generation needs
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		k := int(p.next.Add(1) - 1)
		if k >= p.stop {
			return
		}
		p.decode(ctx, k, outs[k], pk)
	}
}

// decode reads generation k alone and hands its records over in chunks.
func (p *traceParallel) decode(ctx context.Context, k int, out *genOut, pk *packer) {
	defer close(out.chunks)
	gen := p.lay.gens[k]
	src := &traceSource{ctx: ctx, r: io.MultiReader(bytes.NewReader(p.head), io.NewSectionReader(p.f, gen.start, gen.end-gen.start))}
	pk.reset()
	pk.start(p.newChunk(gen))
	send := func() bool {
		select {
		case out.chunks <- pk.finish():
			pk.start(p.newChunk(gen))
			return true
		case <-ctx.Done():
			return false
		}
	}
	out.skip, out.last, out.err = p.decodeEvents(ctx, k, bufio.NewReaderSize(src, traceBufferSize), pk, send)
	if pk.n > 0 && out.err == nil {
		send()
	}
}

// decodeEvents packs the records of one generation's events. It returns
// the events after the last record and the time of the last of them.
func (p *traceParallel) decodeEvents(ctx context.Context, k int, r io.Reader, pk *packer, send func() bool) (skip uint32, last trace.Time, err error) {
	defer catchTracePanic(&err)
	rd, err := trace.NewReader(r)
	if err != nil {
		return 0, 0, err
	}
	final := k == len(p.lay.gens)-1 && !p.tail // the trace's own last sync closes this reader
	var rc recorder
	var rec traceRec
	syncs := 0
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, 0, err
			}
		}
		ev, err := rd.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, err
		}
		before := rc.last
		if !rc.record(&ev, &rec) {
			if rc.bad > 0 && k > 0 {
				// One reader of the whole trace refuses a bad status
				// after the first generation; this one cannot tell
				// whether the goroutine was bad before.
				return 0, 0, fmt.Errorf("generation %d: a goroutine status is bad: %w", k, errTraceFallback)
			}
			continue
		}
		if rec.kind == recSync {
			syncs++
			switch {
			case syncs == 1:
				rec.pos = p.lay.gens[k].consumed
			case syncs == 2 && final:
				rec.pos = p.size
			case syncs == 2:
				skip, last = rec.skip, before // the events before the closing sync are the generation's
				continue
			default:
				return 0, 0, fmt.Errorf("generation %d read alone holds more than one: %w", k, errTraceFallback)
			}
		}
		if syncs == 2 && !final || syncs == 0 {
			return 0, 0, fmt.Errorf("generation %d read alone has events outside it: %w", k, errTraceFallback)
		}
		pk.pack(&rec)
		if pk.n >= traceChunkSlots && !send() {
			return 0, 0, ctx.Err()
		}
	}
	if syncs != 2 {
		return 0, 0, fmt.Errorf("generation %d read alone gave %d syncs: %w", k, syncs, errTraceFallback)
	}
	if final {
		skip, last = rc.skip, rc.last
	}
	return skip, last, nil
}

// newChunk returns an empty chunk for generation g, reusing a buffer the
// summary is done with when there is one; a new one is no larger than the
// generation needs (an event takes two bytes of it at the least).
func (p *traceParallel) newChunk(g traceGen) *traceChunk {
	select {
	case b := <-p.free:
		return &traceChunk{slots: b[:0]}
	default:
		return &traceChunk{slots: make([]packSlot, 0, min(traceChunkSlots, (g.end-g.start)+2)+2)}
	}
}

// summarise folds the generations' records into r in order.
func (p *traceParallel) summarise(ctx context.Context, r *traceRead, outs []*genOut, slots chan struct{}) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %w", &TracePanic{Value: v, Func: panickingFunc()}, errTraceFallback)
		}
	}()
	for k, out := range outs {
		if err := p.summariseGen(ctx, r, k, out); err != nil {
			return err
		}
		<-slots
	}
	return nil
}

// summariseGen folds the records of generation k into r.
func (p *traceParallel) summariseGen(ctx context.Context, r *traceRead, k int, out *genOut) error {
	var u unpacker
	var rec traceRec
	for {
		var c *traceChunk
		var ok bool
		select {
		case c, ok = <-out.chunks:
		case <-ctx.Done():
			return r.fail(-1, ctx.Err())
		}
		if !ok {
			break
		}
		u.next()
		for i := 0; i < len(c.slots); {
			var ok bool
			if i, ok = u.unpack(c, c.slots, i, &rec); !ok {
				return fmt.Errorf("generation %d: %w: %w", k, errPacked, errTraceFallback)
			}
			if k > 0 && rec.kind == recGo && rec.from == uint8(trace.GoUndetermined) && !r.sum.agrees(&rec) {
				return fmt.Errorf("generation %d: goroutine %d's status disagrees with the generation before: %w", k, rec.id, errTraceFallback)
			}
			r.sum.restamp(&rec)
			r.sum.record(&rec)
		}
		p.recycle(c.slots)
	}
	if out.err != nil {
		if errors.Is(out.err, context.Canceled) || errors.Is(out.err, context.DeadlineExceeded) {
			return r.fail(-1, out.err)
		}
		return fmt.Errorf("generation %d: %w: %w", k, out.err, errTraceFallback)
	}
	r.sum.skipped(out.skip, r.sum.restampSkipped(out.skip, out.last))
	return nil
}

// recycle keeps a packed-record buffer for a decoder to reuse.
func (p *traceParallel) recycle(b []packSlot) {
	select {
	case p.free <- b:
	default:
	}
}

// readTail reads the rest of a trace whose framing breaks, sequentially,
// from the generation before the last one read in parallel, which it only
// re-reads to know its state. It returns where it stopped and what ended
// it early.
func (p *traceParallel) readTail(ctx context.Context, r *traceRead) (int64, error) {
	from := p.lay.gens[p.stop-1].start
	rest := io.MultiReader(bytes.NewReader(p.head), io.NewSectionReader(p.f, from, p.size-from))
	feed := newTraceFeed(ctx, rest, from-traceHeaderSize, Options{Parallelism: p.workers})
	feed.drop, feed.restamp = 1, true
	rd, err := newTraceReader(feed.buf)
	if err != nil {
		return feed.pos(), err
	}
	err = feed.run(ctx, rd, r)
	return feed.pos(), err
}
