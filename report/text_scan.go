package report

import (
	"io"
	"strings"
)

// Scan renders a scan: an overview table when there are several inputs,
// then one block per input.
func (textFormatter) Scan(w io.Writer, s *Scan) error {
	p := &printer{w: w}
	if len(s.Inputs) > 1 {
		t := newColumns("GOROUTINES>", "FORMAT", "GO", "WARNINGS>", "INPUT")
		for _, in := range s.Inputs {
			t.add(thousands(in.Goroutines), string(in.Source.Format), orDash(in.Source.GoVersion), itoa(len(in.Warnings)), in.Label)
		}
		p.table(t, "")
	}
	for i, in := range s.Inputs {
		if i > 0 || len(s.Inputs) > 1 {
			p.line("")
		}
		scanInput(p, &in)
	}
	if len(s.Inputs) > 0 && len(s.Findings) == 0 {
		p.line("")
		p.line("No findings: the detectors are not part of this build yet; this is an input summary.")
	}
	outcomeLine(p, s.Outcome, len(s.Inputs))
	return p.err
}

// scanInput renders one input summary as "key: value" lines.
func scanInput(p *printer, in *InputSummary) {
	p.line("== %s", clean(in.Label))
	where := ""
	if in.Source.Line > 1 {
		where = " (from line " + itoa(in.Source.Line) + ")"
	}
	if in.Source.Compressed {
		where += " (gzip)"
	}
	p.line("format:      %s%s", in.Source.Format, where)
	p.line("go version:  %s", orUnknown(in.Source.GoVersion))
	p.line("goroutines:  %s", thousands(in.Goroutines))
	if in.Crash != nil {
		p.line("crash:       %s", crashText(in.Crash))
	}
	if in.Races > 0 {
		p.line("races:       %s", count(in.Races, "data race report"))
	}
	if c := in.Contention; c != nil {
		p.line("contention:  %s profile, %s, %s contentions, %s total delay",
			c.Kind, count(c.Samples, "sample"), thousands(int(c.Contentions)), delayText(c.Delay))
	}
	p.line("caps:        %s", orDash(strings.Join(in.Caps.Names(), ", ")))
	if len(in.States) > 0 {
		// A histogram, biggest first: counts right-aligned under a short
		// header, without a table per input (a log can hold thousands).
		width := len(thousands(in.States[0].Count))
		p.line("states:")
		for _, st := range in.States {
			p.line("  %*s  %s", width, thousands(st.Count), clean(orUnknown(st.State)))
		}
	}
	if len(in.Warnings) > 0 {
		p.line("warnings:")
		for _, wn := range in.Warnings {
			p.line("  %s: %s", wn.Kind, clean(wn.String()))
		}
	}
}

// outcomeLine says how many inputs were skipped or failed; the reasons are
// on stderr, printed as they happened.
func outcomeLine(p *printer, o Outcome, read int) {
	if len(o.Skipped) == 0 && len(o.Failed) == 0 {
		return
	}
	var parts []string
	if n := len(o.Skipped); n > 0 {
		parts = append(parts, count(n, "input")+" skipped")
	}
	if n := len(o.Failed); n > 0 {
		parts = append(parts, count(n, "input")+" failed")
	}
	p.line("%s (see stderr); %s read.", strings.Join(parts, ", "), count(read, "snapshot"))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
