package race

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
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
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		for n := 1; n <= len(lines); n++ {
			text := strings.Join(lines[:n], "")
			snaps, err := parse.Read(context.Background(), path, strings.NewReader(text), parse.Options{})
			if err != nil {
				continue // not recognisable yet
			}
			for _, s := range snaps {
				res, err := detect.Run(context.Background(), s, []*detect.Detector{Detector}, detect.DefaultConfig(), nil)
				if err != nil {
					t.Fatalf("%s, %d lines: %v", path, n, err)
				}
				for _, f := range res.Findings {
					if f.Title == "" || len(f.Stacks) == 0 || strings.Contains(f.Title, "\n") {
						t.Errorf("%s, %d lines: bad finding %+v", path, n, f)
					}
				}
			}
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
