package census_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/detecttest"
	"github.com/gorensic/gorensic/detect/leak"
	"github.com/gorensic/gorensic/detect/runaway"
)

// TestFixturesPrecision runs the leak and runaway detectors over every
// captured file of every scenario, not only the files want lines name:
// each finding at warning or above must be expected by a leak or runaway
// want line of its scenario. Scenarios about locks, syscalls, cgo, crashes
// and races must leave both detectors quiet.
func TestFixturesPrecision(t *testing.T) {
	dirs, _ := filepath.Glob("../../../fixtures/captured/go*/*")
	if len(dirs) == 0 {
		t.Skip("no captured fixtures under fixtures/captured")
	}
	detectors := []*detect.Detector{leak.Detector, runaway.Detector}
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		scenario := filepath.Base(dir)
		exps := extraWants[scenario]
		if want := filepath.Join("../../../fixtures/scenarios", scenario, "want"); fileExists(want) {
			var err error
			more, err := detecttest.ParseWant(want)
			if err != nil {
				t.Fatal(err)
			}
			exps = append(exps, more...)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, file := range files {
			name := filepath.Base(file)
			if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".trace") || strings.HasSuffix(name, ".out") {
				continue
			}
			fs, err := detecttest.Findings(file, detectors)
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			for _, f := range fs {
				if f.Severity < detect.SeverityWarning || expected(exps, name, f) {
					continue
				}
				t.Errorf("%s: unexpected %s %s %s count=%d: %s", file, f.Severity, f.Confidence, f.Kind, f.Count, f.Title)
			}
		}
	}
}

// extraWants are expectations for files whose want lines would also hold
// other detectors to precision there (full dumps in which the contention
// detector reports too).
var extraWants = map[string][]detecttest.Expectation{
	"labels": {
		{Glob: "goroutineleak-debug2.txt", Kind: detect.KindLeak, Culprit: "main.awaitPaymentCallback", MinCount: 3},
		{Glob: "goroutineleak-sigquit.txt", Kind: detect.KindLeak, Culprit: "main.awaitPaymentCallback", MinCount: 3},
	},
}

func expected(exps []detecttest.Expectation, file string, f detect.Finding) bool {
	for _, x := range exps {
		if ok, _ := filepath.Match(x.Glob, file); !ok || x.Quiet || x.Kind != f.Kind || f.Count < x.MinCount {
			continue
		}
		if x.Culprit == "-" || f.Culprit != nil && f.Culprit.Function == x.Culprit {
			return true
		}
	}
	return false
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
