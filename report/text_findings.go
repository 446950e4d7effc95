package report

import (
	"fmt"
	"strings"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// summaryTop is how many distinct findings the run summary of a scan over
// several inputs lists.
const summaryTop = 10

// tableIndent indents the findings tables under their headings.
const tableIndent = "  "

// findingsStatus says in a few words what the table shows of fs and what
// it hides: "1 critical, 2 warning; 1 info hidden (--all shows it)", or
// "no findings at warning or above".
func findingsStatus(fs []*Finding, v ScanView) string {
	var c SeverityCounts
	for _, f := range fs {
		c = c.add(f.Severity)
	}
	var shown []string
	if c.Critical > 0 {
		shown = append(shown, itoa(c.Critical)+" critical")
	}
	if c.Warning > 0 {
		shown = append(shown, itoa(c.Warning)+" warning")
	}
	if v.All && c.Info > 0 {
		shown = append(shown, itoa(c.Info)+" info")
	}
	text := strings.Join(shown, ", ")
	if c.Critical+c.Warning == 0 {
		text = "no findings at warning or above"
		if v.All && c.Info > 0 {
			text += "; " + itoa(c.Info) + " info"
		}
	}
	if !v.All && c.Info > 0 {
		text += "; " + itoa(c.Info) + " info hidden (--all shows " + pronoun(c.Info) + ")"
	}
	return text
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func (c SeverityCounts) add(s detect.Severity) SeverityCounts {
	switch s {
	case detect.SeverityCritical:
		c.Critical++
	case detect.SeverityWarning:
		c.Warning++
	default:
		c.Info++
	}
	return c
}

// findingsTable renders findings one row each: rank, severity, kind,
// count, and the finding itself: its title wrapped to the width left,
// its culprit, and the lines more adds.
func findingsTable(p *printer, fs []*Finding, more func(*Finding) []string) {
	t := newColumns("#>", "SEVERITY", "KIND", "COUNT>", "FINDING")
	fixed := make([][]string, len(fs))
	for i, f := range fs {
		fixed[i] = []string{itoa(f.Rank), f.Severity.String(), string(f.Kind), thousands(f.Count)}
	}
	width := t.lastWidth(fixed, len(p.indent)+len(tableIndent), lineWidth, 40)
	for i, f := range fs {
		cell := wrap(clean(f.Title), width)
		if f.Culprit != nil {
			cell = append(cell, "at "+shortFunction(f.Culprit.Function)+" ("+shortSite(f.Culprit.File, f.Culprit.Line)+")")
		}
		if more != nil {
			cell = append(cell, more(f)...)
		}
		cells := make([][]string, 0, 5)
		for _, c := range fixed[i] {
			cells = append(cells, []string{c})
		}
		t.addLines(append(cells, cell)...)
	}
	p.table(t, tableIndent)
}

// shownOf returns the findings of fs the view shows.
func shownOf(fs []*Finding, v ScanView) []*Finding {
	var out []*Finding
	for _, f := range fs {
		if v.shown(f) {
			out = append(out, f)
		}
	}
	return out
}

// skippedLine names the detectors that did not run on an input, and why.
func skippedLine(in *InputSummary) string {
	parts := make([]string, len(in.SkippedDetectors))
	for i, sk := range in.SkippedDetectors {
		parts[i] = sk.Detector + " (" + sk.Reason + ")"
	}
	return strings.Join(parts, ", ")
}

// evidence renders one finding in full: its header, title, culprit,
// creation site, wait ages and related findings, each stack of its
// evidence as a group, and its remedy.
func evidence(p *printer, s *Scan, d distinctFinding, related map[string]int) {
	f := d.Finding
	in := &s.Inputs[f.Input]
	p.line("-- #%d  %s  %s  (%s, score %.2f, %s)", f.Rank, f.Severity, f.Kind, f.Confidence, jsonScore(f.Score), f.Fingerprint)
	p.wrapped("", clean(f.Title))
	if len(s.Inputs) > 1 {
		also := ""
		if d.Inputs > 1 {
			also = " (and " + count(d.Inputs-1, "more input") + " with this kind and culprit)"
		}
		p.line("input:       %s%s", clean(in.Label), also)
	}
	if f.Culprit != nil {
		p.line("culprit:     %s at %s", clean(f.Culprit.Function), clean(frameSite(f.Culprit)))
	}
	if f.CreatedBy != nil {
		p.line("created by:  %s at %s", clean(f.CreatedBy.Function), clean(frameSite(f.CreatedBy)))
	}
	if f.Wait != nil {
		p.line("waiting:     %s", waitText(&WaitRange{Min: f.Wait.Min, Median: f.Wait.Median, Max: f.Wait.Max}))
	}
	if len(f.Related) > 0 {
		rel := make([]string, len(f.Related))
		for i, fp := range f.Related {
			rel[i] = fp
			if rank, ok := related[fp]; ok {
				rel[i] = "#" + itoa(rank) + " " + fp
			}
		}
		p.line("related:     %s", strings.Join(rel, ", "))
	}
	noun := "goroutine"
	if in.Contention != nil && !in.Caps.Has(parse.CapGoroutineIDs) {
		noun = "" // profile samples: the note says what the count counts
	}
	for i := range f.Stacks {
		p.line("")
		evidenceStack(p, &f.Stacks[i], noun)
	}
	if f.Remedy != "" {
		p.line("")
		p.line("remedy:")
		p.wrapped("  ", clean(f.Remedy))
	}
}

// evidenceStack renders one stack of a finding's evidence as the groups
// verb shows a group, indented, with the evidence's note in its header.
func evidenceStack(p *printer, e *detect.Evidence, noun string) {
	v := GroupView{Count: e.Count, Labels: e.Labels, IDs: e.GoroutineIDs, ElidedAt: -1}
	if e.Wait != nil && e.Wait.Max > 0 {
		v.Wait = &WaitRange{Min: e.Wait.Min, Median: e.Wait.Median, Max: e.Wait.Max}
	}
	if st := e.Stack; st != nil {
		v.Frames, v.CreatedBy, v.Elided = st.Frames, st.CreatedBy, st.Elided
		if st.Elided != 0 && st.ElidedAt <= len(st.Frames) {
			v.ElidedAt = st.ElidedAt
		}
	}
	if len(v.IDs) > 0 && e.Count > len(v.IDs) {
		v.MoreIDs = e.Count - len(v.IDs)
	}
	var head []string
	if noun != "" {
		head = append(head, count(e.Count, noun))
	}
	if e.State != "" {
		head = append(head, "["+clean(e.State)+"]")
	}
	head = append(head, groupFacts(&v)...)
	saved := p.indent
	p.indent += "  "
	defer func() { p.indent = saved }()
	line := strings.Join(head, "  ")
	note := clean(e.Note)
	switch {
	case note == "":
		p.line("%s", line)
	case line == "":
		p.wrapped("", note)
	case len(p.indent)+len(line)+len("  <- ")+len(note) <= lineWidth:
		p.line("%s  <- %s", line, note)
	default:
		p.line("%s", line)
		p.wrapped("  <- ", note)
	}
	groupBody(p, &v)
}

// relatedRanks maps the fingerprints of an input's findings to their
// ranks, to name related findings by rank.
func relatedRanks(fs []*Finding) map[string]int {
	m := make(map[string]int, len(fs))
	for _, f := range fs {
		if _, ok := m[f.Fingerprint]; !ok {
			m[f.Fingerprint] = f.Rank
		}
	}
	return m
}

// evidenceSection renders the evidence of the run's top findings: the
// first View.Evidence distinct findings the table shows, one per kind and
// culprit.
func evidenceSection(p *printer, s *Scan, byInput [][]*Finding) {
	top := s.distinct()
	if len(top) > s.View.Evidence {
		top = top[:s.View.Evidence]
	}
	for _, d := range top {
		p.line("")
		evidence(p, s, d, relatedRanks(byInput[d.Input]))
	}
}

// runSummary ends a scan of several inputs: finding counts, and the top
// findings of the run, one per kind and culprit, with the inputs they were
// seen in.
func runSummary(p *printer, s *Scan, byInput [][]*Finding) {
	with := 0
	for i := range s.Inputs {
		if len(shownOf(byInput[i], s.View)) > 0 {
			with++
		}
	}
	all := make([]*Finding, len(s.Findings))
	for i := range s.Findings {
		all[i] = &s.Findings[i]
	}
	p.line("")
	p.line("== summary: %s, %s with findings; %s", count(len(s.Inputs), "snapshot"), itoa(with), findingsStatus(all, s.View))
	top := s.distinct()
	if len(top) == 0 {
		return
	}
	shown := top
	if len(shown) > summaryTop {
		shown = shown[:summaryTop]
	}
	p.line("top findings, one per kind and culprit:")
	fs := make([]*Finding, len(shown))
	inputs := make(map[*Finding]int, len(shown))
	for i, d := range shown {
		fs[i] = d.Finding
		inputs[d.Finding] = d.Inputs
	}
	findingsTable(p, fs, func(f *Finding) []string {
		where := "in " + s.Inputs[f.Input].Label
		if n := inputs[f] - 1; n > 0 {
			where += fmt.Sprintf(" and %s", count(n, "more input"))
		}
		return []string{where}
	})
	if hidden := len(top) - len(shown); hidden > 0 {
		p.line("... %s, listed with their inputs above", count(hidden, "more distinct finding"))
	}
}
