// Package words formats the numbers that go into finding titles: counts
// with thousands separators, plurals, and wait ages in the units an
// on-call engineer reads at a glance ("8m", "8h15m", "3d17h").
package words

import (
	"strconv"
	"time"
)

// Count formats n with thousands separators: 4096 -> "4,096".
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := false
	if n < 0 {
		neg, s = true, s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// N formats "1 goroutine", "4,096 goroutines": n and noun, with an "s"
// unless n is 1.
func N(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Count(n) + " " + noun + "s"
}

// Age formats a wait age as dumps print it, in whole minutes, or in hours
// and days when it is long: "45s", "8m", "8h15m", "3d17h".
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + "h"
		}
		return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
	default:
		days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
		if h == 0 {
			return strconv.Itoa(days) + "d"
		}
		return strconv.Itoa(days) + "d" + strconv.Itoa(h) + "h"
	}
}

// Range formats a min..max wait range: "8m" when both are equal,
// "12m-47m" otherwise.
func Range(lo, hi time.Duration) string {
	if Age(lo) == Age(hi) {
		return Age(hi)
	}
	return Age(lo) + "-" + Age(hi)
}

// Seconds formats a duration for a metric-like phrase: "1.5s", "2m3s",
// rounded to what a reader needs.
func Seconds(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// Func shortens a fully qualified function name to its last path
// element: "github.com/a/b/mdbx.(*MdbxKV).BeginRo" -> "mdbx.(*MdbxKV).BeginRo".
func Func(fn string) string {
	// The last slash outside brackets (generic shapes may contain paths).
	depth, cut := 0, 0
	for i := 0; i < len(fn); i++ {
		switch fn[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case '/':
			if depth == 0 {
				cut = i + 1
			}
		}
	}
	return fn[cut:]
}
