package parse

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// capturedFiles lists fixture captures matching pattern under
// fixtures/captured/*/*/, skipping when none were generated.
func capturedFiles(t *testing.T, pattern string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "fixtures", "captured", "*", "*", pattern))
	if len(files) == 0 {
		t.Skipf("no captured fixtures match %s (run go generate ./fixtures/)", pattern)
	}
	return files
}

var headerRE = regexp.MustCompile(`(?m)^goroutine (\d+) `)

// TestGotracebackCrashFoldsThreadReports: with GOTRACEBACK=crash the
// runtime reprints each thread's goroutine after a "-----" line, under its
// own "SIGQUIT: quit" header. They are the same crash: one snapshot, each
// goroutine once.
func TestGotracebackCrashFoldsThreadReports(t *testing.T) {
	for _, path := range capturedFiles(t, "sigquit-gotraceback-crash.txt") {
		t.Run(path, func(t *testing.T) {
			text := mustRead(t, path)
			main, _, found := strings.Cut(text, "\n-----\n")
			if !found {
				t.Fatalf("no thread reports in %s", path)
			}
			want := len(headerRE.FindAllString(main, -1))
			snaps := readCorpusFile(t, path)
			if len(snaps) != 1 {
				t.Fatalf("snapshots = %d, want 1", len(snaps))
			}
			s := snaps[0]
			if s.GoroutineCount() != want {
				t.Errorf("goroutines = %d, want the %d of the main report", s.GoroutineCount(), want)
			}
			if s.Crash == nil || s.Crash.Message != "SIGQUIT: quit" {
				t.Errorf("crash = %+v", s.Crash)
			}
			seen := map[int64]bool{}
			for _, g := range s.Goroutines {
				if seen[g.ID] {
					t.Errorf("goroutine %d twice", g.ID)
				}
				seen[g.ID] = true
				if g.Extra == nil || g.Extra.GP == 0 {
					t.Errorf("goroutine %d lacks gp= (GOTRACEBACK=crash prints it)", g.ID)
				}
			}
		})
	}
}

// TestCapturedTextDumpsAreClean: every text dump the real runtime printed
// for the fixtures reads without warnings, with as many goroutines as it
// has headers (thread reprints aside) and stacks for all of them.
func TestCapturedTextDumpsAreClean(t *testing.T) {
	var files []string
	for _, p := range []string{"goroutine-debug2.txt", "goroutineleak-debug2.txt", "sigquit*.txt", "crash*.txt", "labels-debug2*.txt"} {
		files = append(files, capturedFiles(t, p)...)
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			text := mustRead(t, path)
			main, _, _ := strings.Cut(text, "\n-----\n")
			want := len(headerRE.FindAllString(main, -1))
			n := 0
			for _, s := range readCorpusFile(t, path) {
				n += s.GoroutineCount()
				for _, w := range s.Warnings {
					t.Errorf("warning: %v", w)
				}
				for _, g := range s.Goroutines {
					if len(g.Stack.Frames) == 0 && !g.Has(FlagStackUnavailable) {
						t.Errorf("goroutine %d has no frames", g.ID)
					}
				}
				if strings.HasPrefix(filepath.Base(path), "goroutineleak") && s.Source.Format != FormatLeakDebug2 {
					t.Errorf("format %s, want %s", s.Source.Format, FormatLeakDebug2)
				}
			}
			if n != want {
				t.Errorf("goroutines = %d, want %d headers", n, want)
			}
		})
	}
}

// TestCapturedHeaderLabels: Go 1.26 prints labels inside the bracket with
// GODEBUG=tracebacklabels=1, Go 1.27 after it by default; both read the same.
func TestCapturedHeaderLabels(t *testing.T) {
	files := capturedFiles(t, "labels-debug2-tracebacklabels.txt")
	labelled := regexp.MustCompile(`(?m)^goroutine \d+ .*(labels:\{|\] \{)`)
	seen := map[string][]string{} // label sets by Go version
	defer func() {
		if a, b := seen["go1.26.8"], seen["go1.27.3"]; a != nil && b != nil && !slices.Equal(a, b) {
			t.Errorf("Go 1.26 and 1.27 captures of one program disagree on labels:\n%v\n%v", a, b)
		}
	}()
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			want := len(labelled.FindAllString(mustRead(t, path), -1))
			if want == 0 {
				t.Fatalf("no labelled headers in %s", path)
			}
			s := readCorpusFile(t, path)[0]
			if !s.Caps.Has(CapLabels) {
				t.Errorf("caps %v lack labels", s.Caps)
			}
			n := 0
			var sets []string
			for _, g := range s.Goroutines {
				if g.Labels == nil {
					continue
				}
				n++
				sets = append(sets, g.Labels.String())
			}
			slices.Sort(sets)
			seen[filepath.Base(filepath.Dir(filepath.Dir(path)))] = sets
			// Quoting and braces inside values survive both forms.
			if !slices.Contains(sets, "{route=/api/v1/items/{id}, user agent=curl/8.5.0}") {
				t.Errorf("label sets %v lack the quoted route and user agent", sets)
			}
			if n != want {
				t.Errorf("labelled goroutines = %d, want %d", n, want)
			}
		})
	}
}
