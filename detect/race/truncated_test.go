package race

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

// TestTruncated runs the detector over every line prefix of the race
// inputs: a report cut anywhere (as pasted reports are) must not break it,
// and every finding must still have a title and evidence.
func TestTruncated(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "go1.26", "*.txt"))
	for _, f := range []string{"race-autonity-tendermint.txt", "issues/grpc-go-4802-race.txt", "issues/sand-27-race-docker-compose-prefix.txt", "malformed/debugcharts-19-ocr-garbled-race.txt"} {
		if p := filepath.Join(corpusDir, f); fileExists(p) {
			files = append(files, p)
		}
	}
	for _, path := range files {
		dumptest.EachPrefix(t, Detector, path, 0, func(n int, fs []detect.Finding) {
			for _, f := range fs {
				if f.Title == "" || len(f.Stacks) == 0 || strings.Contains(f.Title, "\n") {
					t.Errorf("%s, %d lines: bad finding %+v", path, n, f)
				}
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
