package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/DataDog/gostackparse"
	"github.com/google/pprof/profile"
	"github.com/gorensic/gorensic/parse"
	"github.com/maruel/panicparse/v2/stack"
	"golang.org/x/exp/trace"
)

// kind says which file a contender reads; each kind is compared with its
// own gorensic reference row.
type kind string

const (
	dumpKind   kind = "dump"   // runtime.Stack(all) text, as debug=2
	debug0Kind kind = "debug0" // the goroutine profile as gzipped protobuf
	traceKind  kind = "trace"  // a runtime/trace execution trace
)

// refKey names, per kind, the gorensic row the others are compared with.
func refKey(k kind) string {
	switch k {
	case dumpKind:
		return "parse"
	case debug0Kind:
		return "parse-debug0"
	default:
		return "read"
	}
}

// A contender is one reader measured on one file. It runs either in this
// program re-executed as a child (inProcess) or as an external program
// (command); either way it is a process of its own, so wall time and peak
// RSS are its alone.
type contender struct {
	key  string // for -skip
	name string // the row's label
	kind kind
	slow bool // left out by -skip slow

	inProcess func(ctx context.Context, path string) (counts, error)
	command   func(t tools, path string) ([]string, error)
	// decode reads an external program's standard output for the result
	// column; nil sends the output to /dev/null.
	decode func(f *os.File) (counts, error)
	// exit1OK: exit status 1 means "findings at or above --fail-on", a
	// finished run (gorensic scan).
	exit1OK bool
	// memPerByte is the peak RSS per input byte measured on earlier runs;
	// a file it says cannot fit in MemAvailable is skipped. 0: never.
	memPerByte float64
	// limited contenders are killed after -tool-timeout.
	limited bool
}

const (
	// panicparse needed 325 MiB on a 16 MB dump of 10k goroutines and
	// 3.3 GiB on 162 MB.
	panicparseMemPerByte = 20
	// go tool trace -pprof=sync needed 19.1 GiB on a 282 MB trace (72 per
	// byte) and 2.2 GiB on a 30 MB tracegen trace (79 per byte): it holds
	// every event.
	traceToolMemPerByte = 75
)

// contenders lists every row compare knows, in the order it runs them
// within a kind. Slow and memory-hungry ones come last in their kind so
// that a run cut short still has the cheap rows.
func contenders() []contender {
	return []contender{
		{key: "lines", name: "bufio.Scanner line loop", kind: dumpKind, inProcess: lineLoop},
		{key: "gostackparse", name: "gostackparse " + depVersion("github.com/DataDog/gostackparse") + " Parse", kind: dumpKind, inProcess: gostackparseParse},
		{key: "parse-seq", name: "gorensic parse+group, Parallelism 1", kind: dumpKind, inProcess: gorensicParse(1)},
		{key: "parse", name: "gorensic parse+group, default (GOMAXPROCS)", kind: dumpKind, inProcess: gorensicParse(0)},
		{key: "scan", name: "gorensic scan (table)", kind: dumpKind, command: scanTable, exit1OK: true},
		{key: "scan-json", name: "gorensic scan --format json", kind: dumpKind, command: scanJSON, decode: decodeScanJSON, exit1OK: true},
		{key: "panicparse", name: "panicparse " + depVersion("github.com/maruel/panicparse/v2") + " ScanSnapshot+Aggregate", kind: dumpKind, slow: true,
			inProcess: panicparseAggregate, memPerByte: panicparseMemPerByte},

		{key: "pprof", name: "pprof profile.Parse", kind: debug0Kind, inProcess: pprofParse},
		{key: "parse-debug0", name: "gorensic parse+group, default (GOMAXPROCS)", kind: debug0Kind, inProcess: gorensicParse(0)},

		{key: "raw", name: "x/exp/trace raw ReadEvent loop", kind: traceKind, inProcess: rawTrace},
		{key: "read-seq", name: "gorensic full read, Parallelism 1", kind: traceKind, inProcess: gorensicTrace(1)},
		{key: "read-piped", name: "gorensic full read, streamed (decode and summary on 2 goroutines)", kind: traceKind, inProcess: gorensicTraceStreamed},
		{key: "read", name: "gorensic full read, default (GOMAXPROCS)", kind: traceKind, inProcess: gorensicTrace(0)},
		{key: "trace-scan", name: "gorensic scan (table)", kind: traceKind, command: scanTable, exit1OK: true},
		{key: "trace-scan-json", name: "gorensic scan --format json", kind: traceKind, command: scanJSON, decode: decodeScanJSON, exit1OK: true},
		{key: "tool", name: "go tool trace -pprof=sync", kind: traceKind, slow: true,
			command: traceToolSync, decode: decodeProfile, memPerByte: traceToolMemPerByte, limited: true},
	}
}

// depVersion returns the version of a dependency built into this program,
// so that row labels say exactly which release was measured.
func depVersion(module string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	for _, m := range bi.Deps {
		if m.Path == module {
			return m.Version
		}
	}
	return "(unknown version)"
}

// counts is what a contender found, shown in the result column so that one
// can see every reader read the same thing. A child prints it as JSON.
type counts struct {
	Lines      int64 `json:",omitempty"`
	Goroutines int64 `json:",omitempty"`
	Dropped    int64 `json:",omitempty"` // goroutines a reader gave up on
	Groups     int64 `json:",omitempty"`
	Buckets    int64 `json:",omitempty"`
	Samples    int64 `json:",omitempty"`
	Snapshots  int64 `json:",omitempty"`
	Events     int64 `json:",omitempty"`
	Findings   int64 `json:",omitempty"`
}

func (c counts) String() string {
	var parts []string
	add := func(n int64, what string) {
		if n != 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(c.Lines, "lines")
	add(c.Events, "events")
	add(c.Goroutines, "goroutines")
	add(c.Dropped, "dropped")
	add(c.Groups, "groups")
	add(c.Buckets, "buckets")
	add(c.Samples, "samples")
	add(c.Findings, "findings")
	return strings.Join(parts, ", ")
}

func lineLoop(_ context.Context, path string) (counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return counts{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var c counts
	for sc.Scan() {
		c.Lines++
	}
	return c, sc.Err()
}

func gostackparseParse(_ context.Context, path string) (counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return counts{}, err
	}
	defer f.Close()
	// gostackparse does not know the labels Go 1.26 can put in goroutine
	// headers (GODEBUG=tracebacklabels=1): it drops those goroutines with
	// an error each, which the result reports.
	gs, errs := gostackparse.Parse(f)
	return counts{Goroutines: int64(len(gs)), Dropped: int64(len(errs))}, nil
}

func panicparseAggregate(_ context.Context, path string) (counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return counts{}, err
	}
	defer f.Close()
	// No path guessing, source analysis or argument naming (O(n²)): the
	// cheapest configuration, parsing and grouping only.
	s, _, err := stack.ScanSnapshot(f, io.Discard, &stack.Opts{})
	if err != nil && !errors.Is(err, io.EOF) {
		return counts{}, err
	}
	if s == nil {
		return counts{}, errors.New("no snapshot found")
	}
	a := s.Aggregate(stack.AnyPointer)
	return counts{Goroutines: int64(len(s.Goroutines)), Buckets: int64(len(a.Buckets))}, nil
}

// gorensicParse reads a dump or profile and groups every snapshot, the
// work behind "gorensic groups".
func gorensicParse(parallelism int) func(context.Context, string) (counts, error) {
	return func(ctx context.Context, path string) (counts, error) {
		snaps, err := parse.ReadFile(ctx, path, parse.Options{Parallelism: parallelism})
		if err != nil {
			return counts{}, err
		}
		var c counts
		for _, s := range snaps {
			c.Snapshots++
			c.Goroutines += int64(s.GoroutineCount())
			c.Groups += int64(len(parse.Aggregate(s)))
		}
		return c, nil
	}
}

func pprofParse(_ context.Context, path string) (counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return counts{}, err
	}
	defer f.Close()
	p, err := profile.Parse(f) // gunzips on its own
	if err != nil {
		return counts{}, err
	}
	c := counts{Samples: int64(len(p.Sample))}
	for _, s := range p.Sample {
		if len(s.Value) > 0 {
			c.Goroutines += s.Value[0]
		}
	}
	return c, nil
}

// rawTrace is the floor for traces: x/exp/trace decoding every event and
// nothing else.
func rawTrace(_ context.Context, path string) (counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return counts{}, err
	}
	defer f.Close()
	r, err := trace.NewReader(f) // buffers on its own
	if err != nil {
		return counts{}, err
	}
	var c counts
	for {
		_, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return c, fmt.Errorf("after %d events: %w", c.Events, err)
		}
		c.Events++
	}
}

// gorensicTrace is gorensic's full read of a trace: the summary and the
// timeline the detectors use, without the detectors.
func gorensicTrace(parallelism int) func(context.Context, string) (counts, error) {
	return func(ctx context.Context, path string) (counts, error) {
		snaps, err := parse.ReadFile(ctx, path, parse.Options{Parallelism: parallelism})
		if err != nil {
			return counts{}, err
		}
		return traceCounts(snaps), nil
	}
}

// gorensicTraceStreamed reads a trace as a stream (parse.Read, as from a
// pipe): one generation at a time, decoded on one goroutine and summarised
// on another.
func gorensicTraceStreamed(ctx context.Context, path string) (counts, error) {
	f, err := os.Open(path)
	if err != nil {
		return counts{}, err
	}
	defer f.Close()
	snaps, err := parse.Read(ctx, path, f, parse.Options{})
	if err != nil {
		return counts{}, err
	}
	return traceCounts(snaps), nil
}

// traceCounts counts what a full read of a trace found.
func traceCounts(snaps []*parse.Snapshot) counts {
	var c counts
	for _, s := range snaps {
		c.Snapshots++
		c.Goroutines += int64(s.GoroutineCount())
		if s.Timeline != nil {
			c.Events += s.Timeline.Events
		}
	}
	return c
}

func scanTable(t tools, path string) ([]string, error) {
	return []string{t.gorensic, "scan", path}, nil
}

func scanJSON(t tools, path string) ([]string, error) {
	return []string{t.gorensic, "scan", "--format", "json", path}, nil
}

// traceToolSync runs the trace tool's binary directly (from "go tool -n
// trace") so that the go command's own process is not measured.
func traceToolSync(t tools, path string) ([]string, error) {
	if t.traceTool == "" {
		return nil, t.traceToolErr
	}
	return []string{t.traceTool, "-pprof=sync", path}, nil
}

// decodeScanJSON reads the gorensic/v1 report for the goroutines it read
// and the findings it made.
func decodeScanJSON(f *os.File) (counts, error) {
	var doc struct {
		Inputs []struct {
			Goroutines int64 `json:"goroutines"`
		} `json:"inputs"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&doc); err != nil {
		return counts{}, fmt.Errorf("decoding the JSON report: %w", err)
	}
	c := counts{Findings: int64(len(doc.Findings))}
	for _, in := range doc.Inputs {
		c.Goroutines += in.Goroutines
	}
	return c, nil
}

// decodeProfile reads the profile go tool trace wrote, to show it did the
// work.
func decodeProfile(f *os.File) (counts, error) {
	p, err := profile.Parse(f)
	if err != nil {
		return counts{}, fmt.Errorf("reading the sync profile: %w", err)
	}
	return counts{Samples: int64(len(p.Sample))}, nil
}
