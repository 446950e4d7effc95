package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGolden runs representative inputs through both verbs and both
// formats and compares the output with testdata/golden. Corpus paths are
// written as $CORPUS so the files do not depend on where the corpus is.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string // "$CORPUS/..." names a corpus file
	}{
		{"groups-felixge-debug2.txt", []string{"groups", "$CORPUS/dumps/felixge-goroutine-debug2.txt"}},
		{"groups-felixge-debug2.json", []string{"groups", "--format", "json", "$CORPUS/dumps/felixge-goroutine-debug2.txt"}},
		{"groups-mhub-top5.txt", []string{"groups", "--top", "5", "--max-frames", "6", "$CORPUS/dumps/mhub-go1.3-send-on-closed-channel.txt"}},
		{"groups-mhub-top5.json", []string{"groups", "--top", "5", "--max-frames", "6", "--format", "json", "$CORPUS/dumps/mhub-go1.3-send-on-closed-channel.txt"}},
		{"scan-mhub.txt", []string{"scan", "$CORPUS/dumps/mhub-go1.3-send-on-closed-channel.txt"}},
		{"scan-mhub.json", []string{"scan", "--format", "json", "$CORPUS/dumps/mhub-go1.3-send-on-closed-channel.txt"}},
		{"scan-issues.txt", []string{"scan", "$CORPUS/dumps/issues"}},
		{"scan-race.json", []string{"scan", "--format", "json", "$CORPUS/dumps/race-autonity-tendermint.txt"}},
		{"scan-dir.txt", []string{"scan", "testdata/scan-dir"}},
		{"scan-dir.json", []string{"scan", "--format", "json", "testdata/scan-dir"}},
		{"groups-dir.txt", []string{"groups", "testdata/scan-dir"}},
		{"groups-dir.json", []string{"groups", "--format", "json", "testdata/scan-dir"}},
		{"groups-felixge-debug1.txt", []string{"groups", "$CORPUS/goroutine-pprof/felixge-goroutine-debug1.txt"}},
		{"groups-felixge-debug0.txt", []string{"groups", "$CORPUS/goroutine-pprof/felixge-goroutine-debug0.pb.gz"}},
		{"scan-pprof.json", []string{"scan", "--format", "json", "$CORPUS/goroutine-pprof/felixge-goroutine-debug1.txt", "$CORPUS/goroutine-pprof/felixge-goroutine-debug0.pb.gz"}},
		// Findings over the captured fixtures. The detectors are still
		// being tuned: refresh with go test ./cmd/gorensic/internal/cli -run TestGolden -update
		// and review the diff; the assertion tests pin what must hold.
		{"scan-map-crash.json", []string{"scan", "--format", "json", "$FIXTURES/go1.26.8/map-crash/crash.txt"}},
		{"scan-map-crash.txt", []string{"scan", "$FIXTURES/go1.26.8/map-crash/crash.txt"}},
		{"scan-fanout-leak.json", []string{"scan", "--format", "json", "$FIXTURES/go1.26.8/fanout-leak/goroutine-debug2.txt"}},
		{"scan-hot-lock.txt", []string{"scan", "--all", "$FIXTURES/go1.26.8/hot-lock/goroutine-debug2.txt"}},
		{"scan-several.txt", []string{"scan", "$FIXTURES/go1.26.8/workerpool-idle/goroutine-debug2.txt",
			"$FIXTURES/go1.26.8/mutex-deadlock/goroutine-debug2.txt", "$FIXTURES/go1.26.8/mutex-deadlock/sigquit.txt",
			"$FIXTURES/go1.27.3/mutex-deadlock/goroutine-debug2.txt", "$FIXTURES/go1.26.8/hot-lock/mutex.pb.gz"}},
		{"scan-several.json", []string{"scan", "--format", "json", "$FIXTURES/go1.26.8/workerpool-idle/goroutine-debug2.txt",
			"$FIXTURES/go1.26.8/mutex-deadlock/goroutine-debug2.txt", "$FIXTURES/go1.26.8/hot-lock/mutex.pb.gz"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			corpus, fixtures := "", ""
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				if rest, ok := strings.CutPrefix(a, "$CORPUS/"); ok {
					a = corpusFile(t, rest)
					corpus = corpusDir(t)
				}
				if rest, ok := strings.CutPrefix(a, "$FIXTURES/"); ok {
					fixtures = capturedDir(t)
					a = filepath.Join(fixtures, rest)
					if _, err := os.Stat(a); err != nil {
						t.Skipf("fixture %s not captured: %v", rest, err)
					}
				}
				args[i] = a
			}
			res := run(t, nil, args...)
			if res.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
			}
			out := res.stdout
			if corpus != "" {
				out = strings.ReplaceAll(out, corpus, "$CORPUS")
			}
			if fixtures != "" {
				out = strings.ReplaceAll(out, fixtures, "$FIXTURES")
			}
			checkGolden(t, tc.golden, out)
		})
	}
}
