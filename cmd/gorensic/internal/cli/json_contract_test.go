package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests pin the gorensic/v1 contract of design.md without depending
// on what the detectors find, which is still being tuned: the fields, the
// ranks, the invariants of every finding, and stable fingerprints.

// contractFindingKeys are the keys of a finding in the contract, in order.
var contractFindingKeys = []string{"rank", "fingerprint", "kind", "detector", "severity", "confidence", "score",
	"title", "count", "wait", "culprit", "created_by", "stacks", "remedy"}

// TestScanJSONContract scans every captured fixture and the goroutine
// dumps and profiles of the shared corpus, and checks the contract on
// every finding.
func TestScanJSONContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		dirs func(t *testing.T) []string
	}{
		{"fixtures", func(t *testing.T) []string { return []string{capturedDir(t)} }},
		// Traces are left out: no detector reads a timeline yet, and the
		// parse tests cover them.
		{"corpus", func(t *testing.T) []string {
			return []string{filepath.Join(corpusDir(t), "dumps"), filepath.Join(corpusDir(t), "goroutine-pprof")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, nil, append([]string{"scan", "--format", "json"}, tc.dirs(t)...)...)
			checkContract(t, []byte(res.stdout))
		})
	}
}

func checkContract(t *testing.T, raw []byte) {
	t.Helper()
	var doc struct {
		Schema   string            `json:"schema"`
		Inputs   []json.RawMessage `json:"inputs"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if got := objectKeys(t, raw); len(got) < 3 || !slices.Equal(got[:3], []string{"schema", "inputs", "findings"}) || doc.Schema != "gorensic/v1" {
		t.Fatalf("document keys %v, schema %q; want schema, inputs, findings first and gorensic/v1", got, doc.Schema)
	}
	if len(doc.Inputs) == 0 || len(doc.Findings) == 0 {
		t.Fatalf("%d inputs and %d findings; the test needs both", len(doc.Inputs), len(doc.Findings))
	}
	var inputs []findingInput
	for _, in := range doc.Inputs {
		var fi findingInput
		if err := json.Unmarshal(in, &fi); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(objectKeys(t, in), "skipped_detectors") || fi.SkippedDetectors == nil {
			t.Errorf("input %s has no skipped_detectors list", fi.Name)
		}
		inputs = append(inputs, fi)
	}
	for i, rawFinding := range doc.Findings {
		if got := objectKeys(t, rawFinding); len(got) < len(contractFindingKeys) || !slices.Equal(got[:len(contractFindingKeys)], contractFindingKeys) {
			t.Fatalf("finding keys %v, want the contract's %v first", got, contractFindingKeys)
		}
		var f finding
		if err := json.Unmarshal(rawFinding, &f); err != nil {
			t.Fatal(err)
		}
		if f.Rank != i+1 {
			t.Errorf("finding %d has rank %d; ranks must be 1..n in order", i, f.Rank)
		}
		checkFinding(t, &f, inputs)
	}
}

// checkFinding checks the invariants of one finding.
func checkFinding(t *testing.T, f *finding, inputs []findingInput) {
	t.Helper()
	kinds := []string{"leak", "blocked-thread", "contention", "runaway", "deadlock", "crash", "race"}
	switch {
	case !slices.Contains(kinds, f.Kind):
		t.Errorf("#%d: kind %q is not in the contract", f.Rank, f.Kind)
	case f.Detector == "":
		t.Errorf("#%d: no detector", f.Rank)
	case !slices.Contains([]string{"info", "warning", "critical"}, f.Severity):
		t.Errorf("#%d: severity %q", f.Rank, f.Severity)
	case !slices.Contains([]string{"possible", "likely", "certain"}, f.Confidence):
		t.Errorf("#%d: confidence %q", f.Rank, f.Confidence)
	case f.Score < 0 || f.Score > 1:
		t.Errorf("#%d: score %v outside [0, 1]", f.Rank, f.Score)
	case f.Title == "" || f.Fingerprint == "":
		t.Errorf("#%d: title %q, fingerprint %q", f.Rank, f.Title, f.Fingerprint)
	case f.Stacks == nil:
		// A crash without a readable stack has none; the list is there.
		t.Errorf("#%d %s: stacks is null", f.Rank, f.Title)
	case f.Input < 0 || f.Input >= len(inputs):
		t.Errorf("#%d: input %d out of range", f.Rank, f.Input)
	case f.Culprit != nil && f.Culprit.Function == "":
		t.Errorf("#%d: culprit without a function", f.Rank)
	}
	if f.Input >= 0 && f.Input < len(inputs) && filepath.Base(inputs[f.Input].Name) != filepath.Base(trimIndex(f.InputName)) {
		t.Errorf("#%d: input_name %q is not input %d (%s)", f.Rank, f.InputName, f.Input, inputs[f.Input].Name)
	}
	if w := f.Wait; w != nil {
		for _, d := range []string{w.Min, w.Median, w.Max} {
			if _, err := time.ParseDuration(d); err != nil {
				t.Errorf("#%d: wait %+v: %v", f.Rank, w, err)
			}
		}
	}
	for _, st := range f.Stacks {
		if st.GoroutineIDs == nil || st.Frames == nil {
			t.Errorf("#%d: a stack has null goroutine_ids or frames", f.Rank)
		}
	}
}

// trimIndex drops the "#index" a name carries when its file holds
// several snapshots.
func trimIndex(name string) string {
	if i := strings.LastIndexByte(name, '#'); i > 0 {
		return name[:i]
	}
	return name
}

// objectKeys returns the keys of the JSON object in raw, in order.
func objectKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %.200s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestFingerprintsStable scans the same inputs twice in one run and in two
// runs: every finding must keep its fingerprint, and the same input twice
// must give each fingerprint twice, ranked side by side.
func TestFingerprintsStable(t *testing.T) {
	paths := append(captured(t, "fanout-leak", "goroutine-debug2.txt")[:1], captured(t, "hot-lock", "goroutine-debug2.txt")[:1]...)
	first, _ := scanFindings(t, paths...)
	second, _ := scanFindings(t, paths...)
	if fingerprints(first) == nil || !slices.Equal(fingerprints(first), fingerprints(second)) {
		t.Fatalf("fingerprints differ between two runs or are missing:\n%v\n%v", fingerprints(first), fingerprints(second))
	}
	twice, _ := scanFindings(t, paths[0], paths[0])
	fps := fingerprints(twice)
	if len(fps)%2 != 0 {
		t.Fatalf("%d findings for the same input twice", len(fps))
	}
	for i := 0; i < len(fps); i += 2 {
		if fps[i] != fps[i+1] {
			t.Errorf("the same input twice ranks %s next to %s; want each fingerprint twice, side by side", fps[i], fps[i+1])
		}
	}
}

func fingerprints(doc findingsDoc) []string {
	var out []string
	for _, f := range doc.Findings {
		out = append(out, f.Fingerprint)
	}
	return out
}
