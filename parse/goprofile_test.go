package parse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// corpusPath returns a path under the shared corpus (../../shared/corpus
// from the package directory), skipping the test when the corpus is absent.
func corpusPath(t testing.TB, parts ...string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus not found at %s (it lives beside the repository in /work/shared/corpus): %v", dir, err)
	}
	return filepath.Join(append([]string{dir}, parts...)...)
}

// readFileSnapshots reads a file through ReadFile and checks every
// snapshot's consistency.
func readFileSnapshots(t testing.TB, path string) []*Snapshot {
	t.Helper()
	snaps, err := ReadFile(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", path, err)
	}
	for _, s := range snaps {
		if err := checkSnapshot(s); err != nil {
			t.Fatalf("%s: snapshot %d: %v", path, s.Source.Index, err)
		}
	}
	return snaps
}

// readOneSnapshot reads a file that holds exactly one snapshot.
func readOneSnapshot(t testing.TB, path string) *Snapshot {
	t.Helper()
	snaps := readFileSnapshots(t, path)
	if len(snaps) != 1 {
		t.Fatalf("%s: %d snapshots, want 1", path, len(snaps))
	}
	return snaps[0]
}

// funcNames lists a stack's functions, innermost first.
func funcNames(st *Stack) []string {
	out := make([]string, len(st.Frames))
	for i, f := range st.Frames {
		out[i] = f.Function
	}
	return out
}

// warningKinds lists the kinds of a snapshot's warnings.
func warningKinds(s *Snapshot) []WarningKind {
	var out []WarningKind
	for _, w := range s.Warnings {
		out = append(out, w.Kind)
	}
	return out
}

func TestReadProfileCorpus(t *testing.T) {
	tests := []struct {
		file    string
		total   int
		samples int
		first   int    // count of the first sample (the runtime sorts samples biggest first)
		firstFn string // a function in the first sample's stack
		labels  int    // goroutines with labels
		taken   string // profile time, RFC 3339
	}{
		{"cdk-erigon-134-goroutines-debug0.pb.gz", 134, 84, 8, "github.com/ledgerwatch/erigon/turbo/jsonrpc.(*PreRunProcessor).processLoop", 0, "2025-03-27T09:07:44.903526119Z"},
		{"cortex-2020-debug0.pb.gz", 355, 33, 75, "google.golang.org/grpc.(*addrConn).resetTransport", 0, "2020-11-19T18:47:58.176034969Z"},
		{"felixge-goroutine-debug0.pb.gz", 10, 9, 2, "main.shortSleepLoop", 7, "2021-01-14T15:46:23.701515Z"},
		{"kubedb-pg-coordinator-2025-10-27.pb.gz", 152, 81, 9, "google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run", 0, "2025-10-27T07:36:44.739630419Z"},
		{"kubedb-pg-coordinator-2025-12-04.pb.gz", 127, 60, 9, "google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run", 0, "2025-12-04T13:14:30.451638426Z"},
		{"node-exporter-debug0.pb.gz", 37, 14, 7, "net/http.(*connReader).Read", 0, "2023-09-09T07:08:29.664362892Z"},
		{"scorestack-dynamicbeat-1481-debug0.pb.gz", 1481, 15, 733, "net/http.(*persistConn).writeLoop", 0, "2020-02-22T22:04:14.039852065Z"},
		{"service-courier-2026-debug0.pb.gz", 30, 17, 5, "net/http.(*connReader).Read", 0, "2026-01-24T19:16:15.566087715Z"},
		// SOURCES.md and the file name say 401, but the profile's samples
		// add up to 403: 200 TLS readers, 200 writeLoops, a signal loop,
		// the accept loop and the goroutine writing the profile.
		{"ztsfc-http-pep-401-debug0.pb.gz", 403, 5, 200, "crypto/tls.(*Conn).Read", 0, "2021-06-11T15:15:20.998958064Z"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := readOneSnapshot(t, corpusPath(t, "goroutine-pprof", tt.file))
			if s.Source.Format != FormatDebug0 {
				t.Errorf("format %q, want %q", s.Source.Format, FormatDebug0)
			}
			wantCaps := CapGroupedCounts
			if tt.labels > 0 {
				wantCaps |= CapLabels
			}
			if s.Caps != wantCaps {
				t.Errorf("caps %s, want %s", s.Caps, wantCaps)
			}
			if s.Total != tt.total || s.GoroutineCount() != tt.total {
				t.Errorf("total %d, goroutines %d, want %d", s.Total, s.GoroutineCount(), tt.total)
			}
			if len(s.Goroutines) != tt.samples {
				t.Errorf("%d samples, want %d", len(s.Goroutines), tt.samples)
			}
			if g := s.Goroutines[0]; g.Count != tt.first || !hasFunction(g.Stack, tt.firstFn) {
				t.Errorf("first sample: %d goroutines in %v, want %d in %s", g.Count, funcNames(g.Stack), tt.first, tt.firstFn)
			}
			labelled := 0
			for _, g := range s.Goroutines {
				if g.ID != 0 || g.State != "" || g.Wait != 0 || g.Line != 0 {
					t.Errorf("sample has ID %d, state %q, wait %v, line %d: a debug=0 profile shows none", g.ID, g.State, g.Wait, g.Line)
				}
				if g.Labels != nil {
					labelled += g.Count
				}
			}
			if labelled != tt.labels {
				t.Errorf("%d labelled goroutines, want %d", labelled, tt.labels)
			}
			if got := s.Source.Taken.Format(time.RFC3339Nano); got != tt.taken {
				t.Errorf("taken %s, want %s", got, tt.taken)
			}
			if s.Source.Offset != 0 || s.Source.Line != 0 || !s.Source.Compressed || s.Source.Bytes <= 0 {
				t.Errorf("source %+v: want offset 0, line 0, compressed, bytes > 0", s.Source)
			}
			if len(s.Warnings) != 0 {
				t.Errorf("warnings %v, want none", s.Warnings)
			}
		})
	}
}

// TestReadProfileFrames checks runtime marking, inlined calls and file
// lines of a debug=0 profile's frames.
func TestReadProfileFrames(t *testing.T) {
	s := readOneSnapshot(t, corpusPath(t, "goroutine-pprof", "ztsfc-http-pep-401-debug0.pb.gz"))
	st := s.Goroutines[0].Stack
	type frame struct {
		fn      string
		line    int
		inlined bool
		runtime bool
	}
	want := []frame{
		{"runtime.gopark", 336, false, true},
		{"runtime.netpollblock", 438, false, true},
		{"internal/poll.runtime_pollWait", 222, false, false},
		{"internal/poll.(*pollDesc).wait", 87, false, false},
		// One Location with two Lines: waitRead was inlined into FD.Read,
		// and pprof lists the inlined function first.
		{"internal/poll.(*pollDesc).waitRead", 92, true, false},
		{"internal/poll.(*FD).Read", 166, false, false},
		{"net.(*netFD).Read", 55, false, false},
	}
	for i, w := range want {
		f := st.Frames[i]
		got := frame{f.Function, f.Line, f.Inlined, f.Runtime}
		if got != w {
			t.Errorf("frame %d: %+v, want %+v", i, got, w)
		}
	}
	if f := st.Frames[4]; f.PC != st.Frames[5].PC || f.PC != 0x4e68d4 {
		t.Errorf("inlined frame PC %#x, caller PC %#x: want both the location address 0x4e68d4", f.PC, st.Frames[5].PC)
	}
	if got := st.Frames[len(st.Frames)-1].Function; got != "net/http.(*persistConn).readLoop" {
		t.Errorf("outermost frame %s, want net/http.(*persistConn).readLoop (runtime.goexit is not in profiles)", got)
	}
	if f := st.Frames[0]; f.File != "/usr/local/go/src/runtime/proc.go" {
		t.Errorf("file %q", f.File)
	}
}

// TestReadProfileCrossFormat checks that the debug=0, debug=1 and debug=2
// captures of one program (felixge/go-profiler-notes, Go 1.15.6, taken one
// after another) agree on how many goroutines sit at each stack.
func TestReadProfileCrossFormat(t *testing.T) {
	d0 := readOneSnapshot(t, corpusPath(t, "goroutine-pprof", "felixge-goroutine-debug0.pb.gz"))
	d1 := readOneSnapshot(t, corpusPath(t, "goroutine-pprof", "felixge-goroutine-debug1.txt"))
	d2 := readOneSnapshot(t, corpusPath(t, "dumps", "felixge-goroutine-debug2.txt"))
	if d2.Source.Format != FormatDebug2 {
		t.Fatalf("debug2 read as %s", d2.Source.Format)
	}
	c0, c1, c2 := stackCounts(d0), stackCounts(d1), stackCounts(d2)
	// The goroutine that had just been created by net/http when the
	// debug=0 and debug=1 profiles were taken had not run yet: its stack is
	// its start function alone. By the debug=2 dump it was parked in a read.
	collapseUnstarted(c2, c1)
	for _, c := range []map[string]int{c0, c1, c2} {
		if n := c["net/http.(*connReader).backgroundRead"]; n != 1 {
			t.Fatalf("unstarted backgroundRead goroutine: %d, want 1 in %v", n, c)
		}
	}
	for _, pair := range []struct {
		name string
		a, b map[string]int
	}{{"debug0/debug1", c0, c1}, {"debug1/debug2", c1, c2}} {
		if d := diffCounts(pair.a, pair.b); d != "" {
			t.Errorf("%s disagree:\n%s", pair.name, d)
		}
	}
	if len(c1) != 9 {
		t.Errorf("%d distinct stacks, want 9", len(c1))
	}
	// Labels: debug=0 and debug=1 carry them (debug=2 of Go 1.15 does not).
	for _, s := range []*Snapshot{d0, d1} {
		n := 0
		for _, g := range s.Goroutines {
			if v, ok := g.Labels.Get("test_label"); ok && v == "test_value" && len(g.Labels.Pairs) == 1 {
				n += g.Count
			}
		}
		if n != 7 {
			t.Errorf("%s: %d goroutines labelled {test_label: test_value}, want 7", s.Source.Format, n)
		}
		if !s.Caps.Has(CapLabels) {
			t.Errorf("%s: no CapLabels", s.Source.Format)
		}
	}
}

var globFunc = regexp.MustCompile(`^main\.glob\.\.func\d+$`)

// stackCounts counts goroutines by a normalised function sequence, so that
// the same goroutine has the same key in every format:
//
//   - runtime frames are dropped: debug=0 keeps them all (runtime.gopark,
//     runtime.selectgo, runtime.main), debug=1 hides the leading ones only
//     (printStackRecord), and Go 1.15 tracebacks hide them all;
//   - main.glob..funcN becomes main.glob..func*: the program fetches each
//     format with a different closure (func6, func7, func8);
//   - the goroutine writing the profile is cut at runtime/pprof.writeGoroutine:
//     debug=0/1 are written by writeRuntimeProfile, debug=2 by
//     writeGoroutineStacks.
func stackCounts(s *Snapshot) map[string]int {
	out := make(map[string]int)
	for _, g := range s.Goroutines {
		var fns []string
		for _, f := range g.Stack.Frames {
			if f.Runtime {
				continue
			}
			fn := f.Function
			if globFunc.MatchString(fn) {
				fn = "main.glob..func*"
			}
			if fn == "runtime/pprof.writeGoroutine" {
				fns = fns[:0]
			}
			fns = append(fns, fn)
		}
		out[strings.Join(fns, " < ")] += g.Count
	}
	return out
}

// collapseUnstarted rewrites, in a, the stacks of goroutines that b shows
// as not yet started (a one-frame stack of their start function) to that
// one frame, when a has them running with the same start function.
func collapseUnstarted(a, b map[string]int) {
	for k := range b {
		if strings.Contains(k, " < ") {
			continue
		}
		for ka, n := range a {
			if strings.HasSuffix(ka, " < "+k) {
				delete(a, ka)
				a[k] += n
			}
		}
	}
}

func diffCounts(a, b map[string]int) string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out strings.Builder
	for _, k := range keys {
		if a[k] != b[k] {
			out.WriteString("  " + itoa(a[k]) + " vs " + itoa(b[k]) + ": " + k + "\n")
		}
	}
	return out.String()
}

// TestReadProfileGoroutineLeak reads real goroutineleak profiles (Go 1.26,
// GOEXPERIMENT=goroutineleakprofile): the sample type goroutineleak/count
// tells them from goroutine profiles.
func TestReadProfileGoroutineLeak(t *testing.T) {
	dir := filepath.Join("testdata", "profiles", "goroutineleak-go1.26")
	for _, tt := range []struct {
		file   string
		format Format
	}{
		{"goroutineleak-debug0.pb.gz", FormatLeakDebug0},
		{"goroutineleak-debug1.txt", FormatLeakDebug1},
	} {
		t.Run(tt.file, func(t *testing.T) {
			s := readOneSnapshot(t, filepath.Join(dir, tt.file))
			if s.Source.Format != tt.format {
				t.Errorf("format %s, want %s", s.Source.Format, tt.format)
			}
			if s.Total != 5 || len(s.Goroutines) != 2 {
				t.Fatalf("total %d in %d samples, want 5 in 2", s.Total, len(s.Goroutines))
			}
			send, recv := s.Goroutines[0], s.Goroutines[1]
			if send.Count != 3 || !hasFunction(send.Stack, "main.leakSend.func1") || send.Labels != nil {
				t.Errorf("first sample: %d in %v labels %v, want 3 in main.leakSend.func1 without labels", send.Count, funcNames(send.Stack), send.Labels)
			}
			if v, _ := recv.Labels.Get("leak"); recv.Count != 2 || !hasFunction(recv.Stack, "main.leakRecv.func1.1") || v != "recv" {
				t.Errorf("second sample: %d in %v labels %v, want 2 in main.leakRecv.func1.1 with leak=recv", recv.Count, funcNames(recv.Stack), recv.Labels)
			}
			for _, g := range s.Goroutines {
				if !g.Has(FlagLeaked) {
					t.Errorf("goroutine in %v not flagged leaked", funcNames(g.Stack))
				}
			}
			if s.Caps != CapGroupedCounts|CapLabels {
				t.Errorf("caps %s", s.Caps)
			}
		})
	}
	// The debug=0 stacks keep the leading runtime frames that debug=1 hides.
	d0 := readOneSnapshot(t, filepath.Join(dir, "goroutineleak-debug0.pb.gz"))
	want := []string{"runtime.gopark", "runtime.chansend", "runtime.chansend1", "main.leakSend.func1"}
	if got := funcNames(d0.Goroutines[0].Stack); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("debug=0 stack %v, want %v", got, want)
	}
}

// TestReadProfileErrors checks the errors of inputs that are profiles but
// not ones gorensic reads, or broken ones.
func TestReadProfileErrors(t *testing.T) {
	encode := func(p *profile.Profile) []byte {
		var b bytes.Buffer
		if err := p.WriteUncompressed(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	fn := &profile.Function{ID: 1, Name: "main.work", Filename: "/src/main.go"}
	loc := &profile.Location{ID: 1, Address: 0x1000, Line: []profile.Line{{Function: fn, Line: 7}}}
	cpu := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10000000,
		Sample:     []*profile.Sample{{Location: []*profile.Location{loc}, Value: []int64{1, 10000000}}},
		Location:   []*profile.Location{loc},
		Function:   []*profile.Function{fn},
	}
	heap := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"}, {Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"},
	}
	valid := encode(&profile.Profile{SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}}, PeriodType: &profile.ValueType{Type: "goroutine", Unit: "count"}, Period: 1})
	tests := []struct {
		name    string
		data    []byte
		opts    Options
		wantErr error
		wantMsg string
	}{
		{"cpu", encode(cpu), Options{}, ErrUnsupported, "cpu profile: gorensic reads goroutine, goroutineleak, mutex and block profiles"},
		{"heap", encode(heap), Options{}, ErrUnsupported, "heap profile: gorensic reads goroutine, goroutineleak, mutex and block profiles"},
		{"too large", valid, Options{MaxProfile: 8}, ErrTooLarge, "profile larger than 8 bytes"},
		{"broken", append([]byte{0x0a, 0x04, 0x08, 0x01, 0x10, 0x02}, 0x12, 0x7f, 0x01), Options{}, nil, "pprof profile:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snaps, err := Read(context.Background(), "in.pb", bytes.NewReader(tt.data), tt.opts)
			if err == nil {
				t.Fatalf("no error; read %d snapshots", len(snaps))
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Name != "in.pb" {
				t.Errorf("error %v does not name the input", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

// TestReadProfileSynthetic checks conversions the corpus does not cover:
// numeric labels, unsymbolized locations, bad counts.
func TestReadProfileSynthetic(t *testing.T) {
	fnA := &profile.Function{ID: 1, Name: "main.a", Filename: "/src/a.go"}
	fnB := &profile.Function{ID: 2, Name: "main.b", Filename: "/src/b.go"}
	locA := &profile.Location{ID: 1, Address: 0x10, Line: []profile.Line{{Function: fnA, Line: 3}, {Function: fnB, Line: 9}}}
	locRaw := &profile.Location{ID: 2, Address: 0x4a5b3f}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}},
		PeriodType: &profile.ValueType{Type: "goroutine", Unit: "count"},
		Period:     1,
		Sample: []*profile.Sample{
			{Location: []*profile.Location{locA, locRaw}, Value: []int64{4},
				Label: map[string][]string{"b": {"2"}, "a": {"1"}}, NumLabel: map[string][]int64{"n": {512}}, NumUnit: map[string][]string{"n": {"bytes"}}},
			{Location: []*profile.Location{locRaw}, Value: []int64{0}},
			{Location: []*profile.Location{locRaw}, Value: []int64{-3}},
			{Value: []int64{1}},
		},
		Location: []*profile.Location{locA, locRaw},
		Function: []*profile.Function{fnA, fnB},
	}
	var b bytes.Buffer
	if err := p.WriteUncompressed(&b); err != nil {
		t.Fatal(err)
	}
	snaps, err := Read(context.Background(), "synthetic", &b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := snaps[0]
	if err := checkSnapshot(s); err != nil {
		t.Fatal(err)
	}
	if len(s.Goroutines) != 2 || s.Total != 5 {
		t.Fatalf("%d goroutines, total %d: want 2 samples totalling 5 (the 0 and -3 samples skipped)", len(s.Goroutines), s.Total)
	}
	if got := warningKinds(s); len(got) != 2 || got[0] != WarnMalformed || got[1] != WarnMalformed {
		t.Errorf("warnings %v, want two malformed", s.Warnings)
	}
	g := s.Goroutines[0]
	if got := g.Labels.String(); got != "{a=1, b=2, n=512 bytes}" {
		t.Errorf("labels %s", got)
	}
	want := []string{"main.a", "main.b", "0x4a5b3f"}
	if got := funcNames(g.Stack); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("stack %v, want %v", got, want)
	}
	if !g.Stack.Frames[0].Inlined || g.Stack.Frames[1].Inlined {
		t.Errorf("inlined flags %v %v, want true false", g.Stack.Frames[0].Inlined, g.Stack.Frames[1].Inlined)
	}
	if st := s.Goroutines[1].Stack; st == nil || len(st.Frames) != 0 {
		t.Errorf("sample without locations: stack %v, want empty", st)
	}
}

// capturedFacts is what TestReadCapturedFixtures needs of a captured
// fixtures MANIFEST.json (written by fixtures/gen).
type capturedFacts struct {
	GoVersion string `json:"go_version"`
	Scenarios map[string]struct {
		Facts struct {
			Kind   string `json:"kind"`
			Infra  int    `json:"infra_goroutines"`
			Groups []struct {
				Name      string            `json:"name"`
				Func      string            `json:"func"`
				Count     int               `json:"count"`
				Tolerance int               `json:"tolerance"`
				Leaked    bool              `json:"leaked"`
				Labels    map[string]string `json:"labels"`
			} `json:"groups"`
		} `json:"facts"`
		Files map[string]json.RawMessage `json:"files"`
	} `json:"scenarios"`
}

// TestReadCapturedFixtures reads the profiles captured from the fixture
// scenarios under the real runtime (fixtures/captured/<go>/<scenario>/,
// or the directory in $GORENSIC_CAPTURED) and checks them against the
// facts each scenario declares about itself in MANIFEST.json.
func TestReadCapturedFixtures(t *testing.T) {
	root := os.Getenv("GORENSIC_CAPTURED")
	if root == "" {
		root = filepath.Join("..", "fixtures", "captured")
	}
	manifests, _ := filepath.Glob(filepath.Join(root, "*", "MANIFEST.json"))
	if len(manifests) == 0 {
		t.Skipf("no captured fixtures in %s (run go generate ./fixtures/)", root)
	}
	for _, mpath := range manifests {
		data, err := os.ReadFile(mpath)
		if err != nil {
			t.Fatal(err)
		}
		var m capturedFacts
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", mpath, err)
		}
		for name, sc := range m.Scenarios {
			if sc.Facts.Kind != "alive" {
				continue
			}
			dir := filepath.Join(filepath.Dir(mpath), name)
			t.Run(m.GoVersion+"/"+name, func(t *testing.T) {
				facts := sc.Facts
				tol, total := 0, 0
				for _, g := range facts.Groups {
					tol += g.Tolerance
					total += g.Count
				}
				read := func(file string, formats ...Format) *Snapshot {
					t.Helper()
					s := readOneSnapshot(t, filepath.Join(dir, file))
					if !slices.Contains(formats, s.Source.Format) {
						t.Errorf("%s: format %s, want %v", file, s.Source.Format, formats)
					}
					if len(s.Warnings) != 0 {
						t.Errorf("%s: warnings %v", file, s.Warnings)
					}
					return s
				}
				// Profiles have no states, which the facts use with Func to
				// tell groups apart, so each sample goes to the group whose
				// Func is innermost in its stack; the goroutine serving the
				// profile request (net/http/pprof) belongs to none.
				groupCounts := func(s *Snapshot) []int {
					counts := make([]int, len(facts.Groups))
					for _, g := range s.Goroutines {
						best, bestAt := -1, len(g.Stack.Frames)
						for i, f := range g.Stack.Frames {
							if strings.HasPrefix(f.Function, "net/http/pprof.") {
								best = -1
								break
							}
							for gi, fg := range facts.Groups {
								if f.Function == fg.Func && i < bestAt {
									best, bestAt = gi, i
								}
							}
						}
						if best < 0 {
							continue
						}
						counts[best] += g.Count
						for k, v := range facts.Groups[best].Labels {
							if got, _ := g.Labels.Get(k); got != v {
								t.Errorf("%s: goroutines of group %s lack label %s=%s: %v", s.Source.Format, facts.Groups[best].Name, k, v, g.Labels)
							}
						}
					}
					return counts
				}
				for _, p := range []struct {
					file   string
					format Format
				}{{"goroutine-debug0.pb.gz", FormatDebug0}, {"goroutine-debug1.txt", FormatDebug1}} {
					if _, ok := sc.Files[p.file]; !ok {
						continue
					}
					s := read(p.file, p.format)
					counts := groupCounts(s)
					for gi, g := range facts.Groups {
						if n := counts[gi]; n < g.Count-g.Tolerance || n > g.Count+g.Tolerance {
							t.Errorf("%s: group %s: %d goroutines in %s, want %d±%d", p.file, g.Name, n, g.Func, g.Count, g.Tolerance)
						}
					}
					if want := total + facts.Infra; s.Total < want-tol-1 || s.Total > want+tol+1 {
						t.Errorf("%s: total %d, want about %d (groups %d + infra %d)", p.file, s.Total, want, total, facts.Infra)
					}
				}
				for _, p := range []struct {
					file   string
					format Format
				}{{"goroutineleak-debug0.pb.gz", FormatLeakDebug0}, {"goroutineleak-debug1.txt", FormatLeakDebug1}} {
					if _, ok := sc.Files[p.file]; !ok {
						continue
					}
					s := read(p.file, p.format)
					counts := groupCounts(s)
					leaked := 0
					for gi, g := range facts.Groups {
						want := 0
						if g.Leaked {
							want = g.Count
							leaked += g.Count
						}
						if n := counts[gi]; n < want-g.Tolerance || n > want+g.Tolerance {
							t.Errorf("%s: group %s: %d leaked goroutines in %s, want %d", p.file, g.Name, n, g.Func, want)
						}
					}
					if s.Total < leaked-tol || s.Total > leaked+tol {
						t.Errorf("%s: %d leaked goroutines, want %d", p.file, s.Total, leaked)
					}
				}
				for _, p := range []struct {
					proto, text string
					format      Format
				}{{"mutex.pb.gz", "mutex-debug1.txt", FormatMutex}, {"block.pb.gz", "block-debug1.txt", FormatBlock}} {
					for _, file := range []string{p.proto, p.text} {
						if _, ok := sc.Files[file]; !ok {
							continue
						}
						// fixtures/gen saves contention profiles only when they
						// have samples, so the kind is always decidable.
						s := read(file, p.format)
						own := false
						for _, smp := range s.Contention.Samples {
							for _, f := range smp.Stack.Frames {
								own = own || strings.HasPrefix(f.Function, "main.")
							}
						}
						if !own {
							t.Errorf("%s: no sample in the scenario's own code", file)
						}
					}
				}
			})
		}
	}
}

// TestReadProfileRuntimeUnsupported feeds the profiles this process's
// runtime writes that gorensic does not read: each is recognised as a
// profile and refused by name (CPU profiles start with time_nanos, the
// others with period_type).
func TestReadProfileRuntimeUnsupported(t *testing.T) {
	var cpu bytes.Buffer
	if err := pprof.StartCPUProfile(&cpu); err != nil {
		t.Skipf("CPU profiling unavailable: %v", err)
	}
	for end := time.Now().Add(30 * time.Millisecond); time.Now().Before(end); {
	}
	pprof.StopCPUProfile()
	profiles := map[string][]byte{"cpu": cpu.Bytes()}
	for _, name := range []string{"heap", "allocs", "threadcreate"} {
		var b bytes.Buffer
		if err := pprof.Lookup(name).WriteTo(&b, 0); err != nil {
			t.Fatal(err)
		}
		profiles[name] = b.Bytes()
	}
	want := map[string]string{"cpu": "cpu", "heap": "heap", "allocs": "heap", "threadcreate": "threadcreate"}
	for name, data := range profiles {
		_, err := Read(context.Background(), name+".pb.gz", bytes.NewReader(data), Options{})
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), name+".pb.gz: "+want[name]+" profile: gorensic reads goroutine, goroutineleak, mutex and block profiles") {
			t.Errorf("%s: error %v, want %s profile unsupported", name, err, want[name])
		}
	}
}
