package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gorensic/gorensic/report"
)

// Flag values that validate as they are parsed, so a bad value is a usage
// error naming the flag before any input is read.

// formatValue is --format.
type formatValue struct{ f *report.Format }

func (v formatValue) String() string { return string(*v.f) }
func (v formatValue) Type() string   { return "format" }
func (v formatValue) Set(s string) error {
	f, err := report.ParseFormat(s)
	if err != nil {
		return err
	}
	*v.f = f
	return nil
}

// severityLevel is the --fail-on threshold.
type severityLevel string

const (
	failNever    severityLevel = "none"
	failWarning  severityLevel = "warning"
	failCritical severityLevel = "critical"
)

// severityValue is --fail-on.
type severityValue struct{ s *severityLevel }

func (v severityValue) String() string { return string(*v.s) }
func (v severityValue) Type() string   { return "severity" }
func (v severityValue) Set(s string) error {
	switch l := severityLevel(s); l {
	case failNever, failWarning, failCritical:
		*v.s = l
		return nil
	}
	return fmt.Errorf("unknown severity %q (want warning, critical or none)", s)
}

// byteSize is a byte count given as "8GiB", "512MiB", "100MB" or "1048576";
// -1 means no limit ("unlimited").
type byteSize int64

func parseByteSize(s string) (byteSize, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "unlimited" {
		return -1, nil
	}
	// Longest suffixes first, so that "MiB" is tried before "B". K, M, G
	// and T alone are binary, as in most command line tools.
	units := []struct {
		suffix string
		scale  int64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
		{"b", 1},
	}
	scale := int64(1)
	for _, u := range units {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, scale = strings.TrimSpace(num), u.scale
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) {
		return 0, fmt.Errorf("invalid size %q (want a positive size such as 8GiB, 512MiB, 100MB, or unlimited)", s)
	}
	b := n * float64(scale)
	if b > math.MaxInt64 || b < 1 {
		return 0, fmt.Errorf("size %q out of range", s)
	}
	return byteSize(b), nil
}

func (b byteSize) String() string {
	if b < 0 {
		return "unlimited"
	}
	for _, u := range []struct {
		suffix string
		scale  int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if int64(b) >= u.scale && int64(b)%u.scale == 0 {
			return strconv.FormatInt(int64(b)/u.scale, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// byteSizeValue is a byteSize flag.
type byteSizeValue struct{ b *byteSize }

func (v byteSizeValue) String() string { return v.b.String() }
func (v byteSizeValue) Type() string   { return "size" }
func (v byteSizeValue) Set(s string) error {
	b, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*v.b = b
	return nil
}
