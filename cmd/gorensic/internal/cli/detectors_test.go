package cli

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect/detectors"
)

// TestDetectorsList checks that "gorensic detectors" lists every detector
// of the registry, in order, in both formats, with kinds and a summary.
func TestDetectorsList(t *testing.T) {
	names := detectorNames()
	table := run(t, nil, "detectors")
	if table.code != 0 {
		t.Fatalf("exit %d: %s", table.code, table.stderr)
	}
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^(\S+)  +\S`).FindAllStringSubmatch(table.stdout, -1) {
		if m[1] != "NAME" {
			listed = append(listed, m[1])
		}
	}
	if !slices.Equal(listed, names) {
		t.Errorf("table lists %v, want %v:\n%s", listed, names, table.stdout)
	}

	res := run(t, nil, "detectors", "--format", "json")
	var doc struct {
		Schema    string `json:"schema"`
		Detectors []struct {
			Name     string   `json:"name"`
			Kinds    []string `json:"kinds"`
			Needs    []string `json:"needs"`
			NeedsAny []string `json:"needs_any"`
			Summary  string   `json:"summary"`
			Doc      string   `json:"doc"`
		} `json:"detectors"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, res.stdout)
	}
	if doc.Schema != "gorensic/detectors/v1" || len(doc.Detectors) != len(names) {
		t.Fatalf("schema %q, %d detectors; want gorensic/detectors/v1, %d", doc.Schema, len(doc.Detectors), len(names))
	}
	for i, d := range doc.Detectors {
		reg, _ := detectors.ByName(names[i])
		switch {
		case d.Name != names[i]:
			t.Errorf("detector %d is %s, want %s", i, d.Name, names[i])
		case len(d.Kinds) == 0 || d.Needs == nil || d.NeedsAny == nil:
			t.Errorf("%s: kinds %v, needs %v, needs_any %v; want kinds and two lists", d.Name, d.Kinds, d.Needs, d.NeedsAny)
		case d.Doc != reg.Doc:
			t.Errorf("%s: doc is not the detector's Doc", d.Name)
		case d.Summary == "" || !strings.HasSuffix(d.Summary, ".") || strings.Contains(d.Summary, "\n") || strings.HasPrefix(d.Summary, "Package "):
			t.Errorf("%s: summary %q is not the first sentence of its doc on one line", d.Name, d.Summary)
		case !strings.Contains(table.stdout, strings.Fields(d.Summary)[0]):
			t.Errorf("%s: the table lacks its summary", d.Name)
		}
	}
}

// TestExplain checks that explain prints each detector's documentation,
// headings included, and names the detectors when it does not know one.
func TestExplain(t *testing.T) {
	for _, d := range detectors.All() {
		t.Run(d.Name, func(t *testing.T) {
			res := run(t, nil, "explain", d.Name)
			if res.code != 0 || !strings.HasPrefix(res.stdout, "detector "+d.Name+" (kinds: ") {
				t.Fatalf("exit %d, output starting %.80q", res.code, res.stdout)
			}
			if !strings.Contains(res.stdout, "The "+d.Name+" detector ") {
				t.Errorf("doc does not start with \"The %s detector\":\n%.300s", d.Name, res.stdout)
			}
			for line := range strings.Lines(d.Doc) {
				if strings.HasPrefix(line, "# ") && !strings.Contains(res.stdout, strings.TrimSpace(line)) {
					t.Errorf("heading %q is missing", strings.TrimSpace(line))
				}
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"unknown", []string{"explain", "bogus"}},
		{"none", []string{"explain"}},
		{"two", []string{"explain", "leak", "race"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, nil, tc.args...)
			if res.code != 2 || res.stdout != "" || !strings.Contains(res.stderr, strings.Join(detectorNames(), ", ")) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and the detector names", res.code, res.stdout, res.stderr)
			}
		})
	}
}

// TestTableWidth checks that the table output of scan over every captured
// fixture, and of detectors, keeps to 100 columns: a longer line must be
// one that holds a word that cannot be broken (a path, a function name).
func TestTableWidth(t *testing.T) {
	outputs := map[string]string{"detectors": run(t, nil, "detectors").stdout}
	outputs["scan"] = run(t, nil, "scan", "--all", "--evidence", "100", capturedDir(t)).stdout
	for name, out := range outputs {
		for line := range strings.Lines(out) {
			line = strings.TrimRight(line, "\n")
			if len(line) <= 100 {
				continue
			}
			longest := 0
			for _, w := range strings.Fields(line) {
				longest = max(longest, len(w))
			}
			if longest < 30 {
				t.Errorf("%s: line of %d columns with no unbreakable word:\n%s", name, len(line), line)
			}
		}
	}
}
