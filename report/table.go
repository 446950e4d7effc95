package report

import (
	"bytes"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// This is the only file that knows the tablewriter API; the rest of the
// package builds a columns value and renders it.

// columnGap separates the columns of a table.
const columnGap = "  "

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

// addLines appends a row whose cells may hold several lines; each line is
// cleaned of control characters.
func (c *columns) addLines(cells ...[]string) {
	row := make([]string, len(cells))
	for i, lines := range cells {
		cleaned := make([]string, len(lines))
		for j, l := range lines {
			cleaned[j] = clean(l)
		}
		row[i] = strings.Join(cleaned, "\n")
	}
	c.rows = append(c.rows, row)
}

// lastWidth returns the width left for the last column when the table is
// rendered with the given indent in total columns, given the cells of the
// other columns (one slice per row, the header excluded); it is at least
// minimum.
func (c *columns) lastWidth(others [][]string, indent, total, minimum int) int {
	used := indent
	for i := 0; i < len(c.header)-1; i++ {
		w := len(c.header[i])
		for _, r := range others {
			if i < len(r) {
				w = max(w, len(r[i]))
			}
		}
		used += w + len(columnGap)
	}
	return max(minimum, total-used)
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
		tablewriter.WithPadding(tw.Padding{Right: columnGap, Overwrite: true}),
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
