package parse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file reads text stack dumps: goroutine?debug=2, runtime.Stack(all),
// panic and fatal error output, SIGQUIT and GOTRACEBACK dumps, the
// goroutineleak profile at debug=2 and race detector reports, from Go 1.3
// to Go 1.27, embedded in any amount of other text.
//
// The reader is a line-driven state machine (see dumpState). It never holds
// more than one line and the goroutine being built; goroutines are stored
// with interned stacks. The states:
//
//	outside      looking for a goroutine header, crash header or race report;
//	             everything else (logs, register dumps) is skipped
//	crashHeader  after "panic:", "fatal error:", "SIGQUIT: quit"...: header
//	             lines until the first goroutine header or "runtime stack:"
//	frames       after a goroutine header: function lines, each followed by
//	             a file line, "created by", elision markers, ancestors; a
//	             blank line ends the goroutine
//
// A new snapshot starts at a crash header that follows goroutines, and at a
// goroutine header whose ID the current snapshot already holds (a program
// that printed runtime.Stack twice).

type dumpState int

const (
	stOutside dumpState = iota
	stCrashHeader
	stFrames
)

// frameTarget says where frames being read go.
type frameTarget int

const (
	toGoroutine frameTarget = iota
	toAncestor
	toRuntimeStack
)

type dumpReader struct {
	ctx  context.Context
	name string
	lr   *lineReader
	in   *Interner
	opts Options

	snaps []*Snapshot
	cur   *Snapshot
	gs    goroutineStore // the current snapshot's goroutines, until it is finished
	ids   idSet

	state  dumpState
	target frameTarget

	// Line decoration common to every line of the dump (log prefixes,
	// trailing markers), learnt from the header line.
	prefix      []byte
	prefixShape []byte
	suffix      []byte

	// The goroutine being built.
	g          Goroutine
	frames     []*Frame
	createdBy  *Frame
	elided     int
	elidedAt   int
	ancestors  []Ancestor
	ancFrames  []*Frame
	ancCreated *Frame
	ancID      int64

	// The function line waiting for its file line.
	pendingFn      []byte     // its function name, when pendingFunc is nil
	pendingFunc    *funcLines // its cache entry, nil when not cached
	pendingInlined bool
	cache          frameCache
	// prevLoc is the frame just read, when cached, or headLoc before a
	// goroutine's first frame: it predicts the next function line.
	prevLoc        *cachedLoc
	headLoc        cachedLoc
	hasPendingFn   bool
	pendingLine    int
	expectCreator  bool       // "created by" seen, its file line is next
	creatorFn      []byte     // the "created by" function, when creator is nil
	creator        *funcLines // its cache entry, nil when not cached
	crashMarked    bool       // the crashing goroutine of the current crash was marked
	crashLines     int        // plain lines seen since the crash header
	crashBlank     bool       // a blank line followed the crash header
	goroutineFirst int        // line of the current goroutine header
	snapStartBytes int64
	err            error // first error of a delegated profile reader
	// frameless counts goroutine headers in snapshots dropped for having
	// no frames at all; framelessLine is the first one's line.
	frameless     int
	framelessLine int
	crashPrefixed bool // the crash header followed other text on its line
	// threadSections is set after a GOTRACEBACK=crash "-----" separator:
	// the signal headers and goroutines that follow reprint this crash's
	// threads and are folded into it.
	threadSections bool
	sawG0          bool // goroutine 0 was read in this snapshot
	skipGoroutine  bool // the goroutine being read is a reprint
	lastWasFile    bool // the last frame line was a complete file line
	// lastLineInFrames is true when the last line read was read inside a
	// goroutine's frames.
	lastLineInFrames bool
	// suspect is a line inside a goroutine that is not a readable frame;
	// if a file line follows, it was a mangled frame.
	suspect     []byte
	suspectLine int
	hasSuspect  bool
	atEOF       bool
	sawProfile  bool // a text profile was handed to its reader
	lines       int  // lines read, to look at the context now and then
}

func readStackDump(ctx context.Context, name string, lr *lineReader, in *Interner, opts Options) ([]*Snapshot, error) {
	d := newDumpReader(ctx, name, lr, in, opts)
	if err := d.consume(); err != nil {
		return d.snaps, err
	}
	return d.finish()
}

func newDumpReader(ctx context.Context, name string, lr *lineReader, in *Interner, opts Options) *dumpReader {
	d := &dumpReader{ctx: ctx, name: name, in: in, opts: opts}
	d.setLineReader(lr)
	return d
}

// setLineReader makes the reader read from lr from now on.
func (d *dumpReader) setLineReader(lr *lineReader) {
	d.lr = lr
	lr.cut = func(line int, length int64) {
		d.warn(Warning{Kind: WarnLongLine, Line: line, Offset: -1,
			Message: fmt.Sprintf("line of %d bytes cut to its first %d bytes", length, lr.max)})
	}
}

// consume reads lines until the line reader has none left. It returns only
// the context's error; read errors stay in the line reader for finish.
func (d *dumpReader) consume() error {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	lr := d.lr
	for {
		line, ok := lr.readLine()
		if !ok {
			return nil
		}
		if d.lines++; d.lines&0xffff == 0 {
			if err := d.ctx.Err(); err != nil {
				return err
			}
		}
		if d.state == stFrames && d.cachedLine(line) {
			continue
		}
		d.line(line)
	}
}

// cachedLine takes a line inside a goroutine's frames that the frame cache
// predicts: the file line of the pending function as seen under it last,
// or a call of a function that followed the previous frame before. It
// does what line would do with such a line, and returns false for every
// other line, which line then reads.
func (d *dumpReader) cachedLine(line []byte) bool {
	n := len(line)
	if n == 0 || len(d.prefix) != 0 || len(d.suffix) != 0 || d.expectCreator || d.opts.noFrameCache {
		return false
	}
	if c := line[n-1]; c == ' ' || c == '\t' {
		return false // undecorate would trim it
	}
	if d.hasPendingFn {
		e := d.pendingFunc
		if e == nil || e.last == nil || line[0] != '\t' {
			return false
		}
		l := e.last
		if !l.matches(trimIndent(line), d.pendingInlined) {
			return false
		}
		d.lastLineInFrames = true
		d.addFrame(l.frame)
		d.hasPendingFn = false
		d.lastWasFile = true
		d.prevLoc = l
		return true
	}
	if d.hasSuspect || d.prevLoc == nil || line[0] == '\t' || line[0] == ' ' {
		return false
	}
	// A call of a cached function is no marker line: see isCall.
	e := d.prevLoc.follower(line)
	if e == nil {
		return false
	}
	d.lastLineInFrames = true
	d.lastWasFile = false
	d.followedBy(e)
	d.setPendingFn(e, e.name, line)
	return true
}

// finish closes what was being read when the input ended and returns the
// snapshots.
func (d *dumpReader) finish() ([]*Snapshot, error) {
	lr := d.lr
	if err := lr.failed(); err != nil {
		d.endOfInput(true)
		d.finishSnapshot()
		if len(d.snaps) == 0 || errors.Is(err, ErrTooLarge) {
			// Past the decompression cap nothing is trusted: a bomb is an
			// error, not a truncated dump.
			return d.snaps, err
		}
		last := d.snaps[len(d.snaps)-1]
		last.Warnings = append(last.Warnings, Warning{Kind: WarnTruncated, Line: lr.line + 1, Offset: -1,
			Message: fmt.Sprintf("input unreadable after line %d (%v); %d goroutines were read before it", lr.line, err, last.GoroutineCount())})
		return d.snaps, nil
	}
	d.endOfInput(false)
	d.finishSnapshot()
	if len(d.snaps) == 0 && d.err != nil {
		return nil, d.err
	}
	if len(d.snaps) == 0 && d.frameless > 0 {
		return nil, &InputError{Name: d.name, Line: d.framelessLine, Offset: -1,
			Err: fmt.Errorf("%d goroutine headers but not one stack frame under them: %w", d.frameless, ErrUnrecognized)}
	}
	if d.err != nil {
		last := d.snaps[len(d.snaps)-1]
		last.Warnings = append(last.Warnings, Warning{Kind: WarnMalformed, Offset: -1, Message: d.err.Error()})
	}
	return d.snaps, nil
}

// warn records a warning on the current snapshot, creating none.
func (d *dumpReader) warn(w Warning) {
	if d.cur != nil {
		d.cur.Warnings = append(d.cur.Warnings, w)
	}
}

func (d *dumpReader) startSnapshot() {
	d.finishSnapshot()
	d.cur = &Snapshot{
		Source: Source{Name: d.name, Index: len(d.snaps), Offset: d.lr.offset, Line: d.lr.line},
	}
	d.snapStartBytes = d.lr.offset
	d.ids.reset()
	d.crashMarked = false
	d.threadSections = false
	d.sawG0 = false
}

func (d *dumpReader) finishSnapshot() {
	s := d.cur
	if s == nil {
		return
	}
	d.cur = nil
	s.Goroutines = d.gs.flatten()
	framed := anyFrames(s.Goroutines)
	if s.Crash != nil && !framed && !d.crashStandsAlone(s.Crash) {
		s.Crash = nil
	}
	if s.Crash == nil && len(s.Races) == 0 && !framed {
		// Goroutine headers with nothing under them are quotes (a README,
		// a comment), not a dump.
		if len(s.Goroutines) > 0 {
			d.frameless += len(s.Goroutines)
			if d.framelessLine == 0 {
				d.framelessLine = s.Source.Line
			}
		}
		return
	}
	s.Source.Bytes = d.lr.next - d.snapStartBytes
	// The goroutineleak profile at debug=2 prints every goroutine after a
	// leak-finding GC, from runtime/pprof.writeGoroutineLeak; a plain dump
	// can show "(leaked)" too, once such a GC has run.
	leakProfile := false
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		if g.Labels != nil {
			s.Caps |= CapLabels
		}
		if !leakProfile && g.Flags&FlagLeaked == 0 && hasFunction(g.Stack, "runtime/pprof.writeGoroutineLeak") {
			leakProfile = true
		}
	}
	leaked := leakProfile
	switch {
	case s.Crash != nil:
		s.Source.Format = FormatCrash
		s.Caps |= CapCrash
	case leaked:
		s.Source.Format = FormatLeakDebug2
	case len(s.Goroutines) == 0 && len(s.Races) > 0:
		s.Source.Format = FormatRace
	default:
		s.Source.Format = FormatDebug2
	}
	if len(s.Goroutines) > 0 {
		s.Caps |= CapGoroutineIDs | CapStates | CapWaitAges | CapCreators
	}
	if len(s.Races) > 0 {
		s.Caps |= CapRaces
	}
	s.Total = s.GoroutineCount()
	if s.Source.GoVersion == "" {
		s.Source.GoVersion = goVersionFromStacks(s)
	}
	d.snaps = append(d.snaps, s)
}

// line handles one input line.
func (d *dumpReader) line(raw []byte) {
	line := d.undecorate(raw)
	blank := isBlank(line)
	d.lastLineInFrames = d.state == stFrames

	switch d.state {
	case stFrames:
		if blank {
			d.finishGoroutine()
			d.state = stOutside
			return
		}
		if d.frameLine(line) {
			return
		}
		// Not a frame: the goroutine ended without a blank line.
		d.finishGoroutine()
		d.state = stOutside
	case stCrashHeader:
		if d.crashHeaderLine(raw, line, blank) {
			return
		}
	}
	if blank {
		return
	}
	d.outsideLine(raw, line)
}

// outsideLine looks for the start of something in a line outside any
// goroutine.
func (d *dumpReader) outsideLine(raw, line []byte) {
	if d.cur != nil && d.cur.Crash != nil && bytes.Equal(bytes.TrimSpace(line), []byte("-----")) {
		// GOTRACEBACK=crash: what follows are the other threads' own
		// signal reports, each reprinting a goroutine of this dump.
		d.threadSections = true
		return
	}
	if f := profileTextStart(trimIndent(line)); f != FormatUnrecognized {
		d.textProfile(f, raw)
		return
	}
	if i := headerIndex(raw); i >= 0 {
		d.learnDecoration(raw, i)
		d.header(raw[i:])
		return
	}
	if kind, i := crashHeaderIndex(raw); i >= 0 {
		d.learnDecoration(raw, i)
		d.startCrash(kind, d.undecorate(raw))
		return
	}
	if i := bytes.Index(raw, []byte("WARNING: DATA RACE")); i >= 0 {
		d.learnDecoration(raw, i)
		d.race()
		return
	}
	if d.cur != nil && d.cur.Crash != nil && d.cur.Crash.RuntimeStack == nil && bytes.Equal(bytes.TrimSpace(line), []byte("runtime stack:")) {
		d.beginFrames(toRuntimeStack)
		return
	}
}

// textProfile hands a debug=1 goroutine profile or a text contention
// profile, starting at line raw, to its own reader.
func (d *dumpReader) textProfile(f Format, raw []byte) {
	d.sawProfile = true
	d.finishSnapshot()
	line := d.lr.line
	d.lr.unread(raw)
	var (
		s   *Snapshot
		err error
	)
	switch f {
	case FormatDebug1, FormatLeakDebug1:
		s, err = readDebug1(d.ctx, d.name, d.lr, d.in)
	default:
		s, err = readContentionText(d.ctx, d.name, d.lr, d.in)
	}
	if err != nil {
		if d.err == nil {
			d.err = err
		}
		if d.lr.hasPushed && d.lr.line < line {
			// The reader handed the first line back unread: skip it, or
			// this loop would read it forever.
			d.lr.readLine()
		}
		return
	}
	if s != nil {
		s.Source.Index = len(d.snaps)
		d.snaps = append(d.snaps, s)
	}
}

// learnDecoration records the text before a header (a log prefix) and after
// it, to strip them from the lines that follow when they carry them too.
func (d *dumpReader) learnDecoration(raw []byte, at int) {
	if at == 0 && len(d.prefix) == 0 && len(d.suffix) == 0 && bytes.HasSuffix(raw, []byte("]:")) {
		return // a plain header: nothing before it or after its "]:"
	}
	d.prefix = append(d.prefix[:0], raw[:at]...)
	d.prefixShape = shapeOf(d.prefixShape[:0], d.prefix)
	d.suffix = d.suffix[:0]
	// A trailing marker after the header's "]:" or message, separated by
	// spaces, as log viewers append (" - ").
	if j := bytes.LastIndex(raw, []byte("]:")); j > at {
		tail := bytes.TrimSpace(raw[j+2:])
		if len(tail) > 0 && len(tail) <= 8 {
			d.suffix = append(d.suffix, tail...)
		}
	}
	if len(bytes.TrimSpace(d.prefix)) == 0 {
		d.prefix = d.prefix[:0]
	}
	if len(d.suffix) > 0 && d.cur != nil && d.cur.Crash != nil {
		// The crash header was read before the suffix was known.
		c := d.cur.Crash
		c.Message = trimSuffixMarker(c.Message, string(d.suffix))
		for i := range c.Header {
			c.Header[i] = trimSuffixMarker(c.Header[i], string(d.suffix))
		}
		for i := range c.Panics {
			c.Panics[i].Message = trimSuffixMarker(c.Panics[i].Message, string(d.suffix))
		}
	}
}

func trimSuffixMarker(s, marker string) string {
	t := strings.TrimRight(s, " \t")
	if u, ok := strings.CutSuffix(t, marker); ok && (u == "" || strings.HasSuffix(u, " ") || strings.HasSuffix(u, "\t")) {
		return strings.TrimRight(u, " \t")
	}
	return s
}

// undecorate strips the learnt prefix and suffix from a line.
func (d *dumpReader) undecorate(raw []byte) []byte {
	line := raw
	if n := len(d.prefix); n > 0 && len(line) >= n {
		if bytes.HasPrefix(line, d.prefix) || sameShape(line[:n], d.prefixShape) {
			line = line[n:]
		}
	}
	if len(d.suffix) > 0 {
		t := bytes.TrimRight(line, " \t")
		if bytes.HasSuffix(t, d.suffix) {
			u := t[:len(t)-len(d.suffix)]
			if len(u) == 0 || u[len(u)-1] == ' ' || u[len(u)-1] == '\t' {
				line = u
			}
		}
	}
	// Trailing padding (log viewers, terminals) never matters.
	for n := len(line); n > 0 && (line[n-1] == ' ' || line[n-1] == '\t'); n-- {
		line = line[:n-1]
	}
	return line
}

// isBlank reports whether b holds only spaces and tabs.
func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f' {
			return false
		}
	}
	return true
}

// trimIndent drops leading spaces and tabs.
func trimIndent(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return b[i:]
}

// shapeOf maps digits to '0' so that timestamps of one format match.
func shapeOf(dst, b []byte) []byte {
	for _, c := range b {
		if c >= '0' && c <= '9' {
			c = '0'
		}
		dst = append(dst, c)
	}
	return dst
}

func sameShape(b, shape []byte) bool {
	if len(b) != len(shape) {
		return false
	}
	digits := false
	for i, c := range b {
		if c >= '0' && c <= '9' {
			c = '0'
			digits = true
		}
		if c != shape[i] {
			return false
		}
	}
	return digits
}

// headerIndex returns where a goroutine header starts in line, or -1.
// A header is "goroutine N [" or "goroutine N gp=".
func headerIndex(line []byte) int {
	off := 0
	for {
		i := bytes.Index(line[off:], []byte("goroutine "))
		if i < 0 {
			return -1
		}
		i += off
		j := i + len("goroutine ")
		k := j
		for k < len(line) && line[k] >= '0' && line[k] <= '9' {
			k++
		}
		if k > j && k+1 < len(line) && line[k] == ' ' && (line[k+1] == '[' || bytes.HasPrefix(line[k+1:], []byte("gp="))) &&
			bytes.Contains(line[k:], []byte("]")) {
			return i
		}
		off = i + 1
	}
}

// header parses a goroutine header and starts a goroutine.
func (d *dumpReader) header(h []byte) {
	// "goroutine 7 gp=0xc000002380 m=0 mp=0x... [chan receive, 12 minutes, locked to thread]:"
	rest := h[len("goroutine "):]
	k := 0
	for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
		k++
	}
	id := parseID(rest[:k])
	rest = rest[k:]
	open := bytes.IndexByte(rest, '[')
	var g Goroutine
	g.ID = id
	g.Count = 1
	g.Line = d.lr.line
	if open > 0 {
		parseGM(&g, rest[:open])
	}
	d.parseBracket(&g, rest[open+1:])

	if d.threadSections && d.cur != nil && (d.ids.has(id) || id == 0 && d.sawG0) {
		// A thread's reprint of a goroutine already read: skip it.
		d.skipGoroutine = true
		d.g = g
		d.beginFrames(toGoroutine)
		return
	}
	switch {
	case d.cur == nil:
		d.startSnapshot()
	case id != 0 && d.ids.has(id):
		// The same goroutine again: a second dump begins.
		d.startSnapshot()
	}
	if c := d.cur.Crash; c != nil && !d.crashMarked {
		// The first goroutine after a crash header is the one that crashed,
		// except for SIGQUIT, which only asks for a dump.
		d.crashMarked = true
		if !isDumpSignal(c) {
			g.Flags |= FlagCrashed
			c.GoroutineID = id
		}
	}
	d.crashLines = 0
	if s := d.cur; d.gs.n == 0 && s.Crash == nil && len(s.Races) == 0 {
		// Whatever started this snapshot came to nothing: it starts here.
		s.Source.Line, s.Source.Offset = d.lr.line, d.lr.offset
		d.snapStartBytes = d.lr.offset
	}
	d.ids.add(id)
	if id == 0 {
		d.sawG0 = true
	}
	d.g = g
	d.goroutineFirst = d.lr.line
	d.beginFrames(toGoroutine)
}

// parseID reads a goroutine ID of decimal digits; IDs too large for an
// int64 read as 0, as strconv.ParseInt's error did.
func parseID(digits []byte) int64 {
	if len(digits) > 18 {
		id, _ := strconv.ParseInt(string(digits), 10, 64)
		return id
	}
	var id int64
	for _, c := range digits {
		id = id*10 + int64(c-'0')
	}
	return id
}

// parseInt is strconv.ParseInt(string(b), 10, 64) without the string for
// the usual all-digit b.
func parseInt(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 18 {
		return strconv.ParseInt(string(b), 10, 64)
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return strconv.ParseInt(string(b), 10, 64)
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// parseGM reads " gp=0x... m=N mp=0x..." (Go 1.23+).
func parseGM(g *Goroutine, b []byte) {
	for _, f := range bytes.Fields(b) {
		switch {
		case bytes.HasPrefix(f, []byte("gp=")):
			g.extra().GP, _ = strconv.ParseUint(string(trimHex(f[3:])), 16, 64)
		case bytes.Equal(f, []byte("m=nil")):
			g.extra().MNil = true
		case bytes.HasPrefix(f, []byte("m=")):
			g.extra().M, _ = strconv.ParseUint(string(f[2:]), 10, 64)
		}
	}
}

func trimHex(b []byte) []byte {
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		return b[2:]
	}
	return b
}

// parseStatus reads the bracket of a goroutine header:
// "chan send (leaked), 12 minutes, locked to thread, synctest bubble 1 labels:{"k": "v"}".
// parseBracket reads what follows the '[' of a goroutine header: the
// status, Go 1.26's labels inside the bracket (`labels:{"k": "v"}]:`) or
// Go 1.27's after it (`] {k: v, "a b": "c"}:`).
func (d *dumpReader) parseBracket(g *Goroutine, b []byte) {
	if i := bytes.Index(b, []byte("labels:{")); i >= 0 {
		g.Labels = d.parseHeaderLabels(b[i+len("labels:{"):])
		d.parseStatus(g, bytes.TrimRight(b[:i], ", "))
		return
	}
	end := bytes.IndexByte(b, ']')
	if end < 0 {
		d.parseStatus(g, b)
		return
	}
	d.parseStatus(g, b[:end])
	if after := b[end+1:]; bytes.HasPrefix(after, []byte(" {")) {
		g.Labels = d.parseHeaderLabels(after[2:])
	}
}

func (d *dumpReader) parseStatus(g *Goroutine, body []byte) {
	first := true
	for len(body) > 0 {
		var part []byte
		if i := bytes.Index(body, []byte(", ")); i >= 0 {
			part, body = body[:i], body[i+2:]
		} else {
			part, body = body, nil
		}
		part = bytes.TrimSpace(part)
		if first {
			first = false
			g.State = d.parseState(g, part)
			continue
		}
		switch {
		case bytes.HasSuffix(part, []byte(" minutes")):
			n, err := strconv.Atoi(string(part[:len(part)-len(" minutes")]))
			if err == nil {
				g.Wait = time.Duration(n) * time.Minute
			}
		case bytes.Equal(part, []byte("locked to thread")):
			g.Flags |= FlagLockedToThread
		case bytes.HasPrefix(part, []byte("synctest bubble ")):
			g.Flags |= FlagSynctestBubble
			g.extra().Bubble, _ = strconv.ParseInt(string(bytes.TrimSpace(part[len("synctest bubble "):])), 10, 64)
		case bytes.HasPrefix(part, []byte("labels:")):
			// handled above
		}
	}
}

// parseState strips the modifiers the runtime appends to a state.
func (d *dumpReader) parseState(g *Goroutine, s []byte) string {
	for {
		switch {
		case bytes.HasSuffix(s, []byte(" (leaked)")):
			g.Flags |= FlagLeaked
			s = s[:len(s)-len(" (leaked)")]
		case bytes.HasSuffix(s, []byte(" (scan)")):
			g.Flags |= FlagScan
			s = s[:len(s)-len(" (scan)")]
		case bytes.HasSuffix(s, []byte(" (durable)")):
			g.Flags |= FlagDurable
			s = s[:len(s)-len(" (durable)")]
		default:
			if bytes.Equal(s, []byte("leaked")) {
				g.Flags |= FlagLeaked
			}
			return d.in.Bytes(s)
		}
	}
}

// parseHeaderLabels reads `"k": "v", "k2": "v2"}` (Go 1.26+ header labels).
func (d *dumpReader) parseHeaderLabels(b []byte) *Labels {
	var pairs []LabelPair
	for {
		b = bytes.TrimLeft(b, " ,")
		if len(b) == 0 || b[0] == '}' {
			break
		}
		k, rest, ok := readLabelToken(b)
		if !ok {
			break
		}
		rest = bytes.TrimLeft(rest, " ")
		if len(rest) == 0 || rest[0] != ':' {
			break
		}
		v, rest2, ok := readLabelToken(bytes.TrimLeft(rest[1:], " "))
		if !ok {
			break
		}
		pairs = append(pairs, LabelPair{Key: k, Value: v})
		b = rest2
	}
	return d.in.Labels(pairs)
}

// readLabelToken reads a label key or value: Go-quoted, or (Go 1.27) bare
// when it holds only letters, digits, '.', '/' and '_'.
func readLabelToken(b []byte) (string, []byte, bool) {
	if len(b) > 0 && b[0] == '"' {
		return readQuoted(b)
	}
	i := 0
	for i < len(b) {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '/' || c == '_') {
			break
		}
		i++
	}
	return string(b[:i]), b[i:], true
}

// readQuoted reads a Go-quoted string at the start of b.
func readQuoted(b []byte) (string, []byte, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", b, false
	}
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			s, err := strconv.Unquote(string(b[:i+1]))
			if err != nil {
				return string(b[1:i]), b[i+1:], true
			}
			return s, b[i+1:], true
		}
	}
	return "", b, false
}

func (d *dumpReader) beginFrames(t frameTarget) {
	d.state = stFrames
	d.prevLoc = nil
	if t == toGoroutine {
		d.prevLoc = &d.headLoc
	}
	d.target = t
	d.frames = d.frames[:0]
	d.createdBy = nil
	d.elided = 0
	d.elidedAt = 0
	d.ancestors = nil
	d.hasPendingFn = false
	d.expectCreator = false
}

// frameLine handles a line inside a goroutine; it returns false when the
// line is not part of the goroutine.
func (d *dumpReader) frameLine(line []byte) bool {
	// File lines follow function lines; try them first when one is due.
	if d.hasPendingFn || d.expectCreator {
		// A due creator takes the file line first, as below.
		if d.expectCreator && d.creator != nil && !d.opts.noFrameCache {
			if f, _, ok := d.cachedFrame(d.creator, line, false); ok {
				d.setCreator(f)
				d.expectCreator = false
				d.lastWasFile = true
				return true
			}
		} else if !d.expectCreator && d.pendingFunc != nil && !d.opts.noFrameCache && d.cachedFileLine(line) {
			return true
		}
		if file, ln, pc, ok := parseFileLine(line); ok {
			if d.expectCreator {
				d.setCreator(d.in.Frame(d.creatorName(), file, ln, pc, false))
				d.expectCreator = false
				d.lastWasFile = true
				return true
			}
			d.addFrame(d.in.Frame(d.pendingName(), file, ln, pc, d.pendingInlined))
			d.hasPendingFn = false
			d.lastWasFile = true
			return true
		}
		d.flushPending()
	}
	d.lastWasFile = false
	t := trimIndent(line)
	if d.hasSuspect {
		// The suspect line was not followed by a file line: it was not
		// a frame. Whatever it was, this goroutine ended before it.
		if _, _, _, ok := parseFileLine(line); !ok {
			d.hasSuspect = false
			return false
		}
	}
	if len(t) > 0 && (t[0] == 'c' || t[0] == '.' || t[0] == '[' || t[0] == 'g') && d.markerLine(t) {
		return true
	}
	if !d.opts.noFrameCache && d.funcLine(t) {
		return true
	}
	if fn, _, ok := parseFuncLine(t); ok {
		e := d.cache.addFunc(fn, d.in)
		if e != nil {
			d.followedBy(e)
		}
		d.prevLoc = nil
		d.setPendingFn(e, fn, t)
		return true
	}
	if headerIndex(line) >= 0 {
		return false
	}
	if _, _, _, ok := parseFileLine(line); ok {
		if d.hasSuspect {
			// The line before was a frame we could not read.
			d.hasSuspect = false
			d.warn(Warning{Kind: WarnMalformed, Line: d.suspectLine, Offset: -1,
				Message: fmt.Sprintf("unreadable frame %q skipped in goroutine %d", d.suspect, d.g.ID)})
		}
		// Otherwise a file line without its function (a pasted fragment).
		return true
	}
	if !d.hasSuspect && d.target == toGoroutine && bytes.IndexByte(t, '(') > 0 {
		if k, _ := crashHeaderIndex(line); k == crashNone {
			// Perhaps a mangled frame: decide when the next line comes.
			d.suspect = append(d.suspect[:0], t[:min(len(t), 120)]...)
			d.suspectLine = d.lr.line
			d.hasSuspect = true
			return true
		}
	}
	return false
}

// markerLine handles the lines inside a goroutine that are not frames:
// "created by", elision markers, ancestors, "stack unavailable", "[snip]".
// It returns false for any other line.
func (d *dumpReader) markerLine(t []byte) bool {
	switch {
	case bytes.HasPrefix(t, []byte("created by ")):
		fn := t[len("created by "):]
		if i := bytes.Index(fn, []byte(" in goroutine ")); i >= 0 {
			id, err := parseInt(bytes.TrimSpace(fn[i+len(" in goroutine "):]))
			if err == nil && d.target == toGoroutine {
				d.g.CreatorID = id
				d.cur.Caps |= CapCreatorIDs
			}
			fn = fn[:i]
		}
		fn = bytes.TrimSpace(fn)
		if d.creator = d.cache.creator(fn, d.in); d.creator == nil {
			d.creatorFn = append(d.creatorFn[:0], fn...)
		}
		d.expectCreator = true
		return true
	case bytes.HasPrefix(t, []byte("...")):
		// "...additional frames elided..." or "...N frames elided..."
		if bytes.HasSuffix(t, []byte("frames elided...")) {
			mid := bytes.TrimSpace(t[3 : len(t)-len("frames elided...")])
			n, err := strconv.Atoi(string(mid))
			if err != nil {
				n = -1
			}
			if d.target == toAncestor {
				return true
			}
			d.elided = n
			d.elidedAt = len(d.frames)
			d.g.Flags |= FlagFramesElided
			return true
		}
		// "..." or "...[snip]..." pasted by a user: not ours, skip it.
		return true
	case bytes.HasPrefix(t, []byte("[originating from goroutine ")):
		if d.target == toRuntimeStack {
			// Ancestors are a goroutine's, never a runtime stack's:
			// the line is not the runtime's, skip it.
			return true
		}
		d.flushAncestor()
		rest := t[len("[originating from goroutine "):]
		end := bytes.IndexByte(rest, ']')
		if end < 0 {
			end = len(rest)
		}
		d.ancID, _ = strconv.ParseInt(string(rest[:end]), 10, 64)
		if d.target == toGoroutine {
			d.finishMainFrames()
		}
		d.target = toAncestor
		d.ancFrames = d.ancFrames[:0]
		d.ancCreated = nil
		return true
	case bytes.HasPrefix(t, []byte("goroutine running on other thread; stack unavailable")):
		d.g.Flags |= FlagStackUnavailable
		return true
	case bytes.HasPrefix(t, []byte("[snip]")):
		return true
	}
	return false
}

// setPendingFn records the function line t, of function fn (cached as e
// when e is not nil), whose file line is due next.
func (d *dumpReader) setPendingFn(e *funcLines, fn, t []byte) {
	d.pendingFunc = e
	if e == nil {
		d.pendingFn = append(d.pendingFn[:0], fn...)
	}
	n := len(fn)
	d.pendingInlined = len(t) >= n+5 && t[n+1] == '.' && t[n+2] == '.' && t[n+3] == '.' && t[n+4] == ')'

	d.hasPendingFn = true
	d.pendingLine = d.lr.line
}

// creatorName is the function of the "created by" line being read.
func (d *dumpReader) creatorName() []byte {
	if d.creator != nil {
		return d.creator.name
	}
	return d.creatorFn
}

// pendingName is the function name of the pending function line.
func (d *dumpReader) pendingName() []byte {
	if d.pendingFunc != nil {
		return d.pendingFunc.name
	}
	return d.pendingFn
}

// cachedFileLine takes line as the file line of the pending function when
// the cache knows it, or parses it and caches the frame; it returns false
// when line is not a file line the cache can take.
func (d *dumpReader) cachedFileLine(line []byte) bool {
	f, l, ok := d.cachedFrame(d.pendingFunc, line, d.pendingInlined)
	if !ok {
		return false
	}
	d.addFrame(f)
	d.hasPendingFn = false
	d.lastWasFile = true
	d.prevLoc = l
	return true
}

// cachedFrame returns the frame that file line makes under e, from the
// cache or parsed and then cached, with its cache entry (nil when the
// entry is full). ok is false when line is not a file line the cache can
// take: the caller parses it.
func (d *dumpReader) cachedFrame(e *funcLines, line []byte, inlined bool) (*Frame, *cachedLoc, bool) {
	t := trimIndent(line)
	if l := e.last; l != nil && l.matches(t, inlined) {
		return l.frame, l, true
	}
	key, whole, ok := locKey(t)
	if !ok {
		return nil, nil, false
	}
	l := e.loc(key, whole, inlined)
	if l == nil {
		file, ln, pc, ok := parseFileLine(line)
		if !ok {
			return nil, nil, false
		}
		f := d.in.Frame(e.name, file, ln, pc, inlined)
		if l = e.addLoc(key, whole, inlined, f); l == nil {
			return f, nil, true
		}
	}
	e.last = l
	return l.frame, l, true
}

// funcLine looks the function line t (indent trimmed) up in the frame
// cache, trying first the function that followed the previous frame the
// last time, and records it as pending. It returns false when the cache
// does not know the function.
func (d *dumpReader) funcLine(t []byte) bool {
	var e *funcLines
	if p := d.prevLoc; p != nil {
		e = p.follower(t)
	}
	if e == nil {
		if e, _ = d.cache.lookupFunc(t); e == nil {
			return false
		}
	}
	d.followedBy(e)
	d.setPendingFn(e, e.name, t)
	return true
}

// followedBy learns that function line e came next.
func (d *dumpReader) followedBy(e *funcLines) {
	switch {
	case d.prevLoc != nil:
		d.prevLoc.followedBy(e)
	}
	d.prevLoc = nil
}

// flushPending keeps a function line whose file line never came, as a frame
// with an unknown file.
func (d *dumpReader) flushPending() {
	if !d.hasPendingFn {
		return
	}
	d.hasPendingFn = false
	d.addFrame(d.in.Frame(d.pendingName(), nil, 0, 0, d.pendingInlined))
	if d.atEOF {
		return // the truncation warning says it
	}
	d.warn(Warning{Kind: WarnMalformed, Line: d.pendingLine, Offset: -1,
		Message: fmt.Sprintf("frame %s has no file:line", d.pendingName())})
}

func (d *dumpReader) addFrame(f *Frame) {
	if d.target == toAncestor {
		d.ancFrames = append(d.ancFrames, f)
		return
	}
	d.frames = append(d.frames, f)
}

func (d *dumpReader) setCreator(f *Frame) {
	if d.target == toAncestor {
		d.ancCreated = f
		return
	}
	d.createdBy = f
}

func (d *dumpReader) finishMainFrames() {
	// The stack that ended with the same frame last time is likely this
	// one: checking it is cheaper than hashing the frames.
	l := d.prevLoc
	if l != nil && !d.opts.noFrameCache {
		if st := l.stack; st != nil && st.CreatedBy == d.createdBy && st.Elided == d.elided && st.ElidedAt == d.elidedAt && sameFrames(st.Frames, d.frames) {
			d.g.Stack = st
			return
		}
	}
	d.g.Stack = d.in.Stack(d.frames, d.createdBy, d.elided, d.elidedAt)
	if l != nil {
		l.stack = d.g.Stack
	}
}

func (d *dumpReader) flushAncestor() {
	if d.target != toAncestor {
		return
	}
	d.ancestors = append(d.ancestors, Ancestor{ID: d.ancID, Stack: d.in.Stack(d.ancFrames, d.ancCreated, 0, 0)})
}

// finishGoroutine stores the goroutine being built.
func (d *dumpReader) finishGoroutine() {
	d.hasSuspect = false
	if d.hasPendingFn {
		d.flushPending()
	}
	if d.expectCreator {
		d.setCreator(d.in.Frame(d.creatorName(), nil, 0, 0, false))
		d.expectCreator = false
		if !d.atEOF {
			d.warn(Warning{Kind: WarnMalformed, Line: d.lr.line, Offset: -1,
				Message: fmt.Sprintf("\"created by %s\" has no file:line", d.creatorName())})
		}
	}
	if d.target == toGoroutine && len(d.frames) == 0 && d.g.Flags&FlagStackUnavailable == 0 && !d.atEOF {
		d.warn(Warning{Kind: WarnMalformed, Line: d.g.Line, Offset: -1,
			Message: fmt.Sprintf("goroutine %d has no stack frames", d.g.ID)})
	}
	switch d.target {
	case toRuntimeStack:
		if d.cur != nil && d.cur.Crash != nil && len(d.frames) > 0 {
			d.cur.Crash.RuntimeStack = d.in.Stack(d.frames, nil, d.elided, d.elidedAt)
		}
		d.state = stOutside
		return
	case toAncestor:
		d.flushAncestor()
		d.g.extra().Ancestors = d.ancestors
	default:
		d.finishMainFrames()
	}
	if d.skipGoroutine {
		d.skipGoroutine = false
		d.g = Goroutine{}
		d.target = toGoroutine
		d.state = stOutside
		return
	}
	d.gs.add(&d.g)
	if d.opts.sizeHint > 0 && d.gs.n == d.sizeProbe() {
		d.sizeStore()
	}
	d.g = Goroutine{}
	d.target = toGoroutine
	d.state = stOutside
}

// sizeProbeGoroutines is how many goroutines the reader of an input of
// known size reads before it sizes the goroutine store (sizeStore).
const sizeProbeGoroutines = 2048

func (d *dumpReader) sizeProbe() int {
	if d.opts.sizeProbe > 0 {
		return d.opts.sizeProbe
	}
	return sizeProbeGoroutines
}

// sizeStoreMin is the least input left after the probe for which sizing
// the store is worth it.
const sizeStoreMin = 8 << 20

// sizeStore makes room in the goroutine store for as many goroutines as
// the rest of the input holds at the density of those read so far (10%
// more), so that each record is copied once, as it is read, instead of
// again into one slice when the snapshot ends (on a 1M-goroutine dump
// that copy was a fifth of the reader's CPU time). An input with other
// text or further dumps after this one leaves room unused, which
// finishSnapshot gives back (goroutineStore.flatten).
func (d *dumpReader) sizeStore() {
	read := d.lr.next - d.snapStartBytes
	left := d.opts.sizeHint - d.lr.next
	if read <= 0 || left <= 0 || left < sizeStoreMin && d.opts.sizeProbe == 0 {
		return
	}
	d.gs.reserve(d.gs.n + int(float64(d.gs.n)*float64(left)/float64(read)*1.1))
}

// endOfInput closes whatever was being read at the end of the input and
// says what was lost if it was cut.
func (d *dumpReader) endOfInput(readErr bool) {
	inFrames := d.state == stFrames
	cutInFrames := inFrames && (d.hasPendingFn || d.expectCreator ||
		d.target == toGoroutine && len(d.frames) == 0 && d.g.Flags&FlagStackUnavailable == 0)
	// A last line without a newline that was not a complete file line was
	// cut mid-way.
	cutLastLine := d.lr.unterminated && d.lastLineInFrames && !d.lastWasFile
	isGoroutine := !inFrames || d.target != toRuntimeStack
	if inFrames {
		d.atEOF = true
		d.finishGoroutine()
	}
	if readErr || d.cur == nil || d.gs.n == 0 || !isGoroutine || !(cutInFrames || cutLastLine) {
		return
	}
	read := d.gs.n
	id := d.gs.last().ID
	if d.lr.next-d.snapStartBytes == pprofDebug2Cap || d.lr.next == pprofDebug2Cap {
		d.warn(Warning{Kind: WarnPprofCap, Line: d.lr.line, Offset: d.lr.next,
			Message: fmt.Sprintf("the dump stops at exactly 64 MiB, where net/http/pprof's goroutine?debug=2 gives up: it is incomplete; %d goroutines were read, the last (goroutine %d) is cut and any after it are lost; capture with runtime.Stack and a larger buffer, or use debug=1 or debug=0", read, id)})
		return
	}
	d.warn(Warning{Kind: WarnTruncated, Line: d.lr.line, Offset: d.lr.next,
		Message: fmt.Sprintf("input ends inside goroutine %d: its stack is incomplete; %d goroutines were read", id, read)})
}

const pprofDebug2Cap = 64 << 20

// parseFuncLine reads a function line, "pkg.(*T).Method(0x1, {0x2, 0x3})",
// "pkg.fn(...)", "chanrecv(0x838c340)", and returns the function name and
// whether the call was printed as inlined "(...)".
func parseFuncLine(t []byte) (fn []byte, inlined, ok bool) {
	depth, opens, closes := 0, 0, 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; c {
		case ')':
			closes++
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case '(':
			if depth > 0 || (i > 0 && t[i-1] == '.') {
				// A receiver "(*T)" or inside generic brackets.
				opens++
				if depth == 0 {
					j := bytes.IndexByte(t[i:], ')')
					if j < 0 {
						return nil, false, false
					}
					i += j
					closes++
				}
				continue
			}
			if i == 0 {
				return nil, false, false
			}
			fn = t[:i]
			if opens != closes {
				return nil, false, false
			}
			if bytes.IndexByte(fn, ' ') >= 0 || bytes.IndexByte(fn, ':') >= 0 && !bytes.Contains(fn, []byte("::")) {
				return nil, false, false
			}
			inlined = bytes.HasPrefix(t[i:], []byte("(...)"))
			return fn, inlined, true
		case ' ', '\t':
			if depth == 0 {
				return nil, false, false
			}
		}
	}
	return nil, false, false
}

// parseFileLine reads a file line, "\t/src/x.go:12 +0x1d fp=... sp=...",
// "C:/Go/src/x.go:12", "??:0", "<autogenerated>:1".
func parseFileLine(line []byte) (file []byte, ln int, pc uint64, ok bool) {
	t := trimIndent(line)
	if len(t) == 0 {
		return nil, 0, 0, false
	}
	// The path ends at the last ':' followed by a (possibly negative) line
	// number and then the end or a space.
	end := len(t)
	if i := bytes.Index(t, []byte(" +0x")); i >= 0 {
		end = i
	} else if i := bytes.Index(t, []byte(" fp=")); i >= 0 {
		end = i
	} else if i := bytes.Index(t, []byte(" pc=")); i >= 0 {
		end = i
	}
	head := t[:end]
	for len(head) > 0 && head[len(head)-1] == ' ' {
		head = head[:len(head)-1]
	}
	colon := bytes.LastIndexByte(head, ':')
	if colon <= 0 || colon == len(head)-1 {
		return nil, 0, 0, false
	}
	num := head[colon+1:]
	neg := false
	if num[0] == '-' {
		neg = true
		num = num[1:]
	}
	if len(num) == 0 || len(num) > 9 {
		return nil, 0, 0, false
	}
	n := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return nil, 0, 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	file = head[:colon]
	if !looksLikePath(file) {
		return nil, 0, 0, false
	}
	if end < len(t) && bytes.HasPrefix(t[end:], []byte(" +0x")) {
		for _, c := range t[end+4:] {
			v, ok := hexVal(c)
			if !ok || pc>>60 != 0 {
				break
			}
			pc = pc<<4 | uint64(v)
		}
	}
	return file, n, pc, true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// looksLikePath accepts what the runtime prints as a file: absolute and
// relative paths, Windows paths, "?", "??" and "<autogenerated>".
func looksLikePath(f []byte) bool {
	switch {
	case len(f) == 0:
		return false
	case f[0] == '/' || f[0] == '?' || f[0] == '<' || f[0] == '.' || f[0] == '_':
		return true
	case bytes.IndexByte(f, '/') >= 0 || bytes.IndexByte(f, '\\') >= 0:
		return bytes.IndexByte(f, '(') < 0 || bytes.Contains(f, []byte("Program Files")) || len(f) > 1 && f[1] == ':'
	case bytes.HasSuffix(f, []byte(".go")) || bytes.HasSuffix(f, []byte(".s")) || bytes.HasSuffix(f, []byte(".c")):
		return true
	}
	return false
}

// idSet remembers goroutine IDs of the current snapshot, compactly: a
// bitmap from the first ID added, rounded down (a chunk of a large dump
// holds a dense run of high IDs), and a map for IDs below it or too far
// above.
type idSet struct {
	bits []uint64
	base int64 // ID of bit 0; set by the first add after a reset
	used bool
	big  map[int64]struct{}
}

const idSetMaxBits = 1 << 26 // 8 MiB of bits; IDs further above base go to a map

func (s *idSet) reset() {
	clear(s.bits)
	s.used = false
	s.big = nil
}

func (s *idSet) has(id int64) bool {
	if off := id - s.base; s.used && off >= 0 && off < idSetMaxBits {
		w := int(off >> 6)
		if w < len(s.bits) && s.bits[w]&(1<<(off&63)) != 0 {
			return true
		}
	}
	_, ok := s.big[id]
	return ok
}

func (s *idSet) add(id int64) {
	if !s.used {
		s.used = true
		s.base = max(id, 0) &^ 63 // the bits were cleared by reset
	}
	if off := id - s.base; off >= 0 && off < idSetMaxBits {
		w := int(off >> 6)
		if w >= len(s.bits) {
			s.bits = append(s.bits, make([]uint64, w+1-len(s.bits)+len(s.bits)/2)...)
		}
		s.bits[w] |= 1 << (off & 63)
		return
	}
	if s.big == nil {
		s.big = make(map[int64]struct{})
	}
	s.big[id] = struct{}{}
}

// goroutineStore collects goroutines in fixed-size chunks and copies them
// into one slice once, at the end: appending a million 100-byte structs to
// one growing slice would copy them several times over.
type goroutineStore struct {
	chunks [][]Goroutine
	n      int
	// bulk stores hold a part of a large dump (a chunk read by a worker):
	// they skip the small first chunks, and use smaller ones, so that the
	// part's last, partly filled chunk wastes little.
	bulk bool
	// free, when set, passes emptied bulk chunks around one parallel read:
	// a bulk store takes its chunks from it first, and adopt puts back the
	// chunks it copied out of, so the records of the workers' chunks are
	// not garbage for the collector to wait on (the heap would grow to
	// twice the store before a collection).
	free chan []Goroutine
}

const (
	goroutineChunk     = 4096
	bulkGoroutineChunk = 1024
)

func (gs *goroutineStore) add(g *Goroutine) {
	if k := len(gs.chunks); k == 0 || len(gs.chunks[k-1]) == cap(gs.chunks[k-1]) {
		// Small first chunks: a log full of debug.Stack() traces makes
		// many one-goroutine snapshots.
		size := goroutineChunk
		switch {
		case gs.bulk:
			size = bulkGoroutineChunk
		case k < 4:
			size = 4 << (2 * k) // 4, 16, 64, 256
		}
		gs.chunks = append(gs.chunks, gs.newChunk(size))
	}
	k := len(gs.chunks) - 1
	gs.chunks[k] = append(gs.chunks[k], *g)
	gs.n++
}

// newChunk returns an empty chunk of size goroutines, a recycled one when
// a bulk store has one to hand.
func (gs *goroutineStore) newChunk(size int) []Goroutine {
	if gs.bulk && gs.free != nil {
		select {
		case c := <-gs.free:
			if cap(c) >= size {
				return c[:0]
			}
		default:
		}
	}
	return make([]Goroutine, 0, size)
}

// reserve makes room for n goroutines in one chunk, when the store holds
// fewer: adding and adopting up to n goroutines then copies each record
// once, as it arrives, and flatten copies nothing.
func (gs *goroutineStore) reserve(n int) {
	if n <= gs.n {
		return
	}
	flat := make([]Goroutine, 0, n)
	for _, c := range gs.chunks {
		flat = append(flat, c...)
	}
	gs.chunks = [][]Goroutine{flat}
}

func (gs *goroutineStore) last() *Goroutine {
	c := gs.chunks[len(gs.chunks)-1]
	return &c[len(c)-1]
}

// flatten returns the goroutines in one slice and empties the store.
func (gs *goroutineStore) flatten() []Goroutine {
	var out []Goroutine
	switch len(gs.chunks) {
	case 0:
	case 1:
		out = gs.chunks[0]
		if unused := cap(out) - len(out); unused > len(out)/4+goroutineChunk {
			// Sized for more than came (see reserve): give the room back.
			out = append([]Goroutine(nil), out...)
		}
	default:
		out = make([]Goroutine, 0, gs.n)
		for _, c := range gs.chunks {
			out = append(out, c...)
		}
	}
	gs.chunks, gs.n = nil, 0
	return out
}

// hasFunction reports whether st has a frame of function fn.
func hasFunction(st *Stack, fn string) bool {
	if st == nil {
		return false
	}
	for _, f := range st.Frames {
		if f.Function == fn {
			return true
		}
	}
	return false
}

// anyFrames reports whether some goroutine has a stack frame or was
// printed as running elsewhere.
func anyFrames(gs []Goroutine) bool {
	for i := range gs {
		if len(gs[i].Stack.Frames) > 0 || gs[i].Flags&FlagStackUnavailable != 0 || gs[i].Stack.CreatedBy != nil {
			return true
		}
	}
	return false
}
