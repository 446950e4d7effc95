package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The parts of a gorensic/v1 document the findings tests look at.
type (
	findingsDoc struct {
		Schema   string         `json:"schema"`
		Inputs   []findingInput `json:"inputs"`
		Findings []finding      `json:"findings"`
	}
	findingInput struct {
		Name             string `json:"name"`
		Index            int    `json:"index"`
		SkippedDetectors []struct {
			Detector string `json:"detector"`
			Reason   string `json:"reason"`
		} `json:"skipped_detectors"`
	}
	finding struct {
		Rank        int      `json:"rank"`
		Fingerprint string   `json:"fingerprint"`
		Kind        string   `json:"kind"`
		Detector    string   `json:"detector"`
		Severity    string   `json:"severity"`
		Confidence  string   `json:"confidence"`
		Score       float64  `json:"score"`
		Title       string   `json:"title"`
		Count       int      `json:"count"`
		Wait        *wait    `json:"wait"`
		Culprit     *frame   `json:"culprit"`
		CreatedBy   *frame   `json:"created_by"`
		Stacks      []stack  `json:"stacks"`
		Remedy      string   `json:"remedy"`
		Input       int      `json:"input"`
		InputName   string   `json:"input_name"`
		Related     []string `json:"related"`
	}
	wait  struct{ Min, Median, Max string }
	frame struct {
		Function string `json:"function"`
		File     string `json:"file"`
		Line     int    `json:"line"`
	}
	stack struct {
		Count        int     `json:"count"`
		State        string  `json:"state"`
		GoroutineIDs []int64 `json:"goroutine_ids"`
		Frames       []frame `json:"frames"`
	}
)

// scanFindings runs "scan --format json" with args and decodes the
// findings document.
func scanFindings(t *testing.T, args ...string) (findingsDoc, outcome) {
	t.Helper()
	res := run(t, nil, append([]string{"scan", "--format", "json"}, args...)...)
	var doc findingsDoc
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("output is not JSON (%v); exit %d\nstderr:\n%s", err, res.code, res.stderr)
	}
	return doc, res
}

// capturedDir returns fixtures/captured, or skips the test when the
// fixtures have not been generated.
func capturedDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "fixtures", "captured")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no captured fixtures at %s (go generate ./fixtures writes them): %v", dir, err)
	}
	return dir
}

// captured returns the captured file scenario/name of every Go version
// that has it, skipping the test when none has.
func captured(t *testing.T, scenario, name string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(capturedDir(t), "go*", scenario, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Skipf("no captured %s/%s under fixtures/captured", scenario, name)
	}
	return paths
}
