package parse

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/exp/trace"
)

// ErrCorruptTrace is returned (wrapped) for an execution trace that has no
// complete generation to summarise: cut or malformed before its first
// generation ends, or holding no events at all. A trace that breaks later
// is summarised up to the break, with a warning.
var ErrCorruptTrace = errors.New("corrupt execution trace")

// newestTraceFormat is the newest trace format golang.org/x/exp/trace reads.
const newestTraceFormat = 26

// traceFormatRead reports whether golang.org/x/exp/trace reads the trace
// format "go 1.minor trace".
func traceFormatRead(minor int) bool {
	switch minor {
	case 11, 19, 21, 22, 23, 25, 26:
		return true
	}
	return false
}

// traceWriters names the Go releases that write the trace format
// "go 1.minor trace"; "" for a format no release writes.
func traceWriters(minor int) string {
	switch minor {
	case 5, 7, 8, 9, 10, 21, 22, 25:
		return "Go 1." + strconv.Itoa(minor)
	case 6:
		return "Go 1.6"
	case 11:
		return "Go 1.11 to 1.18"
	case 19:
		return "Go 1.19 and 1.20"
	case 23:
		return "Go 1.23 and 1.24"
	case 26:
		return "Go 1.26 and later"
	}
	return ""
}

// describeTraceFormat says which trace format minor is and who writes it.
func describeTraceFormat(minor int) string {
	if w := traceWriters(minor); w != "" {
		return fmt.Sprintf("execution trace, go 1.%d format (written by %s)", minor, w)
	}
	return fmt.Sprintf("execution trace, go 1.%d format", minor)
}

// traceVersion reads the Go version from an execution trace header,
// "go 1.22 trace\x00\x00\x00", and returns the minor version.
func traceVersion(head []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(head, []byte("go 1."))
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ' ')
	if end <= 0 || end > 3 {
		return 0, false
	}
	minor, err := strconv.Atoi(string(rest[:end]))
	if err != nil || !bytes.HasPrefix(rest[end:], []byte(" trace")) {
		return 0, false
	}
	return minor, true
}

// checkTraceHeader returns the format of a trace header, or why it cannot
// be read.
func checkTraceHeader(head []byte) (int, error) {
	minor, ok := traceVersion(head)
	if !ok {
		return 0, fmt.Errorf("malformed execution trace header %q: %w", head, ErrUnrecognized)
	}
	switch {
	case minor < 11:
		return 0, fmt.Errorf("%s: traces older than Go 1.11 cannot be read (the Go trace parser dropped them; `go tool trace` of Go 1.21 or earlier still opens them): %w",
			describeTraceFormat(minor), ErrUnsupported)
	case minor > newestTraceFormat:
		return 0, fmt.Errorf("execution trace, go 1.%d format: newer than this gorensic reads (go 1.11 to go 1.%d formats); upgrade gorensic: %w",
			minor, newestTraceFormat, ErrUnsupported)
	case !traceFormatRead(minor):
		return 0, fmt.Errorf("execution trace header says go 1.%d, a format no Go release writes (they write go 1.11, 1.19, 1.21, 1.22, 1.23, 1.25 and 1.26): %w",
			minor, ErrUnsupported)
	}
	exact := fmt.Sprintf("go 1.%d trace\x00\x00\x00", minor)
	if !bytes.HasPrefix(head, []byte(exact)) {
		return 0, fmt.Errorf("malformed execution trace header %q (want %q): %w", head[:min(len(head), 16)], exact, ErrCorruptTrace)
	}
	return minor, nil
}

// readTrace reads a runtime execution trace through golang.org/x/exp/trace
// and summarises it in one pass into a Snapshot with a Timeline; the
// goroutines alive at the end become the snapshot's goroutines.
//
// A trace that breaks after its first complete generation (a cut upload, a
// killed process, a corrupt byte) is summarised up to the break, with a
// warning that says how much was lost.
func readTrace(ctx context.Context, name string, br *bufio.Reader, in *Interner, opts Options) ([]*Snapshot, error) {
	head, _ := br.Peek(16)
	minor, err := checkTraceHeader(head)
	if err != nil {
		return nil, &InputError{Name: name, Offset: 0, Err: err}
	}
	feed := newTraceFeed(ctx, br, 0, opts)
	r := newTraceRead(name, minor, in)
	rd, err := newTraceReader(feed.buf)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, r.fail(feed.pos(), cerr)
		}
		return nil, r.fail(feed.pos(), r.corrupt(err))
	}
	readErr := feed.run(ctx, rd, r)
	if err := ctx.Err(); err != nil {
		return nil, r.fail(feed.pos(), err)
	}
	stopped := feed.pos()
	return r.snapshot(readErr, stopped, feed.total)
}

// traceBufferSize is the buffer the trace reader reads through; x/exp/trace
// reuses a *bufio.Reader of at least 4 KiB as it is, so the bytes it has
// consumed are known exactly.
const traceBufferSize = 64 << 10

// traceRead is the state of summarising one trace: the summary, and the
// generations counted and where they end in the input.
type traceRead struct {
	name  string
	minor int
	sum   *summarizer
}

func newTraceRead(name string, minor int, in *Interner) *traceRead {
	return &traceRead{
		name:  name,
		minor: minor,
		sum:   newSummarizer(in, minor),
	}
}

// fail wraps err as an error of this input at offset.
func (r *traceRead) fail(offset int64, err error) error {
	return &InputError{Name: r.name, Offset: offset, Err: err}
}

// corrupt wraps a trace reader error as ErrCorruptTrace.
func (r *traceRead) corrupt(err error) error {
	return fmt.Errorf("%s: %w: %w", describeTraceFormat(r.minor), err, ErrCorruptTrace)
}

// snapshot builds the snapshot once reading stopped, on readErr or at the
// end of the input, after stopped bytes; total counts the input's bytes
// (it may read the rest).
func (r *traceRead) snapshot(readErr error, stopped int64, total func() int64) ([]*Snapshot, error) {
	complete := r.sum.gen.complete()
	noEvents := r.sum.tl.Events == int64(r.sum.gen.syncs)
	if readErr != nil && (complete == 0 || noEvents) {
		return nil, r.fail(stopped, r.corrupt(fmt.Errorf("no complete generation before the error: %w", readErr)))
	}
	if noEvents {
		return nil, r.fail(stopped, r.corrupt(errors.New("the trace holds no events")))
	}
	tl, gs := r.sum.finish()
	tl.Generations = complete
	if r.minor < 22 {
		tl.Generations = 1
	}
	s := &Snapshot{
		Source: Source{
			Name:      r.name,
			Format:    FormatTrace,
			GoVersion: "go1." + strconv.Itoa(r.minor),
			Bytes:     stopped,
		},
		Caps:       CapGoroutineIDs | CapStates | CapWaitAges | CapCreators | CapCreatorIDs | CapTimeline,
		Goroutines: gs,
		Timeline:   tl,
		Total:      len(gs),
	}
	if !tl.WallStart.IsZero() {
		s.Source.Taken = tl.WallStart.Add(tl.Duration)
	}
	if readErr != nil {
		s.Warnings = append(s.Warnings, r.lossWarning(readErr, stopped, total(), tl))
	}
	return []*Snapshot{s}, nil
}

// lossWarning says what a trace of total bytes that broke at stopped lost,
// as `go tool trace` does: the complete generations are kept, the rest is
// counted.
func (r *traceRead) lossWarning(readErr error, stopped, total int64, tl *Timeline) Warning {
	kind := WarnMalformed
	if total == stopped {
		kind = WarnTruncated
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s ", describeTraceFormat(r.minor))
	if kind == WarnTruncated {
		fmt.Fprintf(&b, "is cut: it ends at byte %d inside a generation", stopped)
	} else {
		fmt.Fprintf(&b, "is corrupt at or before byte %d", stopped)
	}
	gen := r.sum.gen
	fmt.Fprintf(&b, " (%v); kept %d complete generation(s), the first %v of the trace",
		readErr, gen.complete(), tl.Duration)
	if lost := total - gen.validEnd; lost > 0 {
		fmt.Fprintf(&b, "; lost %d of %d bytes (%.1f%%) from byte %d on", lost, total, 100*float64(lost)/float64(max(total, 1)), gen.validEnd)
	}
	if r.sum.sinceSync() > 0 {
		b.WriteString("; the events of the broken generation before the break are included")
	} else if r.minor < 26 {
		b.WriteString("; generations before Go 1.26 have no end marker, so the last one kept may be incomplete")
	}
	return Warning{Kind: kind, Offset: gen.validEnd, Message: b.String()}
}

// traceFeed reads the events of one trace.Reader as records into a
// traceRead: the whole input for the sequential reader, or the tail of a
// trace the parallel reader could not split.
type traceFeed struct {
	src *traceSource
	buf *bufio.Reader
	// base is the offset in the input of the byte before the feed's first,
	// so that base plus the bytes consumed is a place in the input.
	base int64
	rc   *recorder
	// drop is the number of syncs to pass over before records are made:
	// 1 when the feed re-reads a generation already summarised, only to
	// know its state before the next one. passed counts those seen.
	drop, passed int
	// restamp is set when the feed's reader starts in the middle of the
	// trace (see summarizer.restamp).
	restamp bool
	// piped makes run decode on a goroutine of its own (runPiped), in
	// batches of batch events (0: pipeBatchEvents).
	piped bool
	batch int
	// held, when not negative, is where the summary of a piped feed
	// stopped: the decoder may have read further.
	held int64
}

func newTraceFeed(ctx context.Context, r io.Reader, base int64, opts Options) *traceFeed {
	src := &traceSource{ctx: ctx, r: r}
	return &traceFeed{
		src:   src,
		buf:   bufio.NewReaderSize(src, traceBufferSize),
		base:  base,
		rc:    &recorder{},
		piped: opts.parallelism() > 1,
		batch: opts.traceBatch,
		held:  -1,
	}
}

// pos is the place in the input up to which the feed's events are
// summarised: the bytes the trace reader had consumed when it returned the
// last event summarised, or all it consumed once it stopped.
func (f *traceFeed) pos() int64 {
	if f.held >= 0 {
		return f.held
	}
	return f.readPos()
}

// readPos is the place in the input up to which the trace reader has
// consumed bytes.
func (f *traceFeed) readPos() int64 { return f.base + f.src.n - int64(f.buf.Buffered()) }

// total reads the rest of the input, only to count it, and returns the
// input's size.
func (f *traceFeed) total() int64 {
	at := f.readPos()
	rest, _ := io.Copy(io.Discard, f.buf)
	return at + rest
}

// run folds every event of rd into r. It returns what ended the trace
// early: a read error, the context, or a panic of the trace package on an
// inconsistent trace, turned into an error.
func (f *traceFeed) run(ctx context.Context, rd *trace.Reader, r *traceRead) (err error) {
	if f.piped {
		return f.runPiped(ctx, rd, r)
	}
	defer catchTracePanic(&err)
	defer f.flushSkipped(r)
	var rec traceRec
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ev, err := rd.ReadEvent()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return briefTraceError(err)
		}
		if !f.keep(&ev, &rec) {
			continue
		}
		if rec.kind == recSync {
			rec.pos = f.readPos()
		}
		f.summarise(&rec, r)
	}
}

// keep makes rec of ev and reports whether the summary takes it.
func (f *traceFeed) keep(ev *trace.Event, rec *traceRec) bool {
	if f.drop > 0 && f.dropping(ev) {
		return false
	}
	return f.rc.record(ev, rec)
}

// summarise folds rec into r's summary.
func (f *traceFeed) summarise(rec *traceRec, r *traceRead) {
	if f.restamp {
		r.sum.restamp(rec)
	}
	r.sum.record(rec)
}

// flushSkipped tells the summary of the events after the last record, once
// the feed stops.
func (f *traceFeed) flushSkipped(r *traceRead) {
	t := f.rc.last
	if f.restamp {
		t = r.sum.restampSkipped(f.rc.skip, t)
	}
	r.sum.skipped(f.rc.skip, t)
}

// dropping reports whether ev belongs to the generations the feed passes
// over; the sync that ends them is the first event kept.
func (f *traceFeed) dropping(ev *trace.Event) bool {
	if ev.Kind() != trace.EventSync {
		return true
	}
	if f.passed == f.drop {
		f.drop = 0
		return false
	}
	f.passed++
	return true
}

// briefTraceError keeps the first line of a trace reader error: some
// (a frontier that fails to advance) go on with a dump of the reader's
// state for its developers, in map order, which would make a warning long
// and different from one read to the next.
func briefTraceError(err error) error {
	msg := err.Error()
	i := strings.IndexByte(msg, '\n')
	if i < 0 {
		return err
	}
	return &traceReadError{msg: strings.TrimSuffix(strings.TrimSpace(msg[:i]), ":"), err: err}
}

// traceReadError is a trace reader error told in brief.
type traceReadError struct {
	msg string
	err error
}

func (e *traceReadError) Error() string { return e.msg }
func (e *traceReadError) Unwrap() error { return e.err }

// traceSource counts the bytes read from a trace and stops reading when the
// context is done.
type traceSource struct {
	ctx context.Context
	r   io.Reader
	n   int64
}

func (s *traceSource) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	return n, err
}

// newTraceReader calls trace.NewReader, turning a panic into an error.
func newTraceReader(r io.Reader) (rd *trace.Reader, err error) {
	defer catchTracePanic(&err)
	return trace.NewReader(r)
}

// TracePanic is a panic raised while reading a trace, returned as an error
// so that a malformed trace never crashes the program.
type TracePanic struct {
	Value any
	Func  string // the function that panicked
}

func (p *TracePanic) Error() string {
	return fmt.Sprintf("trace reader panicked in %s: %v", p.Func, p.Value)
}

// catchTracePanic turns a panic into a *TracePanic in *err; it must be
// deferred directly.
func catchTracePanic(err *error) {
	v := recover()
	if v == nil {
		return
	}
	*err = &TracePanic{Value: v, Func: panickingFunc()}
}

// panickingFunc returns the first function outside the runtime below
// runtime.gopanic on the current (panicking) stack.
func panickingFunc() string {
	var pcs [64]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			return f.Function
		}
		if !more {
			return "?"
		}
	}
}
