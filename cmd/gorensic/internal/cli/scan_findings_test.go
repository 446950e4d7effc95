package cli

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/detectors"
	"github.com/gorensic/gorensic/report"
)

// TestScanScenarios scans captured fixtures of known scenarios, under every
// Go version captured, and checks what an engineer acts on: the kind and
// severity of the top finding, its culprit, and the exit code of
// --fail-on warning. Healthy programs must show nothing at warning or above.
func TestScanScenarios(t *testing.T) {
	for _, tc := range []struct {
		scenario, file string
		topKind        string // "" for a healthy program
		topSeverity    string // "" for warning or critical
		culprit        string // function of the top finding's culprit, "" not checked
	}{
		{"map-crash", "crash.txt", "crash", "critical", "main.(*sessionStore).Touch"},
		{"nil-panic", "crash.txt", "crash", "critical", "main.(*checkoutHandler).serve"},
		{"deadlock", "crash.txt", "deadlock", "critical", ""},
		{"fanout-leak", "goroutineleak-debug2.txt", "leak", "critical", "main.(*searcher).search.func1"},
		{"runaway-spawn", "goroutine-debug2.txt", "runaway", "", ""},
		{"race", "race.txt", "race", "", ""},
		{"workerpool-idle", "goroutine-debug2.txt", "", "", ""},
		{"timers-healthy", "goroutine-debug2.txt", "", "", ""},
		{"http-keepalive", "goroutine-debug2.txt", "", "", ""},
	} {
		t.Run(tc.scenario+"/"+tc.file, func(t *testing.T) {
			for _, path := range captured(t, tc.scenario, tc.file) {
				doc, res := scanFindings(t, path)
				if res.code != 0 {
					t.Fatalf("%s: exit %d without --fail-on; stderr:\n%s", path, res.code, res.stderr)
				}
				checkTopFinding(t, path, doc, tc.topKind, tc.topSeverity, tc.culprit)

				table := run(t, nil, "scan", "--fail-on", "warning", path)
				wantCode := 1
				if tc.topKind == "" {
					wantCode = 0
					if !strings.Contains(table.stdout, "findings:    no findings at warning or above") {
						t.Errorf("%s: table lacks \"no findings at warning or above\":\n%s", path, table.stdout)
					}
				} else if top := regexp.MustCompile(`(?m)^\s+1\s+(critical|warning)\s+` + regexp.QuoteMeta(tc.topKind) + `\s`); !top.MatchString(table.stdout) {
					t.Errorf("%s: table has no row ranked 1 of kind %s:\n%s", path, tc.topKind, table.stdout)
				}
				if table.code != wantCode {
					t.Errorf("%s: --fail-on warning exits %d, want %d; stderr:\n%s", path, table.code, wantCode, table.stderr)
				}
			}
		})
	}
}

func checkTopFinding(t *testing.T, path string, doc findingsDoc, kind, severity, culprit string) {
	t.Helper()
	var warnings []finding
	for _, f := range doc.Findings {
		if f.Severity != "info" {
			warnings = append(warnings, f)
		}
	}
	if kind == "" {
		if len(warnings) > 0 {
			t.Errorf("%s: healthy program has %d finding(s) at warning or above, the first: %s %s %q",
				path, len(warnings), warnings[0].Severity, warnings[0].Kind, warnings[0].Title)
		}
		return
	}
	if len(warnings) == 0 {
		t.Fatalf("%s: no finding at warning or above, want a %s", path, kind)
	}
	top := doc.Findings[0]
	switch {
	case top.Rank != 1 || top.Kind != kind:
		t.Errorf("%s: top finding is #%d %s %q, want #1 %s", path, top.Rank, top.Kind, top.Title, kind)
	case severity != "" && top.Severity != severity:
		t.Errorf("%s: top finding is %s, want %s: %q", path, top.Severity, severity, top.Title)
	case culprit != "" && (top.Culprit == nil || top.Culprit.Function != culprit || top.Culprit.Line <= 0):
		t.Errorf("%s: top finding's culprit is %+v, want %s with a line", path, top.Culprit, culprit)
	}
}

// TestScanFailOn checks --fail-on against the findings of a critical and
// a warning input, and that it counts findings of every input.
func TestScanFailOn(t *testing.T) {
	crash := captured(t, "map-crash", "crash.txt")[0]
	warning := captured(t, "runaway-spawn", "goroutine-debug2.txt")[0]
	healthy := captured(t, "workerpool-idle", "goroutine-debug2.txt")[0]
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"critical, fail on critical", []string{"--fail-on", "critical", crash}, 1, "1 finding(s) at or above critical"},
		{"warning, fail on critical", []string{"--fail-on", "critical", warning}, 0, ""},
		{"warning, fail on warning", []string{"--fail-on", "warning", warning}, 1, "at or above warning"},
		{"no fail-on", []string{crash, warning}, 0, ""},
		{"healthy then critical", []string{"--fail-on", "critical", healthy, crash}, 1, "at or above critical"},
		{"json too", []string{"--format", "json", "--fail-on", "warning", healthy, warning}, 1, "at or above warning"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, nil, append([]string{"scan"}, tc.args...)...)
			if res.code != tc.code || !strings.Contains(res.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, tc.code, tc.stderr)
			}
			if res.stdout == "" {
				t.Error("nothing printed: --fail-on must not cut the report")
			}
		})
	}
}

// TestScanTableShowsInfoWithAll checks that the table hides info findings
// unless --all is given, and counts them either way.
func TestScanTableShowsInfoWithAll(t *testing.T) {
	dir := capturedDir(t)
	doc, _ := scanFindings(t, dir)
	infos := 0
	for _, f := range doc.Findings {
		if f.Severity == "info" {
			infos++
		}
	}
	if infos == 0 {
		t.Fatalf("no info finding in %s: this test needs one", dir)
	}
	infoRow := regexp.MustCompile(`(?m)^\s+\d+\s+info\s+\S+\s+[\d,]+\s`)
	hidden := run(t, nil, "scan", dir)
	if infoRow.MatchString(hidden.stdout) || !strings.Contains(hidden.stdout, "info hidden (--all shows") {
		t.Errorf("without --all: info rows shown or not counted as hidden:\n%s", hidden.stdout)
	}
	all := run(t, nil, "scan", "--all", dir)
	if !infoRow.MatchString(all.stdout) || strings.Contains(all.stdout, "hidden") {
		t.Errorf("with --all: no info row, or some still hidden:\n%s", all.stdout)
	}
}

// TestScanEvidence checks that --evidence sets how many findings are shown
// in full, with their stacks and remedy.
func TestScanEvidence(t *testing.T) {
	dir := capturedDir(t)
	for _, n := range []int{0, 1, 3} {
		res := run(t, nil, "scan", "--evidence", strconv.Itoa(n), dir)
		got := len(regexp.MustCompile(`(?m)^-- #\d+  `).FindAllString(res.stdout, -1))
		if got != n {
			t.Errorf("--evidence %d shows %d findings in full", n, got)
		}
		if remedies := strings.Count(res.stdout, "\nremedy:\n"); remedies > n {
			t.Errorf("--evidence %d prints %d remedies", n, remedies)
		}
	}
}

// TestScanDetectorSelection checks --detectors and --skip-detectors.
func TestScanDetectorSelection(t *testing.T) {
	crash := captured(t, "map-crash", "crash.txt")[0]
	for _, tc := range []struct {
		name      string
		args      []string
		wantCrash bool
		code      int
		stderr    string
	}{
		{"all", nil, true, 0, ""},
		{"only crash", []string{"--detectors", "crash"}, true, 0, ""},
		{"only leak and race", []string{"--detectors", "leak,race"}, false, 0, ""},
		{"skip crash", []string{"--skip-detectors", "crash"}, false, 0, ""},
		{"unknown", []string{"--detectors", "leak,bogus"}, false, 2, `--detectors: unknown detector "bogus" (known: leak,`},
		{"unknown skipped", []string{"--skip-detectors", "bogus"}, false, 2, `--skip-detectors: unknown detector "bogus"`},
		{"nothing left", []string{"--detectors", "crash", "--skip-detectors", "crash"}, false, 2, "leave no detector to run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, nil, append(append([]string{"scan", "--format", "json"}, tc.args...), crash)...)
			if res.code != tc.code || !strings.Contains(res.stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, tc.code, tc.stderr)
			}
			if tc.code != 0 {
				return
			}
			doc, _ := scanFindings(t, append(tc.args, crash)...)
			hasCrash := false
			for _, f := range doc.Findings {
				hasCrash = hasCrash || f.Detector == "crash"
			}
			if hasCrash != tc.wantCrash {
				t.Errorf("crash finding reported: %v, want %v", hasCrash, tc.wantCrash)
			}
		})
	}
}

// TestScanDetectorPanics checks that a detector that panics fails the
// input it panicked on, naming the detector and the input, exits 2, and
// leaves the report of the inputs and the findings of the other detectors.
func TestScanDetectorPanics(t *testing.T) {
	boom := guard(&detect.Detector{Name: "boom", Run: func(*detect.Pass) error { panic("index out of range") }})
	crash, _ := detectors.ByName("crash")
	for _, tc := range []struct {
		format report.Format
		want   []string
	}{
		{report.FormatTable, []string{"detectors failed: detector boom on " + testDump + ": panic: index out of range"}},
		{report.FormatJSON, []string{`"detect_error": "detector boom on ` + testDump + `: panic: index out of range"`, `"goroutines": 11`}},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			var out, errOut bytes.Buffer
			opts := &ScanOptions{Inputs: defaultInputOptions(), Format: tc.format, FailOn: failNever, Args: []string{testDump}}
			err := runScan(context.Background(), opts, []*detect.Detector{crash, boom}, detect.DefaultConfig(), IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code := exitCode(err, &errOut); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if !strings.Contains(errOut.String(), "gorensic: detector boom on "+testDump+": panic: index out of range\n") ||
				!strings.Contains(errOut.String(), "the detectors failed on 1 input(s)") {
				t.Errorf("stderr:\n%s", errOut.String())
			}
		})
	}
}
