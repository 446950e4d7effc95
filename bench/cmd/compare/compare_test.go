package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for compare as the child that
// runs one in-process contender, as compare re-executes itself.
func TestMain(m *testing.M) {
	if key := os.Getenv(childEnv); key != "" {
		os.Exit(childMain(key, os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestCompareEndToEnd runs the whole comparison on a 1k-goroutine dump and
// a trace of about a megabyte, both generated as a real run would, and
// checks that every row ran, that the readers agree on what they read and
// that the Markdown has every row and ratio with sane numbers.
func TestCompareEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gorensic, runs dumpgen, tracegen and go tool trace")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config{
		root:        root,
		cache:       t.TempDir(),
		dumps:       []int{1000},
		gen:         traceGen{target: 1e6, probe: 200 * time.Millisecond},
		skip:        map[string]bool{},
		toolTimeout: 2 * time.Minute,
		memFloor:    256 << 20,
		runs:        2,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log bytes.Buffer
	rep, err := compare(ctx, cfg, &log)
	if err != nil {
		t.Fatalf("compare: %v\n%s", err, log.String())
	}
	var out bytes.Buffer
	if err := rep.write(&out); err != nil {
		t.Fatal(err)
	}
	t.Logf("table:\n%s", out.String())

	files := map[kind]string{dumpKind: "dump-1000.txt", debug0Kind: "goroutine-1000.pb.gz", traceKind: "trace-1MB.trace"}
	for _, c := range contenders() {
		r, ok := rep.find(c.kind, files[c.kind], c.key)
		if !ok {
			t.Errorf("no %s row on %s", c.key, files[c.kind])
			continue
		}
		if !r.measured() || r.killed != "" || r.wall <= 0 || r.rss <= 0 {
			t.Errorf("%s on %s did not run to its end: %+v", c.key, r.file, r)
		}
		if want := map[bool]int{false: 2, true: 1}[c.slow]; r.runs != want {
			t.Errorf("%s on %s ran %d times, want %d", c.key, r.file, r.runs, want)
		}
		if r.counts == (counts{}) && c.decode == nil && c.command == nil {
			t.Errorf("%s on %s found nothing", c.key, r.file)
		}
	}
	checkAgreement(t, rep, files)
	checkMarkdown(t, rep, out.String())
}

// checkAgreement checks that the readers read the same goroutines, and that
// gorensic's results do not depend on Parallelism.
func checkAgreement(t *testing.T, rep *report, files map[kind]string) {
	t.Helper()
	get := func(k kind, key string) counts {
		r, _ := rep.find(k, files[k], key)
		return r.counts
	}
	parse, seq := get(dumpKind, "parse"), get(dumpKind, "parse-seq")
	if parse.Goroutines < 1000 || parse != seq {
		t.Errorf("parse+group default read %v, Parallelism 1 %v; want the same, at least 1000 goroutines", parse, seq)
	}
	gsp := get(dumpKind, "gostackparse")
	if n := gsp.Goroutines + gsp.Dropped; n != parse.Goroutines {
		t.Errorf("gostackparse read and dropped %d goroutines, gorensic %d", n, parse.Goroutines)
	}
	for _, key := range []string{"panicparse", "scan-json"} {
		if n := get(dumpKind, key).Goroutines; n != parse.Goroutines {
			t.Errorf("%s read %d goroutines, parse+group %d", key, n, parse.Goroutines)
		}
	}
	if n := get(dumpKind, "lines").Lines; n < 2*parse.Goroutines {
		t.Errorf("line loop counted %d lines for %d goroutines", n, parse.Goroutines)
	}
	pprof, d0 := get(debug0Kind, "pprof"), get(debug0Kind, "parse-debug0")
	if pprof.Goroutines != d0.Goroutines {
		t.Errorf("profile.Parse counted %d goroutines, gorensic %d", pprof.Goroutines, d0.Goroutines)
	}
	// The profile is taken right after the text dump in the same process;
	// allow for a runtime goroutine coming or going in between.
	if diff := d0.Goroutines - parse.Goroutines; diff < -2 || diff > 2 {
		t.Errorf("the profile holds %d goroutines, the dump %d", d0.Goroutines, parse.Goroutines)
	}
	raw, read, rseq, piped := get(traceKind, "raw"), get(traceKind, "read"), get(traceKind, "read-seq"), get(traceKind, "read-piped")
	if raw.Events == 0 || read.Events == 0 || read != rseq || read != piped {
		t.Errorf("trace: raw read %v, full read default %v, Parallelism 1 %v, streamed %v", raw, read, rseq, piped)
	}
	if get(traceKind, "tool").Samples == 0 {
		t.Error("go tool trace wrote an empty sync profile")
	}
}

// checkMarkdown checks that every result is a row of the table with
// numbers in its numeric cells, and that every ratio is printed.
func checkMarkdown(t *testing.T, rep *report, md string) {
	t.Helper()
	rows := map[string][]string{}
	for line := range strings.Lines(md) {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 9 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[cells[0]+" on "+cells[1]] = cells
	}
	for _, r := range rep.results {
		cells, ok := rows[r.name+" on "+r.file]
		if !ok {
			t.Errorf("no table row for %s on %s", r.name, r.file)
			continue
		}
		for i, col := range []string{"size", "wall", "MB/s", "peak RSS"} {
			if v := leadingNumber(cells[2+i]); !(v > 0) {
				t.Errorf("%s on %s: %s cell %q is not a positive number", r.name, r.file, col, cells[2+i])
			}
		}
	}
	for _, s := range ratioSpecs() {
		if !strings.Contains(md, "| "+s.what+" | ") {
			t.Errorf("ratio %q missing", s.what)
		}
	}
	for _, want := range []string{"CPUs", "load average", "generated by"} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in the notes", want)
		}
	}
}

// leadingNumber parses the number a cell starts with ("162 MB", "1.5 s"),
// -1 when it does not.
func leadingNumber(cell string) float64 {
	f, _, _ := strings.Cut(cell, " ")
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		return -1
	}
	return v
}

func TestBarMet(t *testing.T) {
	atLeast5 := bar{">=", 5, "≥ 5×"}
	atMost := bar{"<=", 1.5, "≤ 1.5×"}
	for _, tc := range []struct {
		b    bar
		v    value
		want string
	}{
		{atLeast5, value{v: 6}, "yes"},
		{atLeast5, value{v: 4}, "no"},
		{atLeast5, value{v: 6, lower: true}, "yes"},     // at least 6
		{atLeast5, value{v: 4, lower: true}, "unknown"}, // at least 4
		{atLeast5, value{v: 6, upper: true}, "unknown"}, // at most 6
		{atLeast5, value{v: 4, upper: true}, "no"},
		{atMost, value{v: 1.2, lower: true}, "unknown"},
		{atMost, value{v: 2, lower: true}, "no"},
		{atMost, value{v: 1.2, upper: true}, "yes"},
		{bar{}, value{v: 1}, ""},
	} {
		if got := tc.b.met(tc.v); got != tc.want {
			t.Errorf("%s met by %s = %q, want %q", tc.b.text, tc.v, got, tc.want)
		}
	}
}

func TestNextTraceDuration(t *testing.T) {
	for _, tc := range []struct {
		d            time.Duration
		size, target int64
		want         time.Duration
	}{
		{time.Second, 15e6, 300e6, 20 * time.Second},        // the rate seen
		{time.Second, 200e6, 300e6, 2 * time.Second},        // at least doubles
		{time.Second, 0, 300e6, 30 * time.Minute},           // nothing written: the cap
		{20 * time.Minute, 1e6, 300e6, 30 * time.Minute},    // the cap
		{500 * time.Millisecond, 1e6, 1e6, 1 * time.Second}, // doubles
	} {
		if got := nextTraceDuration(tc.d, tc.size, tc.target); got != tc.want {
			t.Errorf("nextTraceDuration(%s, %d, %d) = %s, want %s", tc.d, tc.size, tc.target, got, tc.want)
		}
	}
}

func TestParseSkip(t *testing.T) {
	skip, err := parseSkip("slow, trace,lines")
	if err != nil || !skip["slow"] || !skip["trace"] || !skip["lines"] {
		t.Errorf("parseSkip = %v, %v", skip, err)
	}
	cfg := config{skip: skip}
	for _, c := range contenders() {
		want := c.slow || c.kind == traceKind || c.key == "lines"
		if cfg.skips(c) != want {
			t.Errorf("skips(%s) = %v, want %v", c.key, !want, want)
		}
	}
	if _, err := parseSkip("nosuchrow"); err == nil {
		t.Error("parseSkip accepted an unknown row")
	}
}
