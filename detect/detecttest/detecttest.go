// Package detecttest runs detectors over the captured fixtures and checks
// the expectations written next to the scenario programs, in the way
// golang.org/x/tools/go/analysis/analysistest checks "// want" comments.
//
// Each scenario directory fixtures/scenarios/NAME may hold a file "want"
// whose lines say what the detectors must find in the files captured for
// that scenario under fixtures/captured/GOVERSION/NAME/:
//
//	# FILE-GLOB  KIND  CULPRIT-FUNCTION  >=COUNT
//	goroutine-debug2.txt   leak  main.fetchOne  >=100
//	goroutine-debug*.txt   leak  main.fetchOne  >=100
//	crash.txt              crash main.writer    >=1
//	# FILE-GLOB  quiet: nothing at warning or above (healthy look-alikes)
//	*                      quiet
//
// CULPRIT-FUNCTION "-" matches any culprit. A line is checked for recall
// only against the detectors under test that report its kind, so one want
// file serves every detector's test. Every finding at warning or
// above in a matched file must be expected by some line: a detector that
// reports what nobody expected fails the test, so precision is checked as
// well as recall. Files not matched by any line are not checked.
package detecttest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// Expectation is one line of a want file.
type Expectation struct {
	Glob     string
	Quiet    bool
	Kind     detect.Kind
	Culprit  string // "-" for any
	MinCount int
	Line     int
}

// ParseWant reads a want file.
func ParseWant(path string) ([]Expectation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Expectation
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
			continue
		case len(fields) == 2 && fields[1] == "quiet":
			out = append(out, Expectation{Glob: fields[0], Quiet: true, Line: n})
		case len(fields) == 4 && strings.HasPrefix(fields[3], ">="):
			c, err := strconv.Atoi(fields[3][2:])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad count %q", path, n, fields[3])
			}
			out = append(out, Expectation{Glob: fields[0], Kind: detect.Kind(fields[1]), Culprit: fields[2], MinCount: c, Line: n})
		default:
			return nil, fmt.Errorf("%s:%d: want \"GLOB KIND CULPRIT >=N\" or \"GLOB quiet\", got %q", path, n, line)
		}
	}
	return out, sc.Err()
}

func (e Expectation) matches(f detect.Finding) bool {
	if e.Quiet || f.Kind != e.Kind || f.Count < e.MinCount {
		return false
	}
	return e.Culprit == "-" || f.Culprit != nil && f.Culprit.Function == e.Culprit
}

// Run checks every scenario with a want file under fixturesDir (the
// repository's fixtures/ directory) against detectors.
func Run(t *testing.T, fixturesDir string, detectors []*detect.Detector) {
	t.Helper()
	wants, _ := filepath.Glob(filepath.Join(fixturesDir, "scenarios", "*", "want"))
	if len(wants) == 0 {
		t.Fatalf("no want files under %s/scenarios", fixturesDir)
	}
	versions, _ := filepath.Glob(filepath.Join(fixturesDir, "captured", "go*"))
	for _, want := range wants {
		scenario := filepath.Base(filepath.Dir(want))
		exps, err := ParseWant(want)
		if err != nil {
			t.Fatal(err)
		}
		for _, vdir := range versions {
			dir := filepath.Join(vdir, scenario)
			if _, err := os.Stat(dir); err != nil {
				continue
			}
			t.Run(filepath.Base(vdir)+"/"+scenario, func(t *testing.T) {
				CheckDir(t, dir, exps, detectors)
			})
		}
	}
}

// CheckDir checks the captured files in dir against exps.
func CheckDir(t *testing.T, dir string, exps []Expectation, detectors []*detect.Detector) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		var mine []Expectation
		for _, x := range exps {
			if ok, _ := filepath.Match(x.Glob, e.Name()); ok {
				mine = append(mine, x)
			}
		}
		if len(mine) == 0 {
			continue
		}
		path := filepath.Join(dir, e.Name())
		findings, err := Findings(path, detectors)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		for _, x := range mine {
			if x.Quiet || !reports(detectors, x.Kind) {
				continue // a line for another detector's kind
			}
			found := false
			for _, f := range findings {
				if x.matches(f) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s: want line %d (%s %s >=%d) not found; got:\n%s", path, x.Line, x.Kind, x.Culprit, x.MinCount, describe(findings))
			}
		}
		for _, f := range findings {
			if f.Severity < detect.SeverityWarning {
				continue
			}
			expected := false
			for _, x := range mine {
				if x.matches(f) {
					expected = true
					break
				}
			}
			if !expected {
				t.Errorf("%s: unexpected %s finding: %s", path, f.Severity, oneLine(f))
			}
		}
	}
}

// reports reports whether one of detectors reports findings of kind; a
// detector that declares no kinds may report any.
func reports(detectors []*detect.Detector, kind detect.Kind) bool {
	for _, d := range detectors {
		if len(d.Kinds) == 0 || slices.Contains(d.Kinds, kind) {
			return true
		}
	}
	return false
}

// Findings reads path and runs detectors over every snapshot in it.
func Findings(path string, detectors []*detect.Detector) ([]detect.Finding, error) {
	snaps, err := parse.ReadFile(context.Background(), path, parse.Options{})
	if err != nil {
		return nil, err
	}
	var all []detect.Finding
	for _, s := range snaps {
		res, err := detect.Run(context.Background(), s, detectors, detect.DefaultConfig(), nil)
		if err != nil {
			return nil, err
		}
		all = append(all, res.Findings...)
	}
	return all, nil
}

func oneLine(f detect.Finding) string {
	c := "-"
	if f.Culprit != nil {
		c = f.Culprit.Function
	}
	return fmt.Sprintf("%s %s %s count=%d culprit=%s: %s", f.Severity, f.Confidence, f.Kind, f.Count, c, f.Title)
}

func describe(fs []detect.Finding) string {
	if len(fs) == 0 {
		return "\t(no findings)"
	}
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\t" + oneLine(f) + "\n")
	}
	return b.String()
}
