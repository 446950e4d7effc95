package report

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// leakFinding is a finding of the leak detector over workerSnapshot, as
// detect.Run returns it.
func leakFinding(s *parse.Snapshot, sev detect.Severity, score float64, fp string) detect.Finding {
	send := parse.Aggregate(s)[0]
	return detect.Finding{
		Kind: detect.KindLeak, Detector: "leak", Severity: sev, Confidence: detect.ConfidenceLikely,
		Score: score, Title: "7 goroutines blocked on chan send in api.(*Fetcher).fetchOne for 12m..47m",
		Count: 7, Wait: &detect.WaitStats{Min: 0, Median: 31 * time.Minute, Max: 47 * time.Minute},
		Culprit: send.Stack.Frames[2], CreatedBy: send.Stack.CreatedBy,
		Stacks: []detect.Evidence{detect.EvidenceOf(s, send, "blocking site")},
		Remedy: "Give the senders a way out.", Fingerprint: fp, Snapshot: s,
	}
}

// TestScanRankAcrossInputs checks that findings of several inputs are
// ranked together by severity, score and fingerprint, keep their input,
// drop their snapshot, and that ties keep input order.
func TestScanRankAcrossInputs(t *testing.T) {
	s := workerSnapshot()
	var scan Scan
	scan.AddInput(Summarize(s, false), &detect.Result{
		Findings: []detect.Finding{leakFinding(s, detect.SeverityWarning, 0.5, "leak-b"), leakFinding(s, detect.SeverityInfo, 0.9, "leak-c")},
		Skipped:  []detect.Skipped{{Detector: "race", Reason: "the input does not show races"}},
	})
	scan.AddInput(Summarize(s, false), nil)
	scan.AddInput(Summarize(s, false), &detect.Result{
		Findings: []detect.Finding{leakFinding(s, detect.SeverityCritical, 0.1, "leak-z"), leakFinding(s, detect.SeverityWarning, 0.5, "leak-a"), leakFinding(s, detect.SeverityWarning, 0.5, "leak-b")},
	})
	scan.Rank()
	type ranked struct {
		rank  int
		fp    string
		input int
	}
	var got []ranked
	for _, f := range scan.Findings {
		got = append(got, ranked{f.Rank, f.Fingerprint, f.Input})
		if f.Snapshot != nil {
			t.Errorf("#%d keeps its snapshot", f.Rank)
		}
	}
	want := []ranked{{1, "leak-z", 2}, {2, "leak-a", 2}, {3, "leak-b", 0}, {4, "leak-b", 2}, {5, "leak-c", 0}}
	if !slices.Equal(got, want) {
		t.Errorf("ranked %v\nwant   %v", got, want)
	}
	if sk := scan.Inputs[0].SkippedDetectors; len(sk) != 1 || sk[0].Detector != "race" {
		t.Errorf("skipped detectors of input 0 = %+v", sk)
	}
	for _, tc := range []struct {
		level detect.Severity
		want  int
	}{{detect.SeverityInfo, 5}, {detect.SeverityWarning, 4}, {detect.SeverityCritical, 1}} {
		if got := scan.AtOrAbove(tc.level); got != tc.want {
			t.Errorf("AtOrAbove(%v) = %d, want %d", tc.level, got, tc.want)
		}
	}
}

// TestScanJSONFinding pins a finding of the gorensic/v1 document: the
// contract fields in order, nulls for what is unknown, the additive fields
// after them, and a score JSON can hold.
func TestScanJSONFinding(t *testing.T) {
	s := workerSnapshot()
	known := leakFinding(s, detect.SeverityCritical, 0.93456, "leak-1")
	unknown := leakFinding(s, detect.SeverityWarning, math.NaN(), "leak-2")
	unknown.Wait, unknown.Culprit, unknown.CreatedBy, unknown.Stacks = nil, nil, nil, nil
	unknown.Metrics = map[string]float64{"share": 0.5, "bad": math.Inf(1)}
	var scan Scan
	scan.AddInput(Summarize(s, false), &detect.Result{Findings: []detect.Finding{known, unknown}})
	scan.Rank()
	var b bytes.Buffer
	if err := (jsonFormatter{}).Scan(&b, &scan); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []json.RawMessage `json:"findings"`
		Counts   SeverityCounts    `json:"counts"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Findings) != 2 {
		t.Fatalf("%v, %d findings:\n%s", err, len(doc.Findings), b.String())
	}
	contract := []string{"rank", "fingerprint", "kind", "detector", "severity", "confidence", "score",
		"title", "count", "wait", "culprit", "created_by", "stacks", "remedy"}
	for _, raw := range doc.Findings {
		if got := keys(t, raw); !slices.Equal(got[:len(contract)], contract) || !slices.Contains(got, "input") || !slices.Contains(got, "input_name") {
			t.Errorf("finding keys %v, want the contract's first, then input and input_name", got)
		}
	}
	var first, second jsonFinding
	if err := json.Unmarshal(doc.Findings[0], &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.Findings[1], &second); err != nil {
		t.Fatal(err)
	}
	if first.Score != 0.935 || first.Wait == nil || first.Wait.Median != "31m0s" || first.Culprit == nil || first.Culprit.Line != 12 ||
		first.CreatedBy == nil || first.CreatedBy.Line != 61 || first.InputName != "dump.txt" {
		t.Errorf("first finding = %+v", first)
	}
	st := first.Stacks[0]
	if len(first.Stacks) != 1 || st.Count != 7 || st.State != "chan send" || len(st.GoroutineIDs) != 5 || len(st.Frames) != 3 || st.Note != "blocking site" || st.CreatedBy == nil {
		t.Errorf("first stack = %+v", st)
	}
	if !bytes.Contains(doc.Findings[1], []byte(`"wait": null`)) || !bytes.Contains(doc.Findings[1], []byte(`"culprit": null`)) ||
		!bytes.Contains(doc.Findings[1], []byte(`"stacks": []`)) || second.Score != 0 || len(second.Metrics) != 1 {
		t.Errorf("second finding: want wait and culprit null, stacks [], score 0, the finite metric only:\n%s", doc.Findings[1])
	}
	if doc.Counts != (SeverityCounts{Critical: 1, Warning: 1}) {
		t.Errorf("counts = %+v", doc.Counts)
	}
}

// TestScanTextFindings checks what the table shows of one input's
// findings: info hidden by default and counted, the evidence of the top
// findings, the skipped detectors; and a healthy input.
func TestScanTextFindings(t *testing.T) {
	s := workerSnapshot()
	result := func(view ScanView, fs ...detect.Finding) string {
		scan := Scan{View: view}
		scan.AddInput(Summarize(s, false), &detect.Result{Findings: fs, Skipped: []detect.Skipped{{Detector: "race", Reason: "the input does not show races"}}})
		scan.Rank()
		var b bytes.Buffer
		if err := (textFormatter{}).Scan(&b, &scan); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	warn, info := leakFinding(s, detect.SeverityWarning, 0.5, "leak-1"), leakFinding(s, detect.SeverityInfo, 0.2, "leak-2")
	for _, tc := range []struct {
		name      string
		view      ScanView
		fs        []detect.Finding
		want, not []string
	}{
		{"info hidden", ScanView{Evidence: 3}, []detect.Finding{warn, info},
			[]string{"findings:    1 warning; 1 info hidden (--all shows it)", "  1  warning   leak", "-- #1  warning  leak  (likely, score 0.50, leak-1)",
				"culprit:     example.com/api.(*Fetcher).fetchOne at /src/example.com/api.(*Fetcher).fetchOne.go:12",
				"  7 goroutines  [chan send]  waiting <1m..47m (median 31m)  <- blocking site", "    ids: 100, 101, 102, 103, 104 +2 more",
				"remedy:\n  Give the senders a way out.", "skipped:     race (the input does not show races)"},
			[]string{"info  ", "-- #2"}},
		{"all", ScanView{All: true, Evidence: 3}, []detect.Finding{warn, info},
			[]string{"findings:    1 warning, 1 info", "  2  info      leak", "-- #2  info"}, []string{"hidden"}},
		{"no evidence", ScanView{}, []detect.Finding{warn}, []string{"  1  warning   leak"}, []string{"-- #1", "remedy:"}},
		{"healthy", ScanView{Evidence: 3}, nil, []string{"findings:    no findings at warning or above\n"}, []string{"SEVERITY", "hidden"}},
		{"healthy but info", ScanView{Evidence: 3}, []detect.Finding{info},
			[]string{"findings:    no findings at warning or above; 1 info hidden (--all shows it)"}, []string{"SEVERITY", "-- #"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := result(tc.view, tc.fs...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
}

// TestScanTextSeveralInputs checks the layout of a scan of several
// inputs: a line for a quiet input, a block for one with findings, the
// evidence once per kind and culprit and the run summary last.
func TestScanTextSeveralInputs(t *testing.T) {
	s := workerSnapshot()
	scan := Scan{View: ScanView{Evidence: 3}}
	// The third input's finding has another fingerprint (as a profile of
	// the same process would) but the same kind and culprit.
	for i, sev := range []detect.Severity{detect.SeverityCritical, detect.SeverityInfo, detect.SeverityCritical} {
		sum := Summarize(s, false)
		sum.Label = "dump" + itoa(i) + ".txt"
		scan.AddInput(sum, &detect.Result{Findings: []detect.Finding{leakFinding(s, sev, 0.5, "leak-"+itoa(i))}})
	}
	scan.Rank()
	var b bytes.Buffer
	if err := (textFormatter{}).Scan(&b, &scan); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, w := range []string{
		"== dump0.txt (crash, 8 goroutines): 1 critical\n  #  SEVERITY",
		"\n\n== dump1.txt (crash, 8 goroutines): no findings at warning or above; 1 info hidden (--all shows it)\n\n== dump2.txt",
		"input:       dump0.txt (and 1 more input with this kind and culprit)",
		"== summary: 3 snapshots, 2 with findings; 2 critical; 1 info hidden (--all shows it)",
		"in dump0.txt and 1 more input\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if n := strings.Count(out, "-- #"); n != 1 {
		t.Errorf("%d evidence blocks, want 1 for the one problem:\n%s", n, out)
	}
	if !strings.HasPrefix(out, "== dump0.txt") || strings.Index(out, "== summary") < strings.Index(out, "-- #1") {
		t.Errorf("want inputs first and the summary after the evidence:\n%s", out)
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		text  string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"one two three", 20, []string{"one two three"}},
		{"one two three", 7, []string{"one two", "three"}},
		{"a verylongword b", 5, []string{"a", "verylongword", "b"}},
		{"first\nsecond line", 6, []string{"first", "second", "line"}},
	} {
		if got := wrap(tc.text, tc.width); !slices.Equal(got, tc.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.text, tc.width, got, tc.want)
		}
	}
}

func TestShortNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"main.main", "main.main"},
		{"github.com/acme/api/fetch.(*Fetcher).fetchOne", "fetch.(*Fetcher).fetchOne"},
		{"example.com/x.Map[go.shape.string,example.com/y.T].Get", "x.Map[go.shape.string,example.com/y.T].Get"},
	} {
		if got := shortFunction(tc.in); got != tc.want {
			t.Errorf("shortFunction(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		file string
		line int
		want string
	}{
		{"/src/api/fetch.go", 88, "fetch.go:88"},
		{`C:\src\api\fetch.go`, 3, "fetch.go:3"},
		{"?", 0, "?"},
		{"??", 0, "?"},
		{"", 12, "?"},
		{"/src/a.go", 0, "a.go"},
	} {
		if got := shortSite(tc.file, tc.line); got != tc.want {
			t.Errorf("shortSite(%q, %d) = %q, want %q", tc.file, tc.line, got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"Package leak finds goroutines that will never wake: blocked in a\nchannel operation. More text.", "Finds goroutines that will never wake: blocked in a channel operation."},
		{"Package crash reports the crash of sync.Mutex.Lock users.\n\n# Heading", "Reports the crash of sync.Mutex.Lock users."},
		{"Finds things without a package clause", "Finds things without a package clause"},
	} {
		if got := summarize(tc.doc); got != tc.want {
			t.Errorf("summarize(%q) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}
