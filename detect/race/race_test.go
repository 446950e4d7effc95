package race

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
	"github.com/gorensic/gorensic/parse"
)

func findings(t *testing.T, path string) []detect.Finding {
	t.Helper()
	return dumptest.Findings(t, Detector, path)
}

func fn(f *parse.Frame) string {
	if f == nil {
		return ""
	}
	return f.Function
}

type want struct {
	title     string
	culprit   string
	createdBy string
	count     int
	severity  detect.Severity
}

func check(t *testing.T, fs []detect.Finding, wants []want) {
	t.Helper()
	if len(fs) != len(wants) {
		for _, f := range fs {
			t.Logf("got %s: %s", f.Severity, f.Title)
		}
		t.Fatalf("got %d findings, want %d", len(fs), len(wants))
	}
	for _, w := range wants {
		found := false
		for _, f := range fs {
			if f.Title != w.title {
				continue
			}
			found = true
			if fn(f.Culprit) != w.culprit || fn(f.CreatedBy) != w.createdBy || f.Count != w.count || f.Severity != w.severity {
				t.Errorf("%s:\ngot culprit %q created by %q count %d %s\nwant culprit %q created by %q count %d %s",
					w.title, fn(f.Culprit), fn(f.CreatedBy), f.Count, f.Severity, w.culprit, w.createdBy, w.count, w.severity)
			}
			if f.Kind != detect.KindRace || f.Confidence != detect.ConfidenceCertain || f.Remedy == "" {
				t.Errorf("%s: kind %s confidence %s remedy %q", w.title, f.Kind, f.Confidence, f.Remedy)
			}
		}
		if !found {
			for _, f := range fs {
				t.Logf("got %q", f.Title)
			}
			t.Errorf("no finding titled %q", w.title)
		}
	}
}

func TestRealRaces(t *testing.T) {
	dir := filepath.Join("testdata", "go1.26")
	tests := []struct {
		file  string
		wants []want
	}{
		{"counter.txt", []want{
			{"data race: main.(*metrics).inc writes, main.(*metrics).inc reads", "main.(*metrics).inc", "main.main", 1, detect.SeverityWarning},
			{"data race: main.(*metrics).inc writes, main.(*metrics).snapshot reads", "main.(*metrics).inc", "main.main", 1, detect.SeverityWarning},
		}},
		{"map.txt", []want{
			{"data race on a map: main.(*cache).put (map write), main.(*cache).get (map read)", "main.(*cache).put", "main.main", 1, detect.SeverityCritical},
		}},
		// Two reports of one pair of functions; the write side is the
		// culprit although the detector caught the read.
		{"main.txt", []want{
			{"data race: main.reload writes, main.limit reads (2 reports)", "main.reload", "main.main", 2, detect.SeverityWarning},
		}},
		// The plain read is the culprit, not sync/atomic.
		{"atomic.txt", []want{
			{"data race: main.main reads, atomic.StoreInt32 writes atomically", "main.main", "", 1, detect.SeverityWarning},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			check(t, findings(t, filepath.Join(dir, tt.file)), tt.wants)
		})
	}
}

func TestEvidence(t *testing.T) {
	fs := findings(t, filepath.Join("testdata", "go1.26", "map.txt"))
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	notes := dumptest.Notes(fs[0])
	want := []string{
		"current write by goroutine 8 at 0xc0000920f0",
		"previous read by goroutine 9 at 0xc0000920f0",
		"goroutine 8 (running) created at",
		"goroutine 9 (finished) created at",
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("evidence notes:\n%s\nwant:\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
	if n := len(fs[0].Stacks[0].Stack.Frames); n != 3 {
		t.Errorf("current access stack has %d frames, want 3", n)
	}
}

// TestSymmetric checks that a race fingerprints the same, with the same
// culprit, whichever access the detector caught first.
func TestSymmetric(t *testing.T) {
	caught := func(first, second string) string {
		return "==================\nWARNING: DATA RACE\n" + first + "\n\n" + second + "\n\n" +
			"Goroutine 7 (running) created at:\n  main.main()\n      /src/main.go:30 +0x1a\n\n" +
			"Goroutine 8 (running) created at:\n  main.main()\n      /src/main.go:31 +0x1a\n==================\n"
	}
	w := func(prefix string, g int) string {
		return prefix + " at 0x00c000012345 by goroutine " + itoa(g) + ":\n  main.writer()\n      /src/main.go:12 +0x44"
	}
	r := func(prefix string, g int) string {
		return prefix + " at 0x00c000012345 by goroutine " + itoa(g) + ":\n  main.reader()\n      /src/main.go:20 +0x44"
	}
	a := parseText(t, caught(w("Write", 7), r("Previous read", 8)))
	b := parseText(t, caught(r("Read", 8), w("Previous write", 7)))
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("got %d and %d findings", len(a), len(b))
	}
	if a[0].Fingerprint != b[0].Fingerprint || fn(a[0].Culprit) != "main.writer" || fn(b[0].Culprit) != "main.writer" {
		t.Errorf("fingerprints %s %s, culprits %s %s", a[0].Fingerprint, b[0].Fingerprint, fn(a[0].Culprit), fn(b[0].Culprit))
	}
	if a[0].Title != "data race: main.writer writes, main.reader reads" || a[0].Title != b[0].Title {
		t.Errorf("titles %q %q", a[0].Title, b[0].Title)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func parseText(t *testing.T, text string) []detect.Finding {
	t.Helper()
	snaps, err := parse.Read(context.Background(), "race.txt", strings.NewReader(text), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return dumptest.RunSnapshots(t, Detector, snaps...)
}

const corpusDir = "../../../shared/corpus/dumps"

func TestCorpus(t *testing.T) {
	dumptest.Corpus(t, corpusDir)
	const core = "github.com/clearmatics/autonity/consensus/tendermint/core."
	tests := []struct {
		file  string
		wants []want
	}{
		// 7 reports, 6 distinct pairs: (*roundState).Height against
		// startRound is reported twice (two fields).
		{"race-autonity-tendermint.txt", []want{
			{"data race: core.(*core).startRound writes, core.(*core).checkUnminedBlockMsg reads", core + "(*core).startRound", core + "(*core).Start", 1, detect.SeverityWarning},
			{"data race: core.(*core).startRound writes, core.(*roundState).Height reads (2 reports)", core + "(*core).startRound", core + "(*core).Start", 2, detect.SeverityWarning},
			{"data race: core.(*core).startRound writes, core.(*roundState).Round reads", core + "(*core).startRound", core + "(*core).Start", 1, detect.SeverityWarning},
			{"data race: core.(*core).startRound writes, core.(*core).isProposer reads", core + "(*core).startRound", core + "(*core).Start", 1, detect.SeverityWarning},
			{"data race: core.(*core).setStep writes, core.(*core).logNewUnminedBlockEvent reads", core + "(*core).setStep", core + "(*core).Start", 1, detect.SeverityWarning},
			{"data race: core.(*core).handleUnminedBlock writes, core.(*core).startRound reads", core + "(*core).handleUnminedBlock", core + "(*core).Start", 1, detect.SeverityWarning},
		}},
		{"issues/grpc-go-4802-race.txt", []want{
			{"data race: test_test.s.TestRBACToggledOffThenToggledOnWithBadRouteConfiguration.func1 writes, server.(*listenerWrapper).Accept reads",
				"google.golang.org/grpc/xds/internal/test_test.s.TestRBACToggledOffThenToggledOnWithBadRouteConfiguration.func1", "", 1, detect.SeverityWarning},
		}},
		// Cut after the first access, inside the runtime's map delete.
		{"issues/sand-27-race-docker-compose-prefix.txt", []want{
			{"data race on a map: runtime.mapdelete_fast64 (map delete); the other access is not readable", "runtime.mapdelete_fast64", "", 1, detect.SeverityCritical},
		}},
		// OCR-garbled: the write's header is split, the read's stack was
		// not restored; goroutine 25's creation is all that is left.
		{"malformed/debugcharts-19-ocr-garbled-race.txt", []want{
			{"data race: goroutine 962 reads (stack not restored); the other access is not readable", "", "github.com/mkevac/debugcharts.init.0", 1, detect.SeverityWarning},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			check(t, findings(t, filepath.Join(corpusDir, tt.file)), tt.wants)
		})
	}
	// No race finding in a dump without race reports.
	for _, f := range []string{"mhub-go1.3-send-on-closed-channel.txt", "nzbrex-go1.24.3.txt", "issues/ibenchmark-2-concurrent-map-writes.txt"} {
		if fs := findings(t, filepath.Join(corpusDir, f)); len(fs) != 0 {
			t.Errorf("%s: got %d race findings, want none", f, len(fs))
		}
	}
}

// TestDoc checks that the explain text is the package comment.
func TestDoc(t *testing.T) {
	if !strings.HasPrefix(Detector.Doc, "Package race reports the data races") || !strings.Contains(Detector.Doc, "# Severity") {
		t.Errorf("Doc does not hold the package comment: %.80q", Detector.Doc)
	}
}
