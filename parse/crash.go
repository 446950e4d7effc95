package parse

import (
	"bytes"
	"regexp"
	"strings"
)

// crashStart says how a crash header line begins.
type crashStart int

const (
	crashNone    crashStart = iota
	crashPanic              // "panic: "
	crashFatal              // "fatal error: ", "fatal: "
	crashSig                // "SIGQUIT: quit", "Exception 0xc0000005 ..."
	crashRuntime            // "runtime: ...", "unexpected fault address": a preface to a fatal error
)

var (
	sigHeader = regexp.MustCompile(`SIG[A-Z0-9]{2,8}: [a-z]`)
)

// crashHeaderIndex finds a crash header in a line outside any goroutine
// and returns its kind and where it starts.
func crashHeaderIndex(line []byte) (crashStart, int) {
	if i := bytes.Index(line, []byte("panic: ")); i >= 0 && wordStart(line, i) {
		return crashPanic, i
	}
	if i := bytes.Index(line, []byte("fatal error: ")); i >= 0 && wordStart(line, i) {
		return crashFatal, i
	}
	if loc := sigHeader.FindIndex(line); loc != nil && wordStart(line, loc[0]) && !bytes.Contains(line, []byte("[signal ")) {
		return crashSig, loc[0]
	}
	if bytes.HasPrefix(line, []byte("Exception 0x")) {
		return crashSig, 0
	}
	if bytes.HasPrefix(line, []byte("unexpected fault address ")) {
		return crashRuntime, 0
	}
	if i := bytes.Index(line, []byte("unexpected signal during runtime execution")); i >= 0 {
		return crashFatal, i
	}
	if bytes.HasPrefix(line, []byte("runtime: ")) && !bytes.HasPrefix(line, []byte("runtime: note:")) {
		return crashRuntime, 0
	}
	return crashNone, -1
}

// wordStart reports whether position i of line starts a word: the start of
// the line, or after a non-letter (a glued prompt such as "MH/s  SIGABRT").
func wordStart(line []byte, i int) bool {
	if i == 0 {
		return true
	}
	c := line[i-1]
	if c == 'm' && bytes.LastIndex(line[:i], []byte("[0m")) == i-3 {
		return true // after an ANSI colour reset, "\x1b[0m" or a pasted "[0m"
	}
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_')
}

// strong reports whether the header has more than a lone message line: a
// signal, a runtime stack or a panic chain. Crash snapshots without
// goroutines are kept only when strong: source code and documents quote
// "fatal error: ..." lines too.
func (c *Crash) strong() bool {
	return c.Signal != "" || c.RuntimeStack != nil || len(c.Panics) > 1
}

// crashStandsAlone reports whether a crash header with no goroutine after
// it is kept: it needs a runtime stack, or a signal or panic chain on lines
// of their own. Text quoting crash output (comments, documents, logs that
// mention a panic) has the header after other text.
func (d *dumpReader) crashStandsAlone(c *Crash) bool {
	return c.RuntimeStack != nil || !d.crashPrefixed && c.strong()
}

// isDumpSignal reports whether a crash is only a request for a dump
// (SIGQUIT), whose first goroutine did not cause anything.
func isDumpSignal(c *Crash) bool {
	return c.Kind == CrashSignal && strings.HasPrefix(c.Message, "SIGQUIT")
}

// maxCrashPreamble is how many unrelated lines may separate a crash header
// from its first goroutine before the header is taken for a stray log line.
const maxCrashPreamble = 40

// maxPanicLines is how many lines a multi-line panic message may span.
const maxPanicLines = 10

// startCrash begins a crash header; line has its decoration stripped.
func (d *dumpReader) startCrash(kind crashStart, line []byte) {
	if d.threadSections && d.cur != nil && d.cur.Crash != nil {
		return // another thread's report of the same crash
	}
	if d.cur != nil && d.cur.Crash != nil && d.gs.n == 0 {
		// More of the same header, after a "runtime stack:" section.
		d.state = stCrashHeader
		d.crashHeaderText(kind, line)
		return
	}
	if d.cur == nil || d.gs.n > 0 || d.cur.Crash != nil {
		d.startSnapshot()
	}
	c := &Crash{Line: d.lr.line}
	d.cur.Crash = c
	d.crashPrefixed = len(d.prefix) > 0
	d.crashMarked = false
	d.crashLines = 0
	d.crashBlank = false
	d.state = stCrashHeader
	d.crashHeaderText(kind, line)
}

// crashHeaderText folds one header line into the crash.
func (d *dumpReader) crashHeaderText(kind crashStart, line []byte) {
	c := d.cur.Crash
	t := bytes.TrimSpace(line)
	c.Header = append(c.Header, string(t))
	switch kind {
	case crashPanic:
		i := bytes.Index(t, []byte("panic: "))
		msg := string(t[i+len("panic: "):])
		p := Panic{Message: msg}
		for {
			switch {
			case strings.HasSuffix(p.Message, " [recovered, repanicked]"):
				p.Message = strings.TrimSuffix(p.Message, " [recovered, repanicked]")
				p.Recovered, p.Repanicked = true, true
				continue
			case strings.HasSuffix(p.Message, " [recovered]"):
				p.Message = strings.TrimSuffix(p.Message, " [recovered]")
				p.Recovered = true
				continue
			}
			break
		}
		c.Panics = append(c.Panics, p)
		if c.Kind != CrashFatalError || len(c.Panics) > 1 {
			c.Kind = CrashPanic
			if !p.Recovered || p.Repanicked || c.Message == "" {
				c.Message = p.Message
			}
		}
	case crashFatal:
		msg := t
		if i := bytes.Index(t, []byte("fatal error: ")); i >= 0 {
			msg = t[i+len("fatal error: "):]
		} else if i := bytes.Index(t, []byte("fatal: ")); i >= 0 {
			msg = t[i+len("fatal: "):]
		}
		if c.Kind != CrashPanic && (c.Kind != CrashFatalError || !c.fatalSeen) {
			c.Kind = CrashFatalError
			c.Message = string(msg)
			c.fatalSeen = true
		}
	case crashSig:
		if c.Kind == "" {
			c.Kind = CrashSignal
			c.Message = string(t)
		}
		if c.Signal == "" {
			c.Signal = string(t)
		}
	case crashRuntime:
		if c.Kind == "" {
			c.Kind = CrashFatalError
			c.Message = string(t)
		}
	}
}

// crashHeaderLine handles a line after a crash header and before the first
// goroutine; it returns true when the line belonged to the header.
func (d *dumpReader) crashHeaderLine(raw, line []byte, blank bool) bool {
	c := d.cur.Crash
	if blank {
		d.crashLines++
		d.crashBlank = true
		return true
	}
	t := bytes.TrimSpace(line)
	switch {
	case headerIndex(raw) >= 0:
		return false // the first goroutine: outsideLine starts it
	case bytes.HasPrefix(t, []byte("panic: ")):
		d.crashHeaderText(crashPanic, t)
		return true
	case bytes.HasPrefix(t, []byte("fatal error: ")) || bytes.HasPrefix(t, []byte("fatal: ")):
		d.crashHeaderText(crashFatal, t)
		return true
	case bytes.HasPrefix(t, []byte("[signal ")):
		c.Signal = string(t)
		c.Header = append(c.Header, string(t))
		return true
	case bytes.HasPrefix(t, []byte("runtime stack:")):
		c.Header = append(c.Header, string(t))
		d.beginFrames(toRuntimeStack)
		return true
	case bytes.HasPrefix(t, []byte("PC=")) || bytes.HasPrefix(t, []byte("signal arrived during")) ||
		bytes.HasPrefix(t, []byte("runtime: ")) || bytes.HasPrefix(t, []byte("unexpected fault address")):
		c.Header = append(c.Header, string(t))
		return true
	}
	if kind, i := crashHeaderIndex(raw); kind == crashSig && i >= 0 {
		d.crashHeaderText(crashSig, raw[i:])
		return true
	}
	// Frames before any goroutine header (Windows exceptions, some fatal
	// errors): the stack of whatever was running.
	if c.RuntimeStack == nil {
		if _, _, ok := parseFuncLine(bytes.TrimLeft(t, " \t")); ok {
			d.beginFrames(toRuntimeStack)
			d.frameLine(line)
			return true
		}
	}
	// A multi-line panic message continues until the first blank line.
	if !d.crashBlank && d.crashLines < maxPanicLines && len(c.Panics) > 0 && c.Kind == CrashPanic {
		d.crashLines++
		last := &c.Panics[len(c.Panics)-1]
		last.Message += "\n" + string(t)
		if c.Message != "" {
			c.Message = last.Message
		}
		c.Header = append(c.Header, string(t))
		return true
	}
	d.crashLines++
	if d.crashLines > maxCrashPreamble {
		// Too far from any goroutine. A lone "panic:" line is a stray log
		// line, not a crash; a real header stays, but stops collecting.
		if !c.strong() {
			d.cur.Crash = nil
		}
		d.state = stOutside
		return false
	}
	return true
}

var goVersionInPath = regexp.MustCompile(`(?:^|[/\\])go(?:lang)?[/\\-]?(1\.\d{1,2}(?:\.\d{1,2})?)(?:[/\\]|$)`)

// goVersionFromStacks finds a Go version in the paths of runtime frames, as
// "/usr/local/Cellar/go/1.15.6/libexec/src/runtime/time.go" or
// "/root/sdk/go1.21.0/src/runtime/proc.go" show it.
func goVersionFromStacks(s *Snapshot) string {
	seen := make(map[*Stack]bool)
	for i := range s.Goroutines {
		st := s.Goroutines[i].Stack
		if st == nil || seen[st] {
			continue
		}
		seen[st] = true
		if len(seen) > 64 {
			break
		}
		for _, f := range st.Frames {
			if !f.Runtime {
				continue
			}
			if m := goVersionInPath.FindStringSubmatch(f.File); m != nil {
				return "go" + m[1]
			}
		}
	}
	return ""
}
