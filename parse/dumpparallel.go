package parse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Reading a large dump with several goroutines.
//
// A text dump held in a regular file is cut into chunks at goroutine
// headers that follow a blank line. The first chunk, the last (a short
// tail) and any chunk that cannot be taken as it is are read in order by
// one dumpReader, exactly as Read would; the chunks between are read at the
// same time by workers (and by the ordering reader itself while it waits),
// each with its own reader and Interner, as the continuation of a plain
// dump. The ordering reader then adopts a chunk read that way only when
// reading it in order would have given the same goroutines:
//
//   - the worker saw nothing but goroutines: no crash header, race report,
//     text profile, warning or new snapshot (a goroutine ID seen twice),
//     and it ended outside a goroutine;
//   - the ordering reader stands where the worker started: outside any
//     goroutine, inside a snapshot whose crashing goroutine (if any) is
//     already marked, with no GOTRACEBACK=crash thread reports under way;
//   - no goroutine ID of the chunk is already in the snapshot.
//
// Otherwise it reads the chunk in order itself. Adopting moves the chunk's
// goroutine records over and re-interns their few distinct stacks and label
// sets in the snapshot's Interner, in order of first appearance, so stack
// IDs and the PCs kept are what an ordered read gives. A text profile
// anywhere sends the whole input back to Read.

// parallelDumpMin is the smallest text input read by several goroutines.
const parallelDumpMin = 32 << 20

const (
	// dumpChunkSize is the size of the chunks a large dump is cut into:
	// big enough that a chunk's own interning and adoption cost nothing
	// next to parsing it, small enough that the workers stay busy.
	dumpChunkSize = 8 << 20
	// boundaryWindow is how far past a chunk's planned start a goroutine
	// header is looked for.
	boundaryWindow = 1 << 20
)

func (o Options) parallelDumpMin() int64 {
	if o.parallelMin > 0 {
		return o.parallelMin
	}
	return parallelDumpMin
}

func (o Options) dumpChunkSize() int64 {
	if o.dumpChunk > 0 {
		return o.dumpChunk
	}
	return dumpChunkSize
}

// readDumpAt reads a text input held in a regular file of size bytes,
// through a memory mapping where the system has them.
func readDumpAt(ctx context.Context, name string, f *os.File, size int64, opts Options) (snaps []*Snapshot, err error) {
	src := &dumpSource{f: f}
	if data, mapErr := mapFile(f, size); mapErr == nil {
		src.data = data
		defer unmapFile(data)
		// A file cut shorter while mapped faults on the lost pages: make
		// that a panic, and the panic an error.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if v := recover(); v != nil {
				if !isFault(v) {
					panic(v)
				}
				snaps, err = nil, &InputError{Name: name, Offset: faultOffset(v, data),
					Err: errors.New("the file changed while it was read (cut shorter?): reading it faulted")}
			}
		}()
	}
	bounds := dumpBoundaries(src, size, opts)
	if opts.onMapped != nil && src.data != nil {
		opts.onMapped()
	}
	if len(bounds) < 4 {
		// Too few places to cut: read it in order.
		return Read(ctx, name, src.all(size), opts)
	}
	snaps, ok, err := readDumpChunks(ctx, name, src, bounds, opts)
	if !ok || err == nil && len(snaps) == 0 {
		// A text profile, or nothing at all: Read says what it is.
		return Read(ctx, name, src.all(size), opts)
	}
	if err != nil {
		return snaps, err
	}
	for i, s := range snaps {
		s.Source.Index = i
	}
	return snaps, nil
}

// isFault reports whether a recovered value is the runtime's panic for a
// memory fault (debug.SetPanicOnFault).
func isFault(v any) bool {
	_, ok := v.(interface{ Addr() uintptr })
	return ok
}

// faultOffset returns the offset in the mapping data of the fault v, or -1
// when it lies outside. Only the addresses are compared.
func faultOffset(v any, data []byte) int64 {
	addr := v.(interface{ Addr() uintptr }).Addr()
	base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	if addr < base || addr-base >= uintptr(len(data)) {
		return -1
	}
	return int64(addr - base)
}

// dumpSource is the file a dump is read from: its mapping when there is
// one, else the file itself through ReadAt.
type dumpSource struct {
	f    *os.File
	data []byte
}

// all returns a reader of the whole input, for Read. It reads the file,
// not the mapping: Read copies what it reads anyway, and the mapping's
// pages would all stay resident.
func (s *dumpSource) all(size int64) io.Reader {
	return io.NewSectionReader(s.f, 0, size)
}

// lines returns a line reader over [start, end) of the input: the mapping
// itself, or the file read through buf.
func (s *dumpSource) lines(name string, start, end int64, max int, buf []byte) *lineReader {
	var lr *lineReader
	if s.data != nil {
		lr = newLineReaderBytes(name, s.data[start:end], max)
	} else {
		lr = newLineReaderBuf(name, io.NewSectionReader(s.f, start, end-start), max, buf)
	}
	lr.next, lr.offset = start, start
	return lr
}

// window returns a copy of up to n bytes of the input from off, read from
// the file even when it is mapped: touching one byte of a mapping maps
// the page cache's whole folio (2 MiB here), which would stay resident
// until its chunk is read.
func (s *dumpSource) window(off, n int64) ([]byte, error) {
	b := make([]byte, n)
	m, err := s.f.ReadAt(b, off)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return b[:m], nil
}

// done says that [start, end) has been read, so that a mapping's pages
// there need not stay resident.
func (s *dumpSource) done(start, end int64) {
	if s.data != nil {
		dropPages(s.data, start, end)
	}
}

// dumpBoundaries returns where the chunks of a dump start, then size: 0,
// then offsets of goroutine headers that follow a blank line, about
// Options.dumpChunkSize apart, the last of them close to the end so that
// the tail read in order is short.
func dumpBoundaries(src *dumpSource, size int64, opts Options) []int64 {
	chunk := opts.dumpChunkSize()
	window := min(int64(boundaryWindow), max(chunk/2, 64))
	bounds := []int64{0}
	next := func(at int64) (int64, bool, error) {
		// From two bytes before, so that a header at exactly at is seen
		// with the blank line before it. A header is usually a few
		// hundred bytes on: look at a small window first.
		at = max(at-2, 0)
		for n := min(window, 64<<10); ; n = window {
			b, err := src.window(at, n)
			if err != nil {
				return 0, false, err // read in order, and meet it there
			}
			if i := headerAfterBlank(b); i >= 0 {
				return at + int64(i), true, nil
			}
			if n == window {
				return 0, false, nil
			}
		}
	}
	for at := chunk; at < size-chunk/2; at += chunk {
		b, ok, err := next(at)
		if err != nil {
			return nil
		}
		if ok && b > bounds[len(bounds)-1] && b < size {
			bounds = append(bounds, b)
		}
	}
	// The tail: from the last header in the final stretch.
	tail := min(chunk/4, 1<<20)
	if b, ok, err := next(max(size-tail, 0)); err != nil {
		return nil
	} else if ok && b > bounds[len(bounds)-1] && b < size {
		bounds = append(bounds, b)
	}
	return append(bounds, size)
}

// headerAfterBlank returns the offset in b of the first goroutine header
// that starts a line after a blank one ("\n\n" or "\n\r\n" before it) and
// ends within b, or -1.
func headerAfterBlank(b []byte) int {
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte("\ngoroutine "))
		if i < 0 {
			return -1
		}
		i += off
		start := i + 1
		blank := i >= 1 && b[i-1] == '\n' || i >= 2 && b[i-1] == '\r' && b[i-2] == '\n'
		if end := bytes.IndexByte(b[start:], '\n'); blank && end > 0 && headerIndex(b[start:start+end]) == 0 {
			return start
		}
		off = start
	}
}

// chunkStats counts, for tests, what happened to the chunks of an input.
type chunkStats struct {
	chunks  int // chunks between the first and the tail
	adopted int // read by a worker and taken over
	ordered int // read in order by the ordering reader
}

func (c *chunkStats) count(adopted bool) {
	if c == nil {
		return
	}
	if adopted {
		c.adopted++
	} else {
		c.ordered++
	}
}

// dumpChunk is one chunk between the first and the tail.
type dumpChunk struct {
	start, end int64
	claimed    atomic.Bool
	done       chan struct{} // closed once res is set
	res        *chunkRead
}

// chunkRead is what a worker read of a chunk.
type chunkRead struct {
	clean bool // only goroutines, ending outside one; see cleanContinuation
	gs    goroutineStore
	in    *Interner
	caps  Caps
	lines int // lines in the chunk
	// lastOffset is the offset of the chunk's last line.
	lastOffset             int64
	prefix, suffix         []byte // the line decoration learnt last
	lastWasFile, lastInFrm bool
}

// recycledGoroutineChunks is how many emptied chunks of goroutine records a
// parallel dump read keeps for reuse (at most ~5.8 MB of them).
const recycledGoroutineChunks = 64

// readDumpChunks reads the chunks between bounds. ok is false when the
// input must be read by Read instead (it holds a text profile).
func readDumpChunks(ctx context.Context, name string, src *dumpSource, bounds []int64, opts Options) (snaps []*Snapshot, ok bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	mid := make([]*dumpChunk, len(bounds)-3)
	for i := range mid {
		mid[i] = &dumpChunk{start: bounds[i+1], end: bounds[i+2], done: make(chan struct{})}
	}
	var hint atomic.Int64 // no chunk below it is unclaimed
	claim := func() *dumpChunk {
		for i := int(hint.Load()); i < len(mid); i++ {
			if mid[i].claimed.CompareAndSwap(false, true) {
				hint.Store(int64(i + 1))
				return mid[i]
			}
		}
		return nil
	}
	// Chunks of goroutine records go round: filled by a chunk's reader,
	// emptied by adoption, filled again.
	free := make(chan []Goroutine, recycledGoroutineChunks)
	// Each goroutine that reads chunks reuses one line buffer.
	work := func(c *dumpChunk, buf []byte) {
		c.res = readChunk(ctx, name, src, c.start, c.end, opts, buf, free)
		close(c.done)
	}
	for range min(opts.parallelism()-1, len(mid)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if src.data != nil {
				// A fault on the mapping fails the chunk, which the
				// ordered reader then reads and fails on itself.
				debug.SetPanicOnFault(true)
			}
			var buf []byte
			if src.data == nil {
				buf = make([]byte, readBufferSize)
			}
			// A claimed chunk is always worked (the ordered reader may
			// wait for it); a cancelled read ends within 64k lines.
			for ctx.Err() == nil {
				c := claim()
				if c == nil {
					return
				}
				work(c, buf)
			}
		}()
	}

	if opts.chunkStats != nil {
		opts.chunkStats.chunks += len(mid)
	}
	o := &orderedRead{src: src, name: name, opts: opts}
	if src.data == nil {
		o.buf = make([]byte, readBufferSize)
	}
	o.d = newDumpReader(ctx, name, o.section(0, bounds[1], 0), NewInterner(), opts)
	o.d.gs.free = free
	if !o.read() {
		return o.result()
	}
	// Size the goroutine records from the first chunk's density, so that
	// each is copied once, as its chunk is adopted, not all at the end:
	// that copy was serial, and doubled the memory for a moment.
	size := bounds[len(bounds)-1]
	o.d.gs.reserve(int(float64(o.d.gs.n)*float64(size)/float64(bounds[1])*1.1) + 4096)
	for _, c := range mid {
		if !opts.workersOnly && c.claimed.CompareAndSwap(false, true) {
			// Nobody has started it: read it in order, no adoption needed.
			opts.chunkStats.count(false)
			o.d.setLineReader(o.section(c.start, c.end, o.d.lr.line))
			if !o.read() {
				return o.result()
			}
			continue
		}
		if opts.workersOnly {
			<-c.done
		} else {
			o.wait(c, claim, work)
		}
		adopted := o.d.adopt(c.res)
		opts.chunkStats.count(adopted)
		if adopted {
			o.d.setLineReader(o.after(c))
			continue
		}
		o.d.setLineReader(o.section(c.start, c.end, o.d.lr.line))
		if !o.read() {
			return o.result()
		}
	}
	last := bounds[len(bounds)-2]
	o.d.setLineReader(o.section(last, bounds[len(bounds)-1], o.d.lr.line))
	o.read()
	return o.result()
}

// orderedRead is the reader that reads the input in order, chunk after
// chunk, taking over what workers read where it can.
type orderedRead struct {
	src  *dumpSource
	name string
	opts Options
	d    *dumpReader
	err  error // the context's error
	// buf is the line buffer of the sections read in order: each is read
	// to its end before the next starts. helpBuf serves the chunks read
	// while waiting. Neither is needed to read a mapping.
	buf, helpBuf []byte
	start, end   int64 // the section being read
}

// section returns a line reader over [start, end) that counts lines on
// from line.
func (o *orderedRead) section(start, end int64, line int) *lineReader {
	lr := o.src.lines(o.name, start, end, o.opts.maxLine(), o.buf)
	lr.line = line
	o.start, o.end = start, end
	return lr
}

// after returns a line reader standing at the end of an adopted chunk,
// with nothing left to read: the next section replaces it.
func (o *orderedRead) after(c *dumpChunk) *lineReader {
	lr := o.section(c.end, c.end, o.d.lr.line)
	lr.offset = c.res.lastOffset
	return lr
}

// read reads the current section to its end; it returns false when reading
// must stop: the context is done, the input failed, or a text profile was
// seen (then the whole input is read again by Read).
func (o *orderedRead) read() bool {
	err := o.d.consume()
	o.src.done(o.start, o.end)
	if err != nil {
		o.err = err
		return false
	}
	return o.d.lr.err == nil && !o.d.sawProfile
}

// wait waits for a chunk a worker has claimed, reading later chunks
// meanwhile.
func (o *orderedRead) wait(c *dumpChunk, claim func() *dumpChunk, work func(*dumpChunk, []byte)) {
	for {
		select {
		case <-c.done:
			return
		default:
		}
		next := claim()
		if next == nil {
			<-c.done
			return
		}
		if o.helpBuf == nil && o.src.data == nil {
			o.helpBuf = make([]byte, readBufferSize)
		}
		work(next, o.helpBuf)
	}
}

// result finishes the ordered read.
func (o *orderedRead) result() ([]*Snapshot, bool, error) {
	if o.d.sawProfile {
		return nil, false, nil
	}
	if o.err != nil {
		return o.d.snaps, true, o.err
	}
	snaps, err := o.d.finish()
	return snaps, true, err
}

// readChunk reads one chunk as the continuation of a plain dump.
func readChunk(ctx context.Context, name string, src *dumpSource, start, end int64, opts Options, buf []byte, free chan []Goroutine) (res *chunkRead) {
	res = &chunkRead{}
	defer func() {
		if recover() != nil {
			// The ordered reader reads it again and meets the same fault.
			res = &chunkRead{}
		}
	}()
	lr := src.lines(name, start, end, opts.maxLine(), buf)
	defer src.done(start, end)
	d := newDumpReader(ctx, name, lr, newInternerSize(64), opts)
	d.gs.bulk, d.gs.free = true, free
	placeholder := &Snapshot{}
	d.cur = placeholder
	if d.consume() != nil {
		return res
	}
	res.clean = d.cleanContinuation(placeholder)
	res.gs = d.gs
	res.in = d.in
	res.caps = placeholder.Caps
	res.lines = lr.line
	res.lastOffset = lr.offset
	res.prefix, res.suffix = d.prefix, d.suffix
	res.lastWasFile, res.lastInFrm = d.lastWasFile, d.lastLineInFrames
	return res
}

// cleanContinuation reports whether a reader that started inside
// placeholder read nothing but goroutines of it and ended outside one.
func (d *dumpReader) cleanContinuation(placeholder *Snapshot) bool {
	s := d.cur
	return s == placeholder && len(d.snaps) == 0 && s.Crash == nil && len(s.Races) == 0 && len(s.Warnings) == 0 &&
		d.state == stOutside && d.err == nil && !d.sawProfile && d.frameless == 0 && !d.threadSections &&
		!d.hasSuspect && d.lr.err == nil && !d.lr.hasPushed && !d.lr.unterminated && d.gs.n > 0
}

// adopt takes over the goroutines of a chunk read by a worker when reading
// the chunk in order would have given the same, and reports whether it did.
func (d *dumpReader) adopt(r *chunkRead) bool {
	s := d.cur
	if !r.clean || s == nil || d.gs.n == 0 || d.state != stOutside || d.threadSections ||
		s.Crash != nil && !d.crashMarked || d.hasSuspect || d.lr.err != nil || d.lr.hasPushed || d.sawProfile {
		return false
	}
	for _, c := range r.gs.chunks {
		for i := range c {
			if id := c[i].ID; id != 0 && d.ids.has(id) {
				return false // an ordered read starts a new snapshot there
			}
		}
	}
	m := remapper{to: d.in, stacks: make(map[*Stack]*Stack), labels: make(map[*Labels]*Labels)}
	base := d.lr.line
	for _, c := range r.gs.chunks {
		for i := range c {
			g := &c[i]
			g.Stack = m.stack(g.Stack)
			if g.Extra != nil {
				for j := range g.Extra.Ancestors {
					g.Extra.Ancestors[j].Stack = m.stack(g.Extra.Ancestors[j].Stack)
				}
			}
			g.Labels = m.label(g.Labels)
			g.Line += base
			d.ids.add(g.ID)
			if g.ID == 0 {
				d.sawG0 = true
			}
		}
	}
	d.gs.adopt(&r.gs)
	s.Caps |= r.caps
	d.crashLines = 0
	d.lr.line += r.lines
	d.prefix = append(d.prefix[:0], r.prefix...)
	d.prefixShape = shapeOf(d.prefixShape[:0], d.prefix)
	d.suffix = append(d.suffix[:0], r.suffix...)
	d.lastWasFile, d.lastLineInFrames = r.lastWasFile, r.lastInFrm
	return true
}

// remapper re-interns a worker's stacks and label sets in another Interner.
type remapper struct {
	to       *Interner
	stacks   map[*Stack]*Stack
	labels   map[*Labels]*Labels
	lastFrom *Stack
	lastTo   *Stack
	frames   []*Frame
}

func (m *remapper) stack(st *Stack) *Stack {
	if st == m.lastFrom {
		return m.lastTo
	}
	to := m.stacks[st]
	if to == nil {
		m.frames = m.frames[:0]
		for _, f := range st.Frames {
			m.frames = append(m.frames, m.frame(f))
		}
		var created *Frame
		if st.CreatedBy != nil {
			created = m.frame(st.CreatedBy)
		}
		to = m.to.Stack(m.frames, created, st.Elided, st.ElidedAt)
		m.stacks[st] = to
	}
	m.lastFrom, m.lastTo = st, to
	return to
}

func (m *remapper) frame(f *Frame) *Frame {
	return m.to.frameOf(f)
}

func (m *remapper) label(l *Labels) *Labels {
	if l == nil {
		return nil
	}
	to, ok := m.labels[l]
	if !ok {
		to = m.to.Labels(append([]LabelPair(nil), l.Pairs...))
		m.labels[l] = to
	}
	return to
}

// adopt moves the goroutines of o to the end of gs: copied into gs's last
// chunk when it has room for them all (see reserve), else by taking o's
// chunks.
func (gs *goroutineStore) adopt(o *goroutineStore) {
	if k := len(gs.chunks); k > 0 && cap(gs.chunks[k-1])-len(gs.chunks[k-1]) >= o.n {
		last := gs.chunks[k-1]
		for _, c := range o.chunks {
			last = append(last, c...)
			if gs.free != nil {
				clear(c) // no stale pointers kept alive by the pool
				select {
				case gs.free <- c:
				default:
				}
			}
		}
		gs.chunks[k-1] = last
	} else {
		gs.chunks = append(gs.chunks, o.chunks...)
	}
	gs.n += o.n
	o.chunks, o.n = nil, 0
}
