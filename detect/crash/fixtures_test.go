package crash

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/detecttest"
)

const fixturesDir = "../../fixtures"

func TestFixtures(t *testing.T) {
	detecttest.Run(t, fixturesDir, []*detect.Detector{Detector})
}

// TestFixturesQuiet checks the captures that must never yield a crash
// finding at warning or above, whatever the scenario: every SIGQUIT dump
// (a dump the user asked for) and the deadlock crash (the deadlock
// detector's).
func TestFixturesQuiet(t *testing.T) {
	var files []string
	for _, pat := range []string{"*/*/sigquit*.txt", "*/*/goroutineleak-sigquit.txt", "*/deadlock/crash*.txt", "*/mutex-deadlock/crash*.txt"} {
		m, _ := filepath.Glob(filepath.Join(fixturesDir, "captured", pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		if _, err := os.Stat(filepath.Join(fixturesDir, "captured")); err != nil {
			t.Skipf("no captured fixtures yet: %v", err)
		}
		t.Fatal("captured fixtures hold no SIGQUIT dump or deadlock crash")
	}
	for _, path := range files {
		fs, err := detecttest.Findings(path, []*detect.Detector{Detector})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		for _, f := range fs {
			if f.Severity >= detect.SeverityWarning {
				t.Errorf("%s: unexpected %s finding: %s", path, f.Severity, f.Title)
			}
		}
	}
}
