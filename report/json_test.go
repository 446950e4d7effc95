package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/gorensic/gorensic/parse"
)

// keys returns the keys of the JSON object in raw, in document order.
func keys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var out []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestScanJSONContract pins the gorensic/v1 contract of design.md: its
// fields come first, in order, and its lists are never null.
func TestScanJSONContract(t *testing.T) {
	s := workerSnapshot()
	scan := &Scan{
		Inputs:  []InputSummary{Summarize(s, false)},
		Outcome: Outcome{Skipped: []Skipped{{Name: "notes.md", Reason: "not a dump"}}},
	}
	var b bytes.Buffer
	if err := (jsonFormatter{}).Scan(&b, scan); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, b.Bytes()); !slices.Equal(got[:3], []string{"schema", "inputs", "findings"}) {
		t.Errorf("top-level keys = %v, want schema, inputs, findings first", got)
	}
	var doc struct {
		Schema   string            `json:"schema"`
		Inputs   []json.RawMessage `json:"inputs"`
		Findings []json.RawMessage `json:"findings"`
		Skipped  []Skipped         `json:"skipped"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "gorensic/v1" || doc.Findings == nil || len(doc.Findings) != 0 || len(doc.Inputs) != 1 {
		t.Fatalf("schema %q, findings %v, %d inputs; want gorensic/v1, [], 1:\n%s", doc.Schema, doc.Findings, len(doc.Inputs), b.String())
	}
	if got := keys(t, doc.Inputs[0]); !slices.Equal(got[:5], []string{"name", "format", "go_version", "goroutines", "warnings"}) {
		t.Errorf("input keys = %v, want the contract's name, format, go_version, goroutines, warnings first", got)
	}
	var in struct {
		Name       string            `json:"name"`
		Format     string            `json:"format"`
		Goroutines int               `json:"goroutines"`
		Warnings   []json.RawMessage `json:"warnings"`
		States     []jsonState       `json:"states"`
		Crash      *jsonCrash        `json:"crash"`
	}
	if err := json.Unmarshal(doc.Inputs[0], &in); err != nil {
		t.Fatal(err)
	}
	if in.Name != "dump.txt" || in.Format != "crash" || in.Goroutines != 8 || in.Warnings == nil {
		t.Errorf("input = %+v; want dump.txt, crash, 8 goroutines, warnings []", in)
	}
	if want := []jsonState{{"chan send", 7}, {"running", 1}}; !slices.Equal(in.States, want) {
		t.Errorf("states = %v, want %v", in.States, want)
	}
	if in.Crash == nil || in.Crash.Kind != parse.CrashPanic || in.Crash.GoroutineID != 1 {
		t.Errorf("crash = %+v, want a panic in goroutine 1", in.Crash)
	}
	if len(doc.Skipped) != 1 || doc.Skipped[0].Name != "notes.md" {
		t.Errorf("skipped = %+v, want notes.md", doc.Skipped)
	}
}

func TestGroupsJSON(t *testing.T) {
	s := workerSnapshot()
	g := &Groups{Inputs: []GroupSet{NewGroupSet(s, parse.Aggregate(s), false, GroupOptions{IDs: 2})}}
	var b bytes.Buffer
	if err := (jsonFormatter{}).Groups(&b, g); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema string `json:"schema"`
		Inputs []struct {
			GroupsTotal int         `json:"groups_total"`
			Groups      []jsonGroup `json:"groups"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != GroupsSchema || len(doc.Inputs) != 1 || doc.Inputs[0].GroupsTotal != 2 {
		t.Fatalf("doc = %+v", doc)
	}
	send, main := doc.Inputs[0].Groups[0], doc.Inputs[0].Groups[1]
	if send.State != "chan send" || send.Wait == nil || send.Wait.Max != "47m0s" || send.MoreIDs != 5 || len(send.GoroutineIDs) != 2 {
		t.Errorf("send group = %+v", send)
	}
	if send.CreatedBy == nil || send.CreatedBy.Line != 61 || send.CreatorGoroutines != 2 {
		t.Errorf("send creation = %+v in %d goroutines, want fetch.go:61 in 2", send.CreatedBy, send.CreatorGoroutines)
	}
	if main.Wait != nil || !main.Crashed || !slices.Equal(main.Flags, []string{"locked to thread"}) || main.ElidedAt == nil || *main.ElidedAt != 3 {
		t.Errorf("main group = %+v", main)
	}
}
