package parse

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
)

// ErrUnrecognized is returned (wrapped) when an input is not in any format
// this package reads. Directory scans skip such inputs with a note.
var ErrUnrecognized = errors.New("not a goroutine dump, profile or trace")

// ErrTooLarge is returned (wrapped) when decompressing an input would exceed
// Options.MaxDecompressed.
var ErrTooLarge = errors.New("decompressed input exceeds the limit")

// ErrUnsupported is returned (wrapped) for inputs that are recognised but
// cannot be read, such as execution traces older than Go 1.11.
var ErrUnsupported = errors.New("unsupported input")

// InputError is an error tied to a place in an input.
type InputError struct {
	Name   string // input name
	Line   int    // 1-based line, 0 when not applicable
	Offset int64  // byte offset, -1 when not applicable
	Err    error
}

func (e *InputError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err)
	case e.Offset >= 0:
		return fmt.Sprintf("%s: offset %d: %v", e.Name, e.Offset, e.Err)
	default:
		return fmt.Sprintf("%s: %v", e.Name, e.Err)
	}
}

func (e *InputError) Unwrap() error { return e.Err }

// Options tune reading. The zero value is ready to use.
type Options struct {
	// MaxDecompressed caps the bytes a compressed input may expand to.
	// 0 means DefaultMaxDecompressed; negative means no limit.
	MaxDecompressed int64
	// MaxLine caps the bytes kept of one text line; longer lines are cut
	// with a warning. 0 means DefaultMaxLine.
	MaxLine int
	// MaxProfile caps the bytes of a binary profile read into memory.
	// 0 means DefaultMaxProfile.
	MaxProfile int64
	// Parallelism is how many goroutines may read one input: 0 means
	// runtime.GOMAXPROCS(0), 1 reads on the calling goroutine alone. A
	// large seekable input (ReadFile on a regular file) is split and its
	// parts read at once; an execution trace read in order (through
	// Read, or too small or too old to split) is decoded on one goroutine
	// and summarised on another. The result does not depend on it.
	Parallelism int

	// sizeHint is the input's size in bytes when ReadFile knows it and
	// reads it in order: the dump reader sizes its goroutine store from
	// the first goroutines' density rather than copying them all at the
	// end. 0: unknown.
	sizeHint int64
	// sizeProbe, when set, replaces sizeProbeGoroutines and lifts
	// sizeStoreMin, so that tests can size the store of small inputs.
	sizeProbe int
	// traceBatch, when set, replaces pipeBatchEvents, so that tests can
	// cross the piped trace reader's batches often.
	traceBatch int
	// noFrameCache makes the dump reader parse every frame line, for
	// tests that check the frame cache changes nothing.
	noFrameCache bool
	// parallelMin and dumpChunk, when set, replace parallelDumpMin and
	// dumpChunkSize, so that tests can read small files in many chunks.
	parallelMin int64
	dumpChunk   int64
	// chunkStats, when set, counts what the parallel dump reader did.
	chunkStats *chunkStats
	// workersOnly leaves every chunk between the first and the tail to
	// the workers, so that tests can count on each being adopted if it
	// can be.
	workersOnly bool
	// onMapped, when set, runs once a file is mapped and cut into chunks,
	// before they are read: tests change the file there.
	onMapped func()
}

const (
	DefaultMaxDecompressed = 8 << 30  // 8 GiB: a 1M-goroutine dump is ~3.7 GB
	DefaultMaxLine         = 1 << 20  // 1 MiB
	DefaultMaxProfile      = 1 << 30  // 1 GiB
	sniffSize              = 64 << 10 // bytes looked at to recognise a format
)

func (o Options) maxDecompressed() int64 {
	if o.MaxDecompressed == 0 {
		return DefaultMaxDecompressed
	}
	return o.MaxDecompressed
}

func (o Options) maxLine() int {
	if o.MaxLine <= 0 {
		return DefaultMaxLine
	}
	return o.MaxLine
}

func (o Options) maxProfile() int64 {
	if o.MaxProfile <= 0 {
		return DefaultMaxProfile
	}
	return o.MaxProfile
}

func (o Options) parallelism() int {
	if o.Parallelism <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return o.Parallelism
}

// ReadFile reads the named file. See Read. A large regular file may be
// read by several goroutines at once (Options.Parallelism); the snapshots
// are the same as Read's.
func ReadFile(ctx context.Context, path string, opts Options) ([]*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if opts.parallelism() > 1 {
			return readFileAt(ctx, path, f, fi.Size(), opts)
		}
		opts.sizeHint = fi.Size()
	}
	return Read(ctx, path, f, opts)
}

// Read sniffs the format of r by content and reads every snapshot it holds:
// a text file may hold several dumps, each its own Snapshot. gzip input is
// decompressed transparently, up to Options.MaxDecompressed.
//
// On a truncated or partly malformed input Read returns what it could read,
// with Warnings on the snapshots saying what was lost, and a nil error. It
// returns an error wrapping ErrUnrecognized when nothing in r is a format
// it knows, and an *InputError naming the input for everything else.
func Read(ctx context.Context, name string, r io.Reader, opts Options) ([]*Snapshot, error) {
	br := newBufReader(r)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &InputError{Name: name, Offset: -1, Err: err}
	}
	if len(head) == 0 {
		return nil, &InputError{Name: name, Offset: -1, Err: fmt.Errorf("empty input: %w", ErrUnrecognized)}
	}
	var compressed bool
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &InputError{Name: name, Offset: 0, Err: fmt.Errorf("gzip: %w", err)}
		}
		zr.Multistream(true)
		opts.sizeHint = 0 // the file's size says little of what it inflates to
		var src io.Reader = zr
		if max := opts.maxDecompressed(); max > 0 {
			src = &cappedReader{r: zr, left: max, max: max}
		}
		// Inflate on another core while this one parses.
		ra := newReadAhead(src)
		defer ra.Close()
		br = newBufReader(ra)
		compressed = true
	}
	snaps, err := readUncompressed(ctx, name, br, NewInterner(), opts)
	if compressed {
		for _, s := range snaps {
			s.Source.Compressed = true
		}
	}
	return snaps, err
}

func readUncompressed(ctx context.Context, name string, br *bufio.Reader, in *Interner, opts Options) ([]*Snapshot, error) {
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) && (len(head) == 0 || errors.Is(err, ErrTooLarge)) {
		// With some bytes in hand, read what there is: the reader meets the
		// error again and reports what was lost.
		return nil, &InputError{Name: name, Offset: -1, Err: wrapReadErr(err)}
	}
	switch kind := sniff(head); kind {
	case kindTrace:
		return readTrace(ctx, name, br, in, opts)
	case kindProto:
		return readProfile(ctx, name, br, in, opts)
	case kindBinary:
		return nil, &InputError{Name: name, Offset: -1, Err: fmt.Errorf("binary data: %w", ErrUnrecognized)}
	case kindEmpty:
		return nil, &InputError{Name: name, Offset: -1, Err: fmt.Errorf("empty input: %w", ErrUnrecognized)}
	}
	return readText(ctx, name, br, in, opts)
}

func wrapReadErr(err error) error {
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("gzip: %w", err)
	}
	return err
}

type inputKind int

const (
	kindText inputKind = iota
	kindProto
	kindTrace
	kindBinary
	kindEmpty
)

// sniff decides what head (the first bytes of a decompressed input) is.
func sniff(head []byte) inputKind {
	if len(head) == 0 {
		return kindEmpty
	}
	if isTraceHeader(head) {
		return kindTrace
	}
	if looksLikeProfileProto(head) {
		return kindProto
	}
	if looksBinary(head) {
		return kindBinary
	}
	return kindText
}

// IsTrace reports whether head, the first bytes of an input (16 suffice),
// starts a runtime execution trace of any version, supported or not.
func IsTrace(head []byte) bool { return isTraceHeader(head) }

// isTraceHeader reports whether head starts like a runtime execution trace:
// "go 1.NN trace\x00\x00...".
func isTraceHeader(head []byte) bool {
	return bytes.HasPrefix(head, []byte("go 1.")) && bytes.Contains(head[:min(len(head), 16)], []byte(" trace"))
}

// looksLikeProfileProto reports whether head starts like an uncompressed
// pprof profile.proto: field 1 (sample_type, as pprof writes first) or
// field 11 (period_type, as runtime/pprof writes first), a length-delimited
// ValueType holding a small message of varint fields, possibly after
// field 9 (time_nanos, a varint: runtime/pprof's CPU profiles start so).
func looksLikeProfileProto(head []byte) bool {
	if len(head) > 0 && head[0] == 0x48 {
		_, w := uvarint(head[1:])
		if w <= 0 {
			return false
		}
		head = head[1+w:]
	}
	if len(head) < 4 || head[0] != 0x0a && head[0] != 0x5a {
		return false
	}
	n, w := uvarint(head[1:])
	if w <= 0 || n == 0 || n > 64 {
		return false
	}
	// The ValueType message: field 1 (type, varint) = 0x08.
	return head[1+w] == 0x08
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	var s uint
	for i, c := range b {
		if i == 10 {
			return 0, -1
		}
		if c < 0x80 {
			return x | uint64(c)<<s, i + 1
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, 0
}

// looksBinary reports whether head is unlikely to be text: NUL bytes or a
// high share of control bytes.
func looksBinary(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != 0x1b && c != '\f' && c != '\v' && c != 0x1c {
			ctl++
		}
	}
	return ctl*20 > len(head)
}

// cappedReader stops with ErrTooLarge once more than max bytes are read.
type cappedReader struct {
	r    io.Reader
	left int64
	max  int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Tell a clean end from an overflow by reading one more byte.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w (%d bytes; raise it with --max-decompressed)", ErrTooLarge, c.max)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// readBufferSize is the size of the buffer text is read through: large
// enough that ordinary lines never straddle a refill.
const readBufferSize = 256 << 10

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, readBufferSize) }
