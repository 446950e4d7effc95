package crash

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
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
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		if len(lines) > 120 {
			lines = lines[:120]
		}
		for n := 1; n <= len(lines); n++ {
			text := strings.Join(lines[:n], "")
			snaps, err := parse.Read(context.Background(), path, strings.NewReader(text), parse.Options{})
			if err != nil {
				continue
			}
			for _, s := range snaps {
				res, err := detect.Run(context.Background(), s, []*detect.Detector{Detector}, detect.DefaultConfig(), nil)
				if err != nil {
					t.Fatalf("%s, %d lines: %v", path, n, err)
				}
				if len(res.Findings) > 1 {
					t.Errorf("%s, %d lines: %d findings for one snapshot", path, n, len(res.Findings))
				}
				for _, f := range res.Findings {
					if f.Title == "" || strings.Contains(f.Title, "\n") {
						t.Errorf("%s, %d lines: bad title %q", path, n, f.Title)
					}
				}
			}
		}
	}
}
