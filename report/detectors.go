package report

import (
	"go/doc/comment"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// DetectorsSchema names the JSON document of "gorensic detectors".
const DetectorsSchema = "gorensic/detectors/v1"

// DetectorInfo describes a detector for "gorensic detectors" and
// "gorensic explain".
type DetectorInfo struct {
	Name  string
	Kinds []detect.Kind
	// Needs are the caps an input must all show for the detector to run;
	// NeedsAny, caps of which it must show one.
	Needs, NeedsAny parse.Caps
	// Summary is the first sentence of Doc, without its "Package x".
	Summary string
	Doc     string
}

// Describe returns the description of d.
func Describe(d *detect.Detector) DetectorInfo {
	return DetectorInfo{
		Name:     d.Name,
		Kinds:    d.Kinds,
		Needs:    d.Needs,
		NeedsAny: d.NeedsAny,
		Summary:  summarize(d.Doc),
		Doc:      d.Doc,
	}
}

// summarize returns the first sentence of a detector's package comment
// on one line, with its subject "Package x" dropped and the verb
// capitalised: "Package leak finds goroutines..." is "Finds goroutines...".
func summarize(doc string) string {
	text := strings.Join(strings.Fields(doc), " ")
	if rest, ok := strings.CutPrefix(text, "Package "); ok {
		if _, after, ok := strings.Cut(rest, " "); ok {
			text = after
		}
	}
	if i := strings.Index(text+" ", ". "); i >= 0 {
		text = text[:i+1]
	}
	r, size := utf8.DecodeRuneInString(text)
	return string(unicode.ToUpper(r)) + text[size:]
}

// needsText says what a detector needs of an input: "crash", "goroutine-ids
// or grouped-counts", or "any input".
func (d *DetectorInfo) needsText() string {
	var parts []string
	if all := d.Needs.Names(); len(all) > 0 {
		parts = append(parts, strings.Join(all, " and "))
	}
	if anyOf := d.NeedsAny.Names(); len(anyOf) > 0 {
		parts = append(parts, strings.Join(anyOf, " or "))
	}
	if len(parts) == 0 {
		return "any input"
	}
	return strings.Join(parts, "; and ")
}

func kindNames(ks []detect.Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// Detectors renders the list of detectors: one row each with its name and
// its summary, the kinds it reports and the caps it needs.
func (textFormatter) Detectors(w io.Writer, ds []DetectorInfo) error {
	p := &printer{w: w}
	t := newColumns("NAME", "DETECTS")
	names := make([][]string, len(ds))
	for i := range ds {
		names[i] = []string{ds[i].Name}
	}
	width := t.lastWidth(names, 0, lineWidth, 40)
	for i := range ds {
		d := &ds[i]
		cell := wrap(d.Summary, width)
		cell = append(cell, wrap("kinds: "+strings.Join(kindNames(d.Kinds), ", ")+"; needs: "+d.needsText(), width)...)
		t.addLines([]string{d.Name}, cell)
	}
	p.table(t, "")
	p.line("")
	p.line("gorensic explain NAME prints what a detector reports, its evidence, false positives and remedy.")
	return p.err
}

// The detectors document.
type (
	jsonDetectors struct {
		Schema    string         `json:"schema"`
		Detectors []jsonDetector `json:"detectors"`
	}
	jsonDetector struct {
		Name     string   `json:"name"`
		Kinds    []string `json:"kinds"`
		Needs    []string `json:"needs"`     // caps the input must all show
		NeedsAny []string `json:"needs_any"` // caps of which it must show one
		Summary  string   `json:"summary"`
		Doc      string   `json:"doc"`
	}
)

// Detectors renders the list of detectors as the gorensic/detectors/v1
// document.
func (jsonFormatter) Detectors(w io.Writer, ds []DetectorInfo) error {
	doc := jsonDetectors{Schema: DetectorsSchema, Detectors: make([]jsonDetector, 0, len(ds))}
	for i := range ds {
		d := &ds[i]
		doc.Detectors = append(doc.Detectors, jsonDetector{
			Name:     d.Name,
			Kinds:    kindNames(d.Kinds),
			Needs:    append([]string{}, d.Needs.Names()...),
			NeedsAny: append([]string{}, d.NeedsAny.Names()...),
			Summary:  d.Summary,
			Doc:      d.Doc,
		})
	}
	return encode(w, doc)
}

// explainWidth is the width detector documentation is wrapped to.
const explainWidth = 80

// Explain renders a detector's documentation as plain text for "gorensic
// explain": a line naming the detector, its kinds and needs, then its
// package comment with the godoc syntax (headings, lists, code blocks)
// laid out by go/doc/comment and "Package x" turned into "The NAME
// detector".
func Explain(w io.Writer, d DetectorInfo) error {
	p := &printer{w: w}
	p.line("detector %s (kinds: %s; needs: %s)", d.Name, strings.Join(kindNames(d.Kinds), ", "), d.needsText())
	p.line("")
	doc := d.Doc
	if rest, ok := strings.CutPrefix(doc, "Package "); ok {
		if _, after, ok := strings.Cut(rest, " "); ok {
			doc = "The " + d.Name + " detector " + after
		}
	}
	var parser comment.Parser
	printer := comment.Printer{TextWidth: explainWidth}
	if p.err == nil {
		_, p.err = w.Write(printer.Text(parser.Parse(doc)))
	}
	return p.err
}
