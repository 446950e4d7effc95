package report

import (
	"bytes"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// This is the only file that knows the tablewriter API; the rest of the
// package builds a columns value and renders it.

// columns is a borderless ASCII table, kubectl-style: a header line, then
// one line per row, columns two spaces apart, no trailing blanks.
type columns struct {
	header []string
	right  []bool // right-align the column (numbers)
	rows   [][]string
}

// newColumns starts a table with the given headers; a header ending in
// ">" is right-aligned (the ">" is dropped).
func newColumns(headers ...string) *columns {
	c := &columns{}
	for _, h := range headers {
		h, right := cutSuffix(h, ">")
		c.header = append(c.header, h)
		c.right = append(c.right, right)
	}
	return c
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// add appends a row; cells are cleaned of control characters.
func (c *columns) add(cells ...string) {
	row := make([]string, len(cells))
	for i, s := range cells {
		row[i] = clean(s)
	}
	c.rows = append(c.rows, row)
}

// render writes the table to w, each line prefixed by indent.
func (c *columns) render(w io.Writer, indent string) error {
	align := make([]tw.Align, len(c.header))
	for i, r := range c.right {
		align[i] = tw.AlignLeft
		if r {
			align[i] = tw.AlignRight
		}
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{ShowHeader: tw.Off, ShowFooter: tw.Off, BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowTop: tw.Off, ShowBottom: tw.Off, ShowHeaderLine: tw.Off, ShowFooterLine: tw.Off},
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithPadding(tw.Padding{Right: "  ", Overwrite: true}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	t.Header(c.header)
	for _, r := range c.rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for line := range bytes.Lines(buf.Bytes()) {
		line = bytes.TrimRight(line, " \n")
		if _, err := io.WriteString(w, indent+string(line)+"\n"); err != nil {
			return err
		}
	}
	return nil
}
