package crash

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

// TestTruncated runs the detector over every line prefix of the crash
// inputs: a crash cut anywhere (as pasted crashes are) must not break it,
// a finding must keep a one-line title, and a crash is never reported
// twice for one snapshot.
func TestTruncated(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "go1.26", "*.txt"))
	if ents, err := os.ReadDir(filepath.Join(corpusDir, "issues")); err == nil {
		for _, e := range ents {
			files = append(files, filepath.Join(corpusDir, "issues", e.Name()))
		}
	}
	for _, path := range files {
		dumptest.EachPrefix(t, Detector, path, 120, func(n int, fs []detect.Finding) {
			if len(fs) > 1 {
				t.Errorf("%s, %d lines: %d findings for one snapshot", path, n, len(fs))
			}
			for _, f := range fs {
				if f.Title == "" || strings.Contains(f.Title, "\n") {
					t.Errorf("%s, %d lines: bad title %q", path, n, f.Title)
				}
			}
		})
	}
}
