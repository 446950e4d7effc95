package cli

import (
	"path/filepath"
	"runtime/debug"
	"testing"
)

// currentGCPercent reads the collector's target without changing it.
func currentGCPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestGCForInput checks that an execution trace is read at the tighter
// collector target, and restored after, unless GOGC is set, and that
// other inputs leave the target alone.
func TestGCForInput(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..", "fixtures", "captured", "go1.26.8")
	trace := filepath.Join(root, "hot-lock", "flightrecorder.trace")
	dump := filepath.Join(root, "http-keepalive", "goroutine-debug2.txt")
	unset := func(string) (string, bool) { return "", false }
	set := func(k string) (string, bool) { return "200", k == "GOGC" }
	before := currentGCPercent()
	for _, tc := range []struct {
		name   string
		path   string
		env    func(string) (string, bool)
		during int
	}{
		{"trace", trace, unset, traceGCPercent},
		{"trace with GOGC set", trace, set, before},
		{"dump", dump, unset, before},
		{"missing file", filepath.Join(root, "no-such-file"), unset, before},
	} {
		t.Run(tc.name, func(t *testing.T) {
			restore := gcForInput(tc.path, tc.env)
			if got := currentGCPercent(); got != tc.during {
				t.Errorf("GC percent while reading: %d, want %d", got, tc.during)
			}
			restore()
			if got := currentGCPercent(); got != before {
				t.Errorf("GC percent after: %d, want %d", got, before)
			}
		})
	}
}
