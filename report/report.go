package report

import (
	"fmt"
	"io"
	"strings"
)

// Format names an output format, as given to --format.
type Format string

const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
)

// Formats lists every output format, the default first.
func Formats() []Format { return []Format{FormatTable, FormatJSON} }

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(names, " or "))
}

// Formatter renders results in one output format. A Formatter writes
// through w as it goes; the caller buffers and flushes.
type Formatter interface {
	// Scan renders the result of "gorensic scan".
	Scan(w io.Writer, s *Scan) error
	// Groups renders the result of "gorensic groups".
	Groups(w io.Writer, g *Groups) error
	// Detectors renders the list of "gorensic detectors".
	Detectors(w io.Writer, ds []DetectorInfo) error
}

// New returns the Formatter for f.
func New(f Format) (Formatter, error) {
	switch f {
	case FormatTable:
		return textFormatter{}, nil
	case FormatJSON:
		return jsonFormatter{}, nil
	}
	return nil, fmt.Errorf("unknown format %q", f)
}
