package report

import (
	"testing"
	"time"

	"github.com/gorensic/gorensic/parse"
)

func TestMinutes(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "<1m"},
		{59 * time.Second, "<1m"},
		{time.Minute, "1m"},
		{59 * time.Minute, "59m"},
		{65 * time.Minute, "1h05m"},
		{5352 * time.Minute, "3d17h12m"},
	} {
		if got := minutes(tc.in); got != tc.want {
			t.Errorf("minutes(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDelayText(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{38*time.Minute + 49977697764*time.Nanosecond, "38m49.978s"},
		{1234567 * time.Nanosecond, "1.235ms"},
		{420 * time.Nanosecond, "420ns"},
		{0, "0s"},
	} {
		if got := delayText(tc.in); got != tc.want {
			t.Errorf("delayText(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWaitText(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		in   WaitRange
		want string
	}{
		{WaitRange{12 * m, 12 * m, 12 * m}, "12m"},
		{WaitRange{0, 0, 3 * m}, "<1m..3m"},
		{WaitRange{12 * m, 31 * m, 47 * m}, "12m..47m (median 31m)"},
		{WaitRange{12 * m, 47 * m, 47 * m}, "12m..47m"},
	} {
		if got := waitText(&tc.in); got != tc.want {
			t.Errorf("waitText(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCountAndThousands(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "goroutine", "0 goroutines"},
		{1, "goroutine", "1 goroutine"},
		{999, "group", "999 groups"},
		{1752, "goroutine", "1,752 goroutines"},
		{1000000, "goroutine", "1,000,000 goroutines"},
		{-1234, "x", "-1,234 xs"},
	} {
		if got := count(tc.n, tc.noun); got != tc.want {
			t.Errorf("count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"main.main", "main.main"},
		{"broker.func·006", "broker.func·006"}, // printable Unicode stays
		{"evil\x1b[31mred", `evil\x1b[31mred`},
		{"tab\there", `tab\there`},
		{"bad\xffutf8", `bad\xffutf8`},
	} {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCrashText(t *testing.T) {
	for _, tc := range []struct {
		in   parse.Crash
		want string
	}{
		{parse.Crash{Kind: parse.CrashPanic, Message: "boom", GoroutineID: 7}, "panic: boom (in goroutine 7)"},
		{parse.Crash{Kind: parse.CrashFatalError, Message: "concurrent map writes"}, "fatal error: concurrent map writes"},
		{parse.Crash{Kind: parse.CrashSignal, Message: "SIGQUIT: quit", Signal: "SIGQUIT: quit"}, "SIGQUIT: quit"},
		{parse.Crash{Kind: parse.CrashFatalError, Message: "unexpected signal during runtime execution", Signal: "[signal SIGSEGV: segmentation violation]"},
			"fatal error: unexpected signal during runtime execution [signal SIGSEGV: segmentation violation]"},
	} {
		if got := crashText(&tc.in); got != tc.want {
			t.Errorf("crashText(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
