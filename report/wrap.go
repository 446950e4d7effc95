package report

import (
	"path"
	"strings"
)

// lineWidth is the width the table format keeps to, so that its output
// reads in a terminal and pastes into a ticket without wrapping.
const lineWidth = 100

// wrap breaks text into lines of at most width bytes at spaces; a word
// longer than width gets a line of its own. Line breaks in text are kept.
func wrap(text string, width int) []string {
	var out []string
	for para := range strings.SplitSeq(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case len(line)+1+len(word) <= width:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}

// shortFunction drops the directories of a function's import path:
// "github.com/acme/api/fetch.(*Fetcher).fetchOne" is "fetch.(*Fetcher).fetchOne".
// Slashes inside generic type arguments are left alone.
func shortFunction(fn string) string {
	head := fn
	if i := strings.IndexByte(fn, '['); i >= 0 {
		head = fn[:i]
	}
	if i := strings.LastIndexByte(head, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// shortSite renders a frame's file base name and line: "fetch.go:88".
func shortSite(file string, line int) string {
	if strings.Trim(file, "?") == "" { // "", "?", "??": unknown
		return "?"
	}
	base := path.Base(strings.ReplaceAll(file, `\`, "/"))
	if line > 0 {
		return base + ":" + itoa(line)
	}
	return base
}
