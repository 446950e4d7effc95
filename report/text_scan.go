package report

import (
	"fmt"
	"io"
	"strings"
)

// Scan renders a scan. One input gets its full summary, its findings
// table, the evidence of its top findings and the detectors it skipped.
// Several inputs get a line each, with a findings table under the inputs
// that have findings to show, then the evidence of the run's top findings
// and a run summary at the end, where a terminal leaves the reader.
func (textFormatter) Scan(w io.Writer, s *Scan) error {
	p := &printer{w: w}
	byInput := s.byInput()
	if len(s.Inputs) == 1 {
		in := &s.Inputs[0]
		scanInput(p, in)
		p.line("findings:    %s", findingsStatus(byInput[0], s.View))
		inputFindings(p, s, in, byInput[0])
	} else {
		block := false // the last input was a block, not a line
		for i := range s.Inputs {
			block = briefInput(p, s, &s.Inputs[i], byInput[i], i > 0, block)
		}
	}
	evidenceSection(p, s, byInput)
	if len(s.Inputs) > 1 {
		runSummary(p, s, byInput)
	}
	outcomeLine(p, s.Outcome, len(s.Inputs))
	return p.err
}

// briefInput renders one input of several: a line that says what it is
// and what was found, and the findings table when there are findings to
// show. Inputs without are one line each, so that a directory of healthy
// dumps reads in a screen; blank lines set off the blocks of the others.
// notFirst says whether an input was printed before, afterBlock whether
// it was a block; briefInput returns whether this one is.
func briefInput(p *printer, s *Scan, in *InputSummary, fs []*Finding, notFirst, afterBlock bool) bool {
	what := []string{string(in.Source.Format)}
	if in.Source.GoVersion != "" {
		what = append(what, in.Source.GoVersion)
	}
	what = append(what, count(in.Goroutines, "goroutine"))
	if n := len(in.Warnings); n > 0 {
		what = append(what, count(n, "warning"))
	}
	head := fmt.Sprintf("== %s (%s): %s", clean(in.Label), strings.Join(what, ", "), findingsStatus(fs, s.View))
	block := len(shownOf(fs, s.View)) > 0 || in.DetectError != ""
	if notFirst && (block || afterBlock) {
		p.line("")
	}
	p.line("%s", head)
	if block {
		if in.DetectError != "" {
			p.line("detectors failed: %s", clean(in.DetectError))
		}
		if shown := shownOf(fs, s.View); len(shown) > 0 {
			findingsTable(p, shown, nil)
		}
	}
	return block
}

// inputFindings renders the findings table of one input, the detectors
// that failed or were skipped on it.
func inputFindings(p *printer, s *Scan, in *InputSummary, fs []*Finding) {
	if in.DetectError != "" {
		p.line("detectors failed: %s", clean(in.DetectError))
	}
	if shown := shownOf(fs, s.View); len(shown) > 0 {
		findingsTable(p, shown, nil)
	}
	if len(in.SkippedDetectors) > 0 {
		p.line("skipped:     %s", skippedLine(in))
	}
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
