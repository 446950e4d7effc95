package parse

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strconv"
)

// This file reads goroutine and goroutineleak profiles printed at debug=1
// (runtime/pprof printCountProfile), and holds what that reader shares with
// the text contention reader (contention.go): symbol lines, stacks and the
// stop-and-unread contract.
//
// The format, one profile:
//
//	goroutine profile: total 10                       header; total = goroutines
//	2 @ 0x103b125 0x106cd1f 0x13ac44a 0x106fd81        count @ return PCs
//	# labels: {"test_label":"test_value"}              optional, Go-quoted
//	#	0x106cd1e	time.Sleep+0xbe		/src/runtime/time.go:188
//	#	0x13ac449	main.shortSleepLoop+0x29	/src/main.go:165
//	                                                   blank line ends a sample
//
// Samples are sorted by count, biggest first, and their counts add up to the
// total. Symbol lines come from runtime.CallersFrames, so an inlined call
// has its own line; leading runtime frames (runtime.gopark,
// runtime.chanrecv...) and runtime.goexit are not printed (printStackRecord
// hides them), unlike debug=0 and debug=2. An address without a symbol is
// printed as "#\t0x4a5b3f". The columns are padded with tabs by a
// tabwriter, so fields are separated by one or more tabs; pasted copies
// often have spaces instead, which are accepted too.
//
// A symbol line's offset is relative to the entry of the real (outermost)
// function, also for inlined calls, so two consecutive lines of different
// functions with the same PC-offset entry are an inlined call and its
// caller: the inlined one is marked Frame.Inlined, as debug=2 dumps mark it
// with "(...)" and debug=0 profiles put both in one Location.
//
// The reader reads exactly one profile: the first line that cannot belong
// to it (anything but a count line, a "#\t" or "# labels:" line or a blank
// line) is handed back with lineReader.unread, so that whatever follows in
// the input (logs, another dump) is read by the caller.

// readDebug1 reads one debug=1 goroutine or goroutineleak profile; the
// first line lr returns is its "... profile: total N" header. It returns
// nil and no error when that line turns out not to start a profile.
func readDebug1(ctx context.Context, name string, lr *lineReader, in *Interner) (*Snapshot, error) {
	tp := newTextProfile(ctx, name, lr, in)
	defer tp.close()
	format, rest, ok := tp.header(
		headerMarker{"goroutine profile: total ", FormatDebug1},
		headerMarker{"goroutineleak profile: total ", FormatLeakDebug1},
	)
	if !ok {
		return nil, nil
	}
	declared, err := strconv.Atoi(string(bytes.TrimSpace(rest)))
	if err != nil || declared < 0 {
		tp.warn(WarnMalformed, tp.s.Source.Line, fmt.Sprintf("profile header declares no valid total: %q", bytes.TrimSpace(rest)))
		declared = -1
	}
	tp.s.Source.Format = format
	tp.s.Caps = CapGroupedCounts
	d := &debug1Reader{textProfile: tp, leak: format == FormatLeakDebug1}
	if err := tp.run(d.line, d.endSample); err != nil {
		return nil, err
	}
	if declared < 0 && len(tp.s.Goroutines) == 0 {
		return nil, nil
	}
	d.finish(declared)
	return tp.s, nil
}

// debug1Reader reads the samples of a debug=1 profile.
type debug1Reader struct {
	*textProfile
	leak  bool
	count int // count of the sample being read
	total int // sum of the counts read
}

// line handles one line of the profile (log prefix stripped); it returns
// false when the line is not part of it.
func (d *debug1Reader) line(line []byte) bool {
	t := bytes.TrimSpace(line)
	switch {
	case len(t) == 0:
		d.endSample()
		return true
	case t[0] == '#':
		return d.commentLine(t)
	}
	count, pcs, ok := parseCountLine(t)
	if !ok {
		return false
	}
	d.endSample()
	if count <= 0 || count > int64(math.MaxInt-d.total) {
		d.warn(WarnMalformed, d.lr.line, fmt.Sprintf("sample count %s is out of range; sample skipped", t[:countEnd(t)]))
		d.skipping = true
		return true
	}
	d.beginSample(pcs)
	d.count = int(count)
	return true
}

// endSample stores the sample being read, if any.
func (d *debug1Reader) endSample() {
	d.skipping = false
	if !d.open {
		return
	}
	g := Goroutine{Count: d.count, Stack: d.stack(), Labels: d.labels, Line: d.sampleAt}
	if n := d.hiddenLeading(); n > 0 {
		g.extra().HiddenFrames = n
	}
	if d.leak {
		// The goroutineleak profile holds only goroutines the GC proved
		// leaked, as "(leaked)" says in its debug=2 form.
		g.Flags |= FlagLeaked
	}
	if g.Labels != nil {
		d.s.Caps |= CapLabels
	}
	d.total += g.Count
	d.s.Goroutines = append(d.s.Goroutines, g)
	d.open = false
}

// hiddenLeading counts the addresses on the sample's count line before the
// one its first symbol line prints: the leading runtime frames
// (runtime.gopark, runtime.selectgo or runtime.chanrecv and
// runtime.chanrecv1...) that printStackRecord hides. A symbol line prints
// the return address minus one. It returns 0 when it cannot tell.
func (tp *textProfile) hiddenLeading() int {
	if len(tp.syms) == 0 {
		return 0
	}
	first := tp.syms[0].pc
	for i, pc := range tp.pcs {
		if pc == first || pc-1 == first {
			return i
		}
	}
	return 0
}

// finish sets the totals and says what was lost or does not add up. A
// count mismatch at the end of the input is reported as truncation: the
// runtime's counts always add up to its total, so goroutines are missing
// because the input was cut.
func (d *debug1Reader) finish(declared int) {
	s := d.s
	s.Total = d.total
	if declared >= 0 {
		s.Total = declared
	}
	if d.eof && declared > d.total {
		d.warn(WarnTruncated, d.endLine, fmt.Sprintf("input ends at line %d inside the profile: %d of the %d goroutines its header declares were read", d.endLine, d.total, declared))
	} else {
		d.truncation(false)
		if declared >= 0 && declared != d.total {
			d.countMismatch(declared)
		}
	}
	s.Source.GoVersion = goVersionFromStacks(s)
}

func (d *debug1Reader) countMismatch(declared int) {
	d.warn(WarnCountMismatch, d.s.Source.Line, fmt.Sprintf("header declares %d goroutines, the samples count %d", declared, d.total))
}

// parseCountLine reads "N @ 0x1 0x2 ...": a decimal count, "@" and the
// addresses. A count too large for int64 is returned as -1.
func parseCountLine(t []byte) (count int64, pcs []byte, ok bool) {
	i := countEnd(t)
	if i == 0 || i == len(t) || t[i] != ' ' && t[i] != '\t' {
		return 0, nil, false
	}
	rest := bytes.TrimLeft(t[i:], " \t")
	if len(rest) == 0 || rest[0] != '@' || len(rest) > 1 && rest[1] != ' ' && rest[1] != '\t' {
		return 0, nil, false
	}
	n, err := strconv.ParseInt(string(t[:i]), 10, 64)
	if err != nil {
		n = -1
	}
	return n, rest[1:], true
}

// countEnd returns the length of the run of decimal digits t starts with.
func countEnd(t []byte) int {
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i
}

// headerMarker is a profile header and the format it starts.
type headerMarker struct {
	text   string
	format Format
}

// textProfile is the state the text profile readers share: the input, the
// line prefix learnt from the header, the snapshot being built and the
// sample being read.
type textProfile struct {
	ctx  context.Context
	name string
	lr   *lineReader
	in   *Interner
	s    *Snapshot

	prefix, prefixShape []byte
	savedCut            func(line int, length int64)

	eof      bool // the profile ended with the input
	endLine  int  // when eof, the last line of the input
	lastBad  bool // the last line read could not be parsed
	nlines   int
	skipping bool // the current sample's first line was bad: skip its lines

	lastSampleBare bool // the last sample stored had addresses but no symbol lines
	lastSampleAt   int  // line of the last sample stored

	// The sample being read.
	open     bool
	sampleAt int      // line of its first line
	pcs      []uint64 // addresses of its first line
	syms     []symLine
	arena    []byte // function and file bytes of syms
	labels   *Labels
	frames   []*Frame
	hex      []byte
	pairs    []LabelPair
}

func newTextProfile(ctx context.Context, name string, lr *lineReader, in *Interner) *textProfile {
	tp := &textProfile{ctx: ctx, name: name, lr: lr, in: in, s: &Snapshot{Source: Source{Name: name}}}
	tp.savedCut = lr.cut
	lr.cut = func(line int, length int64) {
		tp.warn(WarnLongLine, line, fmt.Sprintf("line of %d bytes cut to its first %d bytes", length, lr.max))
	}
	return tp
}

// close hands the line reader back as it was found.
func (tp *textProfile) close() { tp.lr.cut = tp.savedCut }

// warn records a warning on the snapshot.
func (tp *textProfile) warn(kind WarningKind, line int, msg string) {
	tp.s.Warnings = append(tp.s.Warnings, Warning{Kind: kind, Line: line, Offset: -1, Message: msg})
}

// header reads the first line and finds the marker that starts the profile
// in it, learning any text before the marker (a log prefix) to strip from
// the lines that follow. It returns the text after the marker.
func (tp *textProfile) header(markers ...headerMarker) (Format, []byte, bool) {
	raw, ok := tp.lr.readLine()
	if !ok {
		return FormatUnrecognized, nil, false
	}
	tp.s.Source.Offset = tp.lr.offset
	tp.s.Source.Line = tp.lr.line
	for _, m := range markers {
		i := bytes.Index(raw, []byte(m.text))
		if i < 0 {
			continue
		}
		if p := raw[:i]; len(bytes.TrimSpace(p)) > 0 {
			tp.prefix = append(tp.prefix, p...)
			tp.prefixShape = shapeOf(nil, p)
		}
		return m.format, raw[i+len(m.text):], true
	}
	return FormatUnrecognized, nil, false
}

// run reads lines, handing each to line with the log prefix stripped,
// until line returns false (the line is unread) or the input ends; then it
// calls end and records the snapshot's size.
func (tp *textProfile) run(line func([]byte) bool, end func()) error {
	for {
		raw, ok := tp.lr.readLine()
		if !ok {
			tp.eof, tp.endLine = true, tp.lr.line
			end()
			// A read error (a corrupt gzip stream) is left in lr for the
			// caller, which reports it once for the whole input.
			tp.s.Source.Bytes = tp.lr.next - tp.s.Source.Offset
			return nil
		}
		if tp.nlines++; tp.nlines&0xfff == 0 {
			if err := tp.ctx.Err(); err != nil {
				return &InputError{Name: tp.name, Line: tp.lr.line, Offset: -1, Err: err}
			}
		}
		tp.lastBad = false
		t, own := tp.strip(raw)
		if !own || !line(t) {
			if own && tp.lr.unterminated && mayBeCutLine(t) {
				// The input ends inside this line (or could not be read
				// past it), and it starts like a line of the profile: the
				// profile was cut in the middle of one of its lines.
				tp.eof, tp.lastBad, tp.endLine = true, true, tp.lr.line
			}
			end()
			tp.s.Source.Bytes = tp.lr.offset - tp.s.Source.Offset
			tp.lr.unread(raw)
			return nil
		}
	}
}

// mayBeCutLine reports whether a line that is not part of a profile could
// be the start of one of its lines that the input's end cut: "#" or "#\t0x4"
// of a symbol line, "12" of a count line.
func mayBeCutLine(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) > 0 && (t[0] == '#' || t[0] >= '0' && t[0] <= '9')
}

// strip removes the learnt log prefix from a line; own is false when a
// non-blank line lacks the prefix every line of the profile carries.
func (tp *textProfile) strip(raw []byte) (line []byte, own bool) {
	n := len(tp.prefix)
	if n == 0 {
		return raw, true
	}
	if len(raw) >= n && (bytes.HasPrefix(raw, tp.prefix) || sameShape(raw[:n], tp.prefixShape)) {
		return raw[n:], true
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, true
	}
	// A prefix without trailing spaces on a blank profile line.
	if p := bytes.TrimRight(tp.prefix, " \t"); len(p) == len(bytes.TrimRight(raw, " \t")) &&
		(bytes.HasPrefix(raw, p) || sameShape(raw[:len(p)], tp.prefixShape[:len(p)])) {
		return nil, true
	}
	return nil, false
}

// truncation warns when the input ended inside a sample: inside a line
// that could not be read, or (when bareIsCut) inside the first line of a
// sample that then has no symbol line. The latter is no sign of a cut in
// goroutine profiles, where a goroutine whose only frame is runtime.goexit
// is printed without symbol lines, but contention profiles print every
// frame. It reports whether it warned.
func (tp *textProfile) truncation(bareIsCut bool) bool {
	if !tp.eof || !tp.lr.unterminated {
		return false
	}
	switch {
	case tp.lastBad:
		tp.warn(WarnTruncated, tp.endLine, fmt.Sprintf("input ends inside line %d: the last sample is incomplete", tp.endLine))
		return true
	case bareIsCut && tp.lastSampleBare && tp.lastSampleAt == tp.endLine:
		tp.warn(WarnTruncated, tp.endLine, fmt.Sprintf("input ends inside line %d, before the symbols of its sample: its stack has only addresses", tp.endLine))
		return true
	}
	return false
}

// beginSample starts a sample whose first line lists addresses pcs.
func (tp *textProfile) beginSample(pcs []byte) {
	tp.open = true
	tp.sampleAt = tp.lr.line
	tp.syms = tp.syms[:0]
	tp.arena = tp.arena[:0]
	tp.labels = nil
	tp.pcs = tp.pcs[:0]
	bad := false
	for _, f := range bytes.Fields(pcs) {
		pc, ok := parseHexAddr(f)
		if !ok {
			bad = true
			continue
		}
		tp.pcs = append(tp.pcs, pc)
	}
	if bad {
		tp.lastBad = true
		tp.warn(WarnMalformed, tp.lr.line, "sample has addresses that are not hexadecimal; they were skipped")
	}
}

// commentLine handles a line starting with '#': a symbol line or a labels
// line. It returns false for any other '#' line, which cannot belong to
// the profile.
func (tp *textProfile) commentLine(t []byte) bool {
	if rest, ok := bytes.CutPrefix(t, []byte("# labels:")); ok {
		tp.labelsLine(rest)
		return true
	}
	body := t[1:]
	if len(body) == 0 || body[0] != '\t' && !bytes.HasPrefix(body, []byte(" 0x")) {
		return false
	}
	if tp.skipping {
		return true
	}
	if !tp.open {
		tp.lastBad = true
		tp.warn(WarnMalformed, tp.lr.line, "symbol line outside a sample; skipped")
		return true
	}
	if !tp.addSym(bytes.TrimLeft(body, " \t")) {
		tp.lastBad = true
		tp.warn(WarnMalformed, tp.lr.line, fmt.Sprintf("symbol line %q is not \"#\\t0xPC\\tfunction+0xOFF\\tfile:line\"; skipped", truncateForMessage(t)))
	}
	return true
}

// labelsLine reads `{"k":"v", "k2":"v2"}` after "# labels:".
func (tp *textProfile) labelsLine(rest []byte) {
	if tp.skipping {
		return
	}
	if !tp.open || len(tp.syms) > 0 {
		tp.lastBad = true
		tp.warn(WarnMalformed, tp.lr.line, "labels line not right after a sample's first line; skipped")
		return
	}
	pairs, ok := parseLabelSet(tp.pairs[:0], bytes.TrimSpace(rest))
	tp.pairs = pairs[:0]
	if !ok {
		tp.lastBad = true
		tp.warn(WarnMalformed, tp.lr.line, fmt.Sprintf("labels %q are not {\"key\":\"value\", ...}; kept what could be read", truncateForMessage(rest)))
	}
	tp.labels = tp.in.Labels(pairs)
}

// parseLabelSet reads `{"k":"v", "k2":"v2"}`, the runtime's labelMap
// String form (Go-quoted keys and values, sorted). It returns the pairs it
// could read and whether the whole set was well formed.
func parseLabelSet(dst []LabelPair, b []byte) ([]LabelPair, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return dst, false
	}
	b = b[1 : len(b)-1]
	for {
		b = bytes.TrimLeft(b, " ,")
		if len(b) == 0 {
			return dst, true
		}
		k, rest, ok := readQuoted(b)
		if !ok {
			return dst, false
		}
		rest = bytes.TrimLeft(rest, " ")
		if len(rest) == 0 || rest[0] != ':' {
			return dst, false
		}
		v, rest, ok := readQuoted(bytes.TrimLeft(rest[1:], " "))
		if !ok {
			return dst, false
		}
		dst = append(dst, LabelPair{Key: k, Value: v})
		b = rest
	}
}

// symLine is one "#\t0xPC\tfunction+0xOFF\tfile:line" line; its function and
// file are kept in the textProfile arena.
type symLine struct {
	pc, off      uint64
	hasOff       bool
	named        bool // false for a bare "#\t0xPC"
	fn0, fn1     int  // function in arena
	file0, file1 int  // file in arena
	line         int
}

// addSym parses the fields of a symbol line after "#" and adds it to the
// sample. It returns false when the line is malformed.
func (tp *textProfile) addSym(b []byte) bool {
	pcTok, rest := cutField(b)
	pc, ok := parseHexAddr(pcTok)
	if !ok {
		return false
	}
	sy := symLine{pc: pc}
	if len(rest) == 0 {
		tp.syms = append(tp.syms, sy)
		return true
	}
	fnTok, rest := cutField(rest)
	if i := bytes.LastIndex(fnTok, []byte("+0x")); i > 0 {
		if off, ok := parseHexAddr(fnTok[i+1:]); ok {
			sy.off, sy.hasOff = off, true
			fnTok = fnTok[:i]
		}
	}
	sy.named = true
	sy.fn0 = len(tp.arena)
	tp.arena = append(tp.arena, fnTok...)
	sy.fn1 = len(tp.arena)
	file, line, ok := splitFileLine(bytes.TrimSpace(rest))
	sy.file0 = len(tp.arena)
	tp.arena = append(tp.arena, file...)
	sy.file1 = len(tp.arena)
	sy.line = line
	tp.syms = append(tp.syms, sy)
	return ok
}

// cutField splits b at its first run of spaces or tabs.
func cutField(b []byte) (field, rest []byte) {
	i := bytes.IndexAny(b, " \t")
	if i < 0 {
		return b, nil
	}
	return b[:i], bytes.TrimLeft(b[i:], " \t")
}

// splitFileLine splits "file:line" at its last colon. It returns the whole
// of b as the file and false when there is no line number.
func splitFileLine(b []byte) (file []byte, line int, ok bool) {
	i := bytes.LastIndexByte(b, ':')
	if i < 0 {
		return b, 0, len(b) == 0
	}
	n, err := strconv.Atoi(string(b[i+1:]))
	if err != nil || n > math.MaxInt32 || n < math.MinInt32 {
		return b, 0, false
	}
	return b[:i], n, true
}

// parseHexAddr reads "0x4a5b3f".
func parseHexAddr(b []byte) (uint64, bool) {
	if len(b) < 3 || b[0] != '0' || b[1] != 'x' && b[1] != 'X' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[2:]), 16, 64)
	return v, err == nil
}

// stack interns the stack of the sample being read: its symbol lines, or
// its addresses when it has none.
func (tp *textProfile) stack() *Stack {
	tp.frames = tp.frames[:0]
	tp.lastSampleBare = len(tp.syms) == 0 && len(tp.pcs) > 0
	tp.lastSampleAt = tp.sampleAt
	if len(tp.syms) == 0 {
		for _, pc := range tp.pcs {
			tp.frames = append(tp.frames, tp.hexFrame(pc))
		}
	}
	for i := range tp.syms {
		sy := &tp.syms[i]
		if !sy.named {
			tp.frames = append(tp.frames, tp.hexFrame(sy.pc))
			continue
		}
		inlined := i+1 < len(tp.syms) && tp.inlinedInto(sy, &tp.syms[i+1])
		fn := tp.arena[sy.fn0:sy.fn1]
		tp.frames = append(tp.frames, tp.in.Frame(fn, tp.arena[sy.file0:sy.file1], sy.line, sy.pc, inlined))
	}
	return tp.in.Stack(tp.frames, nil, 0, 0)
}

// inlinedInto reports whether sy is a call inlined into the function of
// caller: both offsets are relative to the same real function's entry,
// and the functions differ (a recursive call has the same entry too).
func (tp *textProfile) inlinedInto(sy, caller *symLine) bool {
	return sy.hasOff && caller.hasOff && caller.named &&
		sy.pc-sy.off == caller.pc-caller.off &&
		!bytes.Equal(tp.arena[sy.fn0:sy.fn1], tp.arena[caller.fn0:caller.fn1])
}

// hexFrame is the frame of an address without a symbol, named by the
// address as the runtime prints it.
func (tp *textProfile) hexFrame(pc uint64) *Frame {
	tp.hex = appendHexName(tp.hex[:0], pc)
	return tp.in.Frame(tp.hex, nil, 0, pc, false)
}

// truncateForMessage shortens a line quoted in a warning.
func truncateForMessage(b []byte) []byte {
	if len(b) > 120 {
		return b[:120]
	}
	return b
}
