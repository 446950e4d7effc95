package parse

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"
)

// This file reads the legacy text form of mutex and block profiles, as
// runtime/pprof prints them at debug=1 (writeProfileInternal):
//
//	--- mutex:                                   "--- contention:" for block
//	cycles/second=2096002986
//	sampling period=1                            mutex profiles only
//	6870613831 798 @ 0x4da859 0x4da858 0x484201  cycles count @ return PCs
//	#	0x4da858	sync.(*Mutex).Unlock+0x98	/src/sync/mutex.go:65
//	#	0x4da857	main.main.func1+0x97		/src/main.go:26
//	                                             blank line ends a sample
//
// Symbol lines are those of debug=1 goroutine profiles (debug1.go), but
// printed with all frames, runtime ones included. Delays are printed in CPU
// ticks and converted to time with cycles/second.
//
// The values are used as printed. Since Go 1.20 the runtime scales mutex
// samples by the sampling period when it records them (and block samples
// are unbiased since Go 1.17), so they are already estimates of all
// events; Go 1.19 and older printed raw mutex samples here, to be
// multiplied by the sampling period (which pprof's legacy parser does, and
// which double-counts profiles of Go 1.20+). The text does not say which
// Go wrote it, so a mutex profile of Go <= 1.19 with a sampling period above
// 1 reads lower by that factor.
//
// Like readDebug1, the reader reads exactly one profile and hands back the
// first line that cannot belong to it.

// readContentionText reads one text mutex or block profile; the first line
// lr returns is its "--- mutex:" or "--- contention:" header. It returns
// nil and no error when nothing after the header belongs to a profile (a
// stray line that merely looks like a header).
func readContentionText(ctx context.Context, name string, lr *lineReader, in *Interner) (*Snapshot, error) {
	tp := newTextProfile(ctx, name, lr, in)
	defer tp.close()
	format, _, ok := tp.header(
		headerMarker{"--- mutex:", FormatMutex},
		headerMarker{"--- contention:", FormatBlock},
	)
	if !ok {
		return nil, nil
	}
	c := &Contention{Kind: format}
	tp.s.Source.Format = format
	tp.s.Caps = CapContention
	tp.s.Contention = c
	r := &contentionReader{textProfile: tp, c: c, inHeader: true}
	if err := tp.run(r.line, r.endSample); err != nil {
		return nil, err
	}
	if !r.attrs && len(c.Samples) == 0 {
		return nil, nil
	}
	r.finish()
	return tp.s, nil
}

// contentionReader reads the attributes and samples of a text contention
// profile.
type contentionReader struct {
	*textProfile
	c        *Contention
	inHeader bool // still reading "key=value" attributes
	attrs    bool // an attribute was read
	cycles   int64
	count    int64
	badCPS   bool
}

// line handles one line of the profile; it returns false when the line is
// not part of it.
func (r *contentionReader) line(line []byte) bool {
	t := bytes.TrimSpace(line)
	switch {
	case len(t) == 0:
		r.endSample()
		return true
	case t[0] == '#':
		r.inHeader = false
		return r.commentLine(t)
	}
	if r.inHeader && r.attribute(t) {
		return true
	}
	cycles, count, pcs, ok := parseContentionLine(t)
	if !ok {
		return false
	}
	r.inHeader = false
	r.endSample()
	if cycles < 0 || count < 0 {
		r.warn(WarnMalformed, r.lr.line, fmt.Sprintf("sample values %q are out of range; sample skipped", truncateForMessage(t[:bytes.IndexByte(t, '@')])))
		r.skipping = true
		return true
	}
	r.beginSample(pcs)
	r.cycles, r.count = cycles, count
	return true
}

// attribute reads a "key=value" line of the header; it returns false for
// a line that is not a known attribute.
func (r *contentionReader) attribute(t []byte) bool {
	k, v, ok := bytes.Cut(t, []byte("="))
	if !ok {
		return false
	}
	key := string(bytes.TrimSpace(k))
	val := string(bytes.TrimSpace(v))
	switch key {
	case "cycles/second":
		n, err := strconv.ParseInt(val, 0, 64)
		if err != nil || n <= 0 {
			r.warn(WarnMalformed, r.lr.line, fmt.Sprintf("cycles/second=%q is not a positive number", val))
			r.badCPS = true
			break
		}
		r.c.CyclesPerSecond = n
	case "sampling period":
		n, err := strconv.ParseInt(val, 0, 64)
		if err != nil {
			r.warn(WarnMalformed, r.lr.line, fmt.Sprintf("sampling period=%q is not a number", val))
			break
		}
		r.c.Period = n
	case "ms since reset", "discarded samples":
		// Printed by old C++ and Go runtimes; nothing to keep.
	default:
		return false
	}
	r.attrs = true
	return true
}

// parseContentionLine reads "cycles count @ 0x1 0x2 ...". Values too large
// for int64 are returned as -1.
func parseContentionLine(t []byte) (cycles, count int64, pcs []byte, ok bool) {
	i := countEnd(t)
	if i == 0 || i == len(t) || t[i] != ' ' && t[i] != '\t' {
		return 0, 0, nil, false
	}
	first := t[:i]
	n, rest, ok := parseCountLine(bytes.TrimLeft(t[i:], " \t"))
	if !ok {
		return 0, 0, nil, false
	}
	c, err := strconv.ParseInt(string(first), 10, 64)
	if err != nil {
		c = -1
	}
	return c, n, rest, true
}

// endSample stores the sample being read, if any.
func (r *contentionReader) endSample() {
	r.skipping = false
	if !r.open {
		return
	}
	r.c.Samples = append(r.c.Samples, ContentionSample{
		Stack:       r.stack(),
		Contentions: r.count,
		Delay:       r.delay(r.cycles),
		Labels:      r.labels,
	})
	r.open = false
}

// delay converts CPU ticks to time with cycles/second; without it, ticks
// are taken as nanoseconds, as on platforms whose tick clock is nanotime.
func (r *contentionReader) delay(cycles int64) (d time.Duration) {
	cps := r.c.CyclesPerSecond
	if cps <= 0 {
		cps = 1e9
	}
	if cps == 1e9 {
		return time.Duration(cycles)
	}
	return saturatingDuration(float64(cycles) / float64(cps) * 1e9)
}

// finish says what is missing or was lost.
func (r *contentionReader) finish() {
	if r.c.CyclesPerSecond == 0 && len(r.c.Samples) > 0 {
		msg := "profile has no cycles/second line: delays are taken as nanoseconds"
		if r.badCPS {
			msg = "profile has no valid cycles/second: delays are taken as nanoseconds"
		}
		r.warn(WarnMalformed, r.s.Source.Line, msg)
	}
	r.truncation(true)
	r.s.Source.GoVersion = goVersionFromContention(r.c)
}
