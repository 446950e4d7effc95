// Package doctext turns a detector's package comment into its Doc: each
// detector embeds its own doc.go with go:embed and passes the source to
// FromSource, so the package comment that godoc shows is the one source
// of truth for `gorensic explain NAME`.
package doctext

import "strings"

// FromSource returns the text of the "//" package comment in src, the
// source of a Go file: the comment lines directly before the package
// clause, without their comment markers. Directives ("//go:embed",
// "//go:build") and comments separated from the package clause by a blank
// line are not part of it. It returns "" when src has no package comment.
func FromSource(src string) string {
	var block []string
	for line := range strings.Lines(src) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "package "):
			return strings.TrimSpace(strings.Join(block, "\n"))
		case isDirective(line):
			// not documentation
		case strings.HasPrefix(line, "//"):
			text := strings.TrimPrefix(line, "//")
			text = strings.TrimPrefix(text, " ")
			block = append(block, text)
		default:
			// A blank line or code ends a comment block that does not
			// belong to the package clause.
			block = block[:0]
		}
	}
	return ""
}

// isDirective reports whether line is a "//go:..."-style directive, which
// gofmt keeps out of doc comments.
func isDirective(line string) bool {
	if !strings.HasPrefix(line, "//") || len(line) < 3 {
		return false
	}
	rest := line[2:]
	colon := strings.IndexByte(rest, ':')
	if colon <= 0 {
		return false
	}
	for _, c := range rest[:colon] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return colon+1 < len(rest) && rest[colon+1] != ' '
}
