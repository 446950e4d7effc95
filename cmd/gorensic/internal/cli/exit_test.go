package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes runs command lines that must end with a given exit code
// and say a given thing on stdout and stderr.
func TestExitCodes(t *testing.T) {
	dump := "testdata/scan-dir/api/goroutines-debug2.txt"
	onlyNotes := t.TempDir()
	if err := os.WriteFile(filepath.Join(onlyNotes, "notes.txt"), []byte("nothing to see\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		stdin    string
		code     int
		stdout   []string // substrings stdout must hold
		stderr   []string // substrings stderr must hold
		noStderr bool
	}{
		{name: "scan a dump", args: []string{"scan", dump}, code: 0, stdout: []string{"goroutines:  11"}, noStderr: true},
		{name: "groups of a dump", args: []string{"groups", dump}, code: 0, stdout: []string{"#1  6 goroutines  [chan send]"}, noStderr: true},
		{name: "version", args: []string{"version"}, code: 0, stdout: []string{"gorensic "}},
		{name: "no input", args: []string{"scan"}, code: 2, stderr: []string{"no input", "Run 'gorensic scan --help' for usage."}},
		{name: "unknown flag", args: []string{"scan", "--bogus", dump}, code: 2, stderr: []string{"unknown flag: --bogus", "Run 'gorensic scan --help'"}},
		{name: "unknown format", args: []string{"groups", "--format", "xml", dump}, code: 2, stderr: []string{`invalid argument "xml" for "--format"`, "table or json"}},
		{name: "unknown fail-on", args: []string{"scan", "--fail-on", "info", dump}, code: 2, stderr: []string{`"--fail-on"`, "warning, critical or none"}},
		{name: "fail-on warning with a warning", args: []string{"scan", "--fail-on", "warning", dump}, code: 1,
			stdout: []string{"1  warning   leak"}, stderr: []string{"gorensic: 1 finding(s) at or above warning"}},
		{name: "fail-on critical without a critical", args: []string{"scan", "--fail-on", "critical", dump}, code: 0},
		{name: "fail-on none", args: []string{"scan", "--fail-on", "none", dump}, code: 0},
		{name: "unreadable input wins over fail-on", args: []string{"scan", "--fail-on", "warning", dump, "no-such-dump.txt"}, code: 2,
			stdout: []string{"1  warning   leak"}, stderr: []string{"1 input(s) could not be read"}},
		{name: "negative evidence", args: []string{"scan", "--evidence", "-1", dump}, code: 2, stderr: []string{"--evidence must be 0 (none) or more"}},
		{name: "bad size", args: []string{"scan", "--max-decompressed", "lots", dump}, code: 2, stderr: []string{`invalid size "lots"`}},
		{name: "bad timeout", args: []string{"scan", "--timeout", "soon", dump}, code: 2, stderr: []string{`"--timeout"`}},
		{name: "negative top", args: []string{"groups", "--top", "-1", dump}, code: 2, stderr: []string{"--top must be 0 (all) or more"}},
		{name: "negative max-frames", args: []string{"groups", "--max-frames", "-3", dump}, code: 2, stderr: []string{"--max-frames must be 0 (all) or more"}},
		{name: "stdin twice", args: []string{"scan", "-", "-"}, code: 2, stderr: []string{`"-" (stdin) given 2 times`}},
		{name: "unknown command", args: []string{"scna", dump}, code: 2, stderr: []string{`unknown command "scna"`}},
		{name: "missing file", args: []string{"scan", "no-such-dump.txt"}, code: 2,
			stderr: []string{"gorensic: no-such-dump.txt: no such file or directory", "no input could be read (1 failed)"}},
		{name: "some inputs fail", args: []string{"scan", dump, "no-such-dump.txt"}, code: 2,
			stdout: []string{"goroutines:  11", "1 input failed"}, stderr: []string{"no-such-dump.txt: no such file or directory", "1 input(s) could not be read"}},
		{name: "named file not a dump", args: []string{"scan", "testdata/scan-dir/README.md"}, code: 2,
			stderr: []string{"gorensic: testdata/scan-dir/README.md: no goroutine dump"}},
		{name: "directory with a file that is not a dump", args: []string{"scan", "testdata/scan-dir"}, code: 0,
			stdout: []string{"1 input skipped"}, stderr: []string{"gorensic: skipped testdata/scan-dir/README.md: no goroutine dump"}},
		{name: "directory without dumps", args: []string{"scan", onlyNotes}, code: 2,
			stderr: []string{"skipped " + filepath.Join(onlyNotes, "notes.txt"), "no input could be read (1 skipped)"}},
		{name: "empty stdin", args: []string{"groups", "-"}, code: 2, stderr: []string{"gorensic: -: empty input"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, strings.NewReader(tc.stdin), tc.args...)
			if res.code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tc.code, res.stdout, res.stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(res.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, res.stdout)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(res.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, res.stderr)
				}
			}
			if tc.noStderr && res.stderr != "" {
				t.Errorf("stderr = %q, want nothing", res.stderr)
			}
		})
	}
}

// TestExitCodeMapping covers the one place errors become exit codes.
func TestExitCodeMapping(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, 0, ""},
		{&FindingsError{Count: 3, Severity: "warning"}, 1, "gorensic: 3 finding(s) at or above warning\n"},
		{fmt.Errorf("scan: %w", &FindingsError{Count: 1, Severity: "critical"}), 1, "gorensic: scan: 1 finding(s) at or above critical\n"},
		{usagef("gorensic groups", "bad"), 2, "gorensic: bad\nRun 'gorensic groups --help' for usage.\n"},
		{&inputsError{read: 2, skipped: 3, failed: 1}, 2, "gorensic: 1 input(s) could not be read; the output covers the others\n"},
		{&inputsError{skipped: 3, failed: 1}, 2, "gorensic: no input could be read (3 skipped, 1 failed)\n"},
		{fmt.Errorf("reading: %w", context.Canceled), 2, "gorensic: interrupted\n"},
		{errors.New("boom"), 2, "gorensic: boom\n"},
	} {
		var b bytes.Buffer
		if code := exitCode(tc.err, &b); code != tc.code || b.String() != tc.stderr {
			t.Errorf("exitCode(%v) = %d, printed %q; want %d, %q", tc.err, code, b.String(), tc.code, tc.stderr)
		}
	}
}

// TestInterrupted checks that a cancelled run (Ctrl-C) stops before
// reading on, prints no partial report and exits 2.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := runContext(t, ctx, nil, "scan", "testdata/scan-dir")
	if res.code != 2 || !strings.Contains(res.stderr, "interrupted") || res.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, interrupted", res.code, res.stdout, res.stderr)
	}
}
