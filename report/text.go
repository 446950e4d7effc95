package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gorensic/gorensic/parse"
)

// textFormatter renders results as plain ASCII for a terminal and a ticket.
type textFormatter struct{}

// printer writes lines and keeps the first write error, so rendering code
// reads as a list of lines.
type printer struct {
	w   io.Writer
	err error
	// indent prefixes every line but empty ones.
	indent string
}

func (p *printer) line(format string, args ...any) {
	if p.err != nil {
		return
	}
	if format == "" {
		_, p.err = io.WriteString(p.w, "\n")
		return
	}
	_, p.err = fmt.Fprintf(p.w, p.indent+format+"\n", args...)
}

// wrapped prints text wrapped to lineWidth, its first line after lead and
// the others indented as far.
func (p *printer) wrapped(lead, text string) {
	pad := strings.Repeat(" ", len(lead))
	for i, l := range wrap(text, lineWidth-len(p.indent)-len(lead)) {
		if i == 0 {
			p.line("%s%s", lead, l)
		} else {
			p.line("%s%s", pad, l)
		}
	}
}

func (p *printer) table(c *columns, indent string) {
	if p.err != nil {
		return
	}
	p.err = c.render(p.w, p.indent+indent)
}

// clean makes text read from an input safe to print: control characters
// and invalid UTF-8 are escaped, so a hostile or garbled dump cannot move
// the cursor or recolour the terminal.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

func itoa(n int) string { return strconv.Itoa(n) }

// count renders "1 goroutine", "3 goroutines", with thousands separators.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

// thousands renders 1752 as "1,752".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// minutes renders a dump wait age: "<1m" for zero (dumps print whole
// minutes and omit ages under one), "12m", "3h05m", "3d4h10m".
func minutes(d time.Duration) string {
	m := int(d / time.Minute)
	switch {
	case m < 1:
		return "<1m"
	case m < 60:
		return fmt.Sprintf("%dm", m)
	case m < 24*60:
		return fmt.Sprintf("%dh%02dm", m/60, m%60)
	}
	return fmt.Sprintf("%dd%dh%02dm", m/(24*60), m%(24*60)/60, m%60)
}

// delayText renders a contention delay to three significant decimals of
// its unit: "38m49.978s", "1.235ms", "420ns".
func delayText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Microsecond).String()
	}
	return d.String()
}

// waitText renders a wait range: "12m", "<1m..47m (median 31m)".
func waitText(w *WaitRange) string {
	if w.Min == w.Max {
		return minutes(w.Max)
	}
	s := minutes(w.Min) + ".." + minutes(w.Max)
	if w.Median != w.Min && w.Median != w.Max {
		s += " (median " + minutes(w.Median) + ")"
	}
	return s
}

// frameSite renders "file:line" of a frame, or what there is of it.
func frameSite(f *parse.Frame) string {
	switch {
	case f.File == "":
		return "?"
	case f.Line > 0:
		return f.File + ":" + itoa(f.Line)
	}
	return f.File
}

// orDash renders "" as "-" for table cells.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// crashText renders a crash header on one line the way the runtime
// starts it: "panic: ...", "fatal error: ...", "SIGQUIT: quit".
func crashText(c *parse.Crash) string {
	var b strings.Builder
	switch c.Kind {
	case parse.CrashPanic:
		b.WriteString("panic: " + c.Message)
	case parse.CrashFatalError:
		b.WriteString("fatal error: " + c.Message)
	default:
		b.WriteString(orDash(c.Message))
	}
	if c.Signal != "" && c.Signal != c.Message {
		b.WriteString(" " + c.Signal)
	}
	if c.GoroutineID != 0 {
		b.WriteString(" (in goroutine " + strconv.FormatInt(c.GoroutineID, 10) + ")")
	}
	return clean(b.String())
}
