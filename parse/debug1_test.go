package parse

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestReadDebug1Corpus(t *testing.T) {
	type group struct {
		count int
		fn    string // a function in the group's stack
	}
	tests := []struct {
		file    string
		total   int
		samples int
		labels  int // labelled goroutines
		groups  []group
		goVer   string
	}{
		{"erigon-20161-goroutines-debug1.txt", 20161, 168, 0, []group{
			{12096, "github.com/anacrolix/torrent.(*webseedPeer).requester"},
			{2280, "github.com/anacrolix/torrent.(*trackerScraper).Run.func1"},
			{1830, "github.com/anacrolix/torrent.(*trackerScraper).Run"},
			{1080, "github.com/ledgerwatch/erigon/cl/phase1/stages.ConsensusClStages.func8.1"},
		}, ""},
		{"nats-jetstream-7046-goroutines-debug1.txt", 7046, 30, 0, []group{
			{1004, "github.com/nats-io/nats-server/v2/server.(*raft).fileWriter"},
			{1001, "github.com/nats-io/nats-server/v2/server.(*consumerFileStore).flushLoop"},
			{1001, "github.com/nats-io/nats-server/v2/server.(*jetStream).monitorConsumer"},
			{1000, "internal/poll.runtime_pollWait"},
		}, ""},
		{"felixge-goroutine-debug1.txt", 10, 9, 7, []group{
			{2, "main.shortSleepLoop"},
			{1, "main.chanReceiveForever"},
		}, "go1.15.6"},
		{"felixge-lookup-goroutine-debug1.txt", 9, 8, 7, []group{
			{2, "main.shortSleepLoop"},
		}, "go1.15.6"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := readOneSnapshot(t, corpusPath(t, "goroutine-pprof", tt.file))
			if s.Source.Format != FormatDebug1 {
				t.Errorf("format %s", s.Source.Format)
			}
			if s.Total != tt.total || s.GoroutineCount() != tt.total {
				t.Errorf("total %d, goroutines %d, want %d", s.Total, s.GoroutineCount(), tt.total)
			}
			if len(s.Goroutines) != tt.samples {
				t.Errorf("%d samples, want %d", len(s.Goroutines), tt.samples)
			}
			for i, want := range tt.groups {
				g := s.Goroutines[i]
				if g.Count != want.count || !hasFunction(g.Stack, want.fn) {
					t.Errorf("sample %d: %d in %v, want %d in %s", i, g.Count, funcNames(g.Stack), want.count, want.fn)
				}
			}
			labelled := 0
			for _, g := range s.Goroutines {
				if g.Labels != nil {
					labelled += g.Count
				}
				if g.Line <= s.Source.Line {
					t.Errorf("sample line %d not after the header", g.Line)
				}
			}
			if labelled != tt.labels {
				t.Errorf("%d labelled goroutines, want %d", labelled, tt.labels)
			}
			wantCaps := CapGroupedCounts
			if tt.labels > 0 {
				wantCaps |= CapLabels
			}
			if s.Caps != wantCaps {
				t.Errorf("caps %s, want %s", s.Caps, wantCaps)
			}
			if s.Source.GoVersion != tt.goVer {
				t.Errorf("go version %q, want %q", s.Source.GoVersion, tt.goVer)
			}
			if len(s.Warnings) != 0 {
				t.Errorf("warnings: %v", s.Warnings)
			}
		})
	}
}

// TestReadDebug1Erigon checks the stack of the erigon leak: debug=1 hides
// the leading runtime frames, and files are kept as printed (relative: the
// binary was built with -trimpath).
func TestReadDebug1Erigon(t *testing.T) {
	s := readOneSnapshot(t, corpusPath(t, "goroutine-pprof", "erigon-20161-goroutines-debug1.txt"))
	st := s.Goroutines[0].Stack
	if got := st.Frames[0].Function; got != "sync.runtime_notifyListWait" {
		t.Errorf("innermost frame %s, want sync.runtime_notifyListWait (runtime.gopark is hidden at debug=1)", got)
	}
	if f := st.Frames[1]; f.Function != "sync.(*Cond).Wait" || f.Line != 70 || f.File != "sync/cond.go" || f.PC != 0x4aed24 {
		t.Errorf("frame 1: %s %s:%d pc %#x", f.Function, f.File, f.Line, f.PC)
	}
	for _, f := range st.Frames {
		if f.Runtime {
			t.Errorf("runtime frame %s in a debug=1 stack of a parked goroutine", f.Function)
		}
	}
}

// readDebug1String runs readDebug1 on in and returns the snapshot and the
// lines left in the reader.
func readDebug1String(t *testing.T, in string, read textReaderFunc) (*Snapshot, []string, error) {
	t.Helper()
	lr := newLineReader("in.txt", bufio.NewReader(strings.NewReader(in)), 1<<10)
	s, err := read(context.Background(), "in.txt", lr, NewInterner())
	var rest []string
	for {
		line, ok := lr.readLine()
		if !ok {
			break
		}
		rest = append(rest, string(line))
	}
	if s != nil {
		if cerr := checkSnapshot(s); cerr != nil {
			t.Fatalf("inconsistent snapshot: %v", cerr)
		}
	}
	return s, rest, err
}

const felixgeSample = "2 @ 0x103b125 0x106cd1f 0x13ac44a 0x106fd81\n" +
	"# labels: {\"test_label\":\"test_value\"}\n" +
	"#\t0x106cd1e\ttime.Sleep+0xbe\t\t\t/usr/local/go/src/runtime/time.go:188\n" +
	"#\t0x13ac449\tmain.shortSleepLoop+0x29\t/src/main.go:165\n" +
	"\n"

func TestReadDebug1Cases(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		format   Format
		total    int
		counts   []int
		stack0   string // functions of the first sample, innermost first
		labels0  string
		warnings []WarningKind
		warnLine int // line of the first warning
		rest     []string
	}{{
		name:   "stops at the first foreign line and hands it back",
		in:     "goroutine profile: total 3\n" + felixgeSample + "1 @ 0x1\n#\t0x0\tmain.f+0x0\t/x.go:1\n\nlog: done\ngoroutine 1 [running]:\n",
		format: FormatDebug1, total: 3, counts: []int{2, 1},
		stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
		rest: []string{"log: done", "goroutine 1 [running]:"},
	}, {
		name:   "a second profile header ends the first",
		in:     "goroutine profile: total 2\n" + felixgeSample + "goroutine profile: total 1\n1 @ 0x1\n",
		format: FormatDebug1, total: 2, counts: []int{2},
		stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
		rest: []string{"goroutine profile: total 1", "1 @ 0x1"},
	}, {
		name:   "a goroutine with no symbol lines (only runtime.goexit) at the end without newline",
		in:     "goroutine profile: total 3\n" + felixgeSample + "1 @ 0x467ba1",
		format: FormatDebug1, total: 3, counts: []int{2, 1}, stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
	}, {
		name:   "truncated after some samples",
		in:     "goroutine profile: total 10\n" + felixgeSample + "3 @ 0x1 0x2\n#\t0x0\tmain.g+0x0\t/x.go:3\n",
		format: FormatDebug1, total: 10, counts: []int{2, 3}, stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
		warnings: []WarningKind{WarnTruncated}, warnLine: 8,
	}, {
		name:   "truncated inside a symbol line",
		in:     "goroutine profile: total 2\n" + strings.TrimSuffix(felixgeSample, "/src/main.go:165\n\n") + "/src/ma",
		format: FormatDebug1, total: 2, counts: []int{2}, stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
		warnings: []WarningKind{WarnMalformed, WarnTruncated}, warnLine: 5,
	}, {
		name:   "cut at the start of a symbol line",
		in:     "goroutine profile: total 4\n" + felixgeSample + "2 @ 0x1\n#",
		format: FormatDebug1, total: 4, counts: []int{2, 2}, stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
		warnings: []WarningKind{WarnTruncated}, warnLine: 8, rest: []string{"#"},
	}, {
		name:   "text without newline after a complete profile is no cut",
		in:     "goroutine profile: total 2\n" + felixgeSample + "done",
		format: FormatDebug1, total: 2, counts: []int{2}, stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
		rest: []string{"done"},
	}, {
		name:   "header total differs from the samples",
		in:     "goroutine profile: total 7\n" + felixgeSample + "after\n",
		format: FormatDebug1, total: 7, counts: []int{2}, stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
		warnings: []WarningKind{WarnCountMismatch}, warnLine: 1, rest: []string{"after"},
	}, {
		name: "malformed lines are skipped with their line numbers",
		in: "goroutine profile: total 4\n" +
			"0 @ 0x1\n#\t0x1\tmain.zero+0x1\t/x.go:1\n\n" +
			"99999999999999999999 @ 0x1\n#\t0x1\tmain.huge+0x1\t/x.go:1\n\n" +
			"4 @ 0x1 zz\n#\tnothex\tmain.bad+0x1\t/x.go:1\n#\t0x2\tmain.ok+0x2\t/x.go:2\n",
		format: FormatDebug1, total: 4, counts: []int{4}, stack0: "main.ok",
		warnings: []WarningKind{WarnMalformed, WarnMalformed, WarnMalformed, WarnMalformed}, warnLine: 2,
	}, {
		name:   "goroutineleak profile",
		in:     "goroutineleak profile: total 3\n3 @ 0x1\n#\t0x4ddcdd\tmain.leakSend.func1+0x1d\t/src/main.go:19\n\n",
		format: FormatLeakDebug1, total: 3, counts: []int{3}, stack0: "main.leakSend.func1",
	}, {
		name:   "empty goroutineleak profile",
		in:     "goroutineleak profile: total 0\nrest\n",
		format: FormatLeakDebug1, total: 0, rest: []string{"rest"},
	}, {
		name: "log prefixes, CRLF and spaces for tabs",
		in: "2024-05-06T07:08:09Z app: goroutine profile: total 2\r\n" +
			"2024-05-06T07:08:10Z app: 2 @ 0x1 0x2\r\n" +
			"2024-05-06T07:08:10Z app: # labels: {\"a\\\"b\":\"c d\", \"e\":\"f\"}\r\n" +
			"2024-05-06T07:08:10Z app: # 0x4a5b3f main.work+0x3f C:/Program Files/src/main.go:12\r\n" +
			"2024-05-06T07:08:10Z app:\r\n" +
			"2024-05-06T07:08:11Z app: something else\r\n",
		format: FormatDebug1, total: 2, counts: []int{2}, stack0: "main.work", labels0: "{a\"b=c d, e=f}",
		rest: []string{"2024-05-06T07:08:11Z app: something else"},
	}, {
		name:   "unsymbolized addresses",
		in:     "goroutine profile: total 1\n1 @ 0x4a5b40\n#\t0x4a5b3f\n\n",
		format: FormatDebug1, total: 1, counts: []int{1}, stack0: "0x4a5b3f",
	}, {
		name:   "a markdown heading after the profile is not a symbol line",
		in:     "goroutine profile: total 2\n" + felixgeSample + "# Notes\n",
		format: FormatDebug1, total: 2, counts: []int{2}, stack0: "time.Sleep,main.shortSleepLoop", labels0: "{test_label=test_value}",
		rest: []string{"# Notes"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rest, err := readDebug1String(t, tt.in, readDebug1)
			if err != nil {
				t.Fatal(err)
			}
			if s == nil {
				t.Fatal("no snapshot")
			}
			if s.Source.Format != tt.format || s.Total != tt.total {
				t.Errorf("format %s total %d, want %s %d", s.Source.Format, s.Total, tt.format, tt.total)
			}
			var counts []int
			for _, g := range s.Goroutines {
				counts = append(counts, g.Count)
			}
			if !equalInts(counts, tt.counts) {
				t.Errorf("counts %v, want %v", counts, tt.counts)
			}
			if len(s.Goroutines) > 0 {
				g := s.Goroutines[0]
				if got := strings.Join(funcNames(g.Stack), ","); got != tt.stack0 {
					t.Errorf("first stack %s, want %s", got, tt.stack0)
				}
				if got := g.Labels.String(); got != tt.labels0 {
					t.Errorf("labels %s, want %s", got, tt.labels0)
				}
			}
			if got := warningKinds(s); !equalKinds(got, tt.warnings) {
				t.Errorf("warnings %v, want kinds %v", s.Warnings, tt.warnings)
			} else if len(got) > 0 && s.Warnings[0].Line != tt.warnLine {
				t.Errorf("first warning at line %d, want %d: %v", s.Warnings[0].Line, tt.warnLine, s.Warnings)
			}
			if strings.Join(rest, "|") != strings.Join(tt.rest, "|") {
				t.Errorf("left %q, want %q", rest, tt.rest)
			}
		})
	}
}

// TestReadDebug1Inlined checks that inlined calls are told apart from
// calls by the function entry their offsets share, and that a recursive
// call (same entry, same function) is not taken for one.
func TestReadDebug1Inlined(t *testing.T) {
	in := "goroutine profile: total 1\n1 @ 0x1\n" +
		"#\t0x10d91c4\tinternal/poll.(*pollDesc).waitRead+0x1a4\t/src/fd_poll_runtime.go:92\n" + // entry 0x10d9020
		"#\t0x10d91a2\tinternal/poll.(*FD).Read+0x182\t/src/fd_unix.go:159\n" + // entry 0x10d9020: waitRead inlined here
		"#\t0x2000\tmain.rec+0x100\t/src/main.go:5\n" + // entry 0x1f00
		"#\t0x2010\tmain.rec+0x110\t/src/main.go:6\n" + // entry 0x1f00: recursion, not inlining
		"#\t0x3000\tmain.main+0x10\t/src/main.go:9\n\n"
	s, _, err := readDebug1String(t, in, readDebug1)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, false, false, false}
	for i, f := range s.Goroutines[0].Stack.Frames {
		if f.Inlined != want[i] {
			t.Errorf("frame %d %s: inlined %v, want %v", i, f.Function, f.Inlined, want[i])
		}
	}
}

// TestReadDebug1InText reads a debug=1 profile embedded in other text
// through Read: the dump after it must still be read.
func TestReadDebug1InText(t *testing.T) {
	in := "starting\ngoroutine profile: total 2\n" + felixgeSample +
		"more log\n\ngoroutine 7 [chan receive]:\nmain.f()\n\t/src/main.go:3 +0x1d\n\n"
	snaps, err := Read(context.Background(), "mixed.log", strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 {
		t.Fatalf("%d snapshots, want 2", len(snaps))
	}
	if s := snaps[0]; s.Source.Format != FormatDebug1 || s.Source.Line != 2 || s.Source.Offset != 9 || s.Total != 2 {
		t.Errorf("first: %s line %d offset %d total %d", s.Source.Format, s.Source.Line, s.Source.Offset, s.Total)
	}
	if want := int64(len("goroutine profile: total 2\n" + felixgeSample)); snaps[0].Source.Bytes != want {
		t.Errorf("profile bytes %d, want %d", snaps[0].Source.Bytes, want)
	}
	if s := snaps[1]; s.Source.Format != FormatDebug2 || len(s.Goroutines) != 1 || s.Goroutines[0].ID != 7 {
		t.Errorf("second: %s with %d goroutines", s.Source.Format, len(s.Goroutines))
	}
}

func TestReadDebug1Cancelled(t *testing.T) {
	in := "goroutine profile: total 1\n" + strings.Repeat("#\t0x1\tmain.f+0x1\t/x.go:1\n", 10000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lr := newLineReader("big.txt", bufio.NewReader(strings.NewReader(in)), 1<<10)
	_, err := readDebug1(ctx, "big.txt", lr, NewInterner())
	var ie *InputError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ie) || ie.Name != "big.txt" {
		t.Errorf("error %v, want a cancellation naming the input", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalKinds(a, b []WarningKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReadDebug1CorruptGzip cuts a gzipped debug=1 profile in the middle:
// what was read is kept, and warnings say where and why it stopped.
func TestReadDebug1CorruptGzip(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	// Large enough that more than the 64 KiB Read sniffs is readable
	// before the cut.
	zw.Write([]byte("goroutine profile: total 2000\n" + strings.Repeat(felixgeSample, 1000)))
	zw.Close()
	cut := z.Bytes()[:z.Len()*3/4]
	snaps, err := Read(context.Background(), "cut.txt.gz", bytes.NewReader(cut), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := snaps[0]
	if err := checkSnapshot(s); err != nil {
		t.Fatal(err)
	}
	if n := s.GoroutineCount(); n == 0 || n >= 2000 || s.Total != 2000 || !s.Source.Compressed {
		t.Errorf("read %d of total %d (compressed %v): want some but not all of 2000", n, s.Total, s.Source.Compressed)
	}
	if !hasWarning(s, WarnTruncated) {
		t.Errorf("warnings %v, want truncation", s.Warnings)
	}
	t.Logf("warnings: %v", s.Warnings)
	for _, w := range s.Warnings {
		if w.Line <= 1 {
			t.Errorf("warning without a line: %v", w)
		}
	}
}

// TestReadDebug1HiddenFrames counts the leading runtime frames a debug=1
// profile hides: the addresses before the first printed one (a symbol line
// prints the return address minus one).
func TestReadDebug1HiddenFrames(t *testing.T) {
	in := "goroutine profile: total 402\n" +
		"200 @ 0x487fee 0x465085 0x689c2c 0x48f6e1\n" + // gopark, selectgo
		"#\t0x689c2b\tmain.(*streamServer).handle+0x22b\t/src/main.go:184\n\n" +
		"200 @ 0x487a8e 0x41797c 0x417577 0x68bf11 0x48f001\n" + // gopark, chansend, chansend1
		"#\t0x68bf10\tmain.fetch.func1+0x70\t/src/main.go:121\n\n" +
		"1 @ 0x1\n" + // no printed frame at any address: unknown
		"#\t0x2000\tmain.other+0x10\t/src/main.go:9\n\n" +
		"1 @ 0x3001 0x48f001\n" + // nothing hidden
		"#\t0x3000\tmain.main+0x10\t/src/main.go:9\n\n"
	s, _, err := readDebug1String(t, in, readDebug1)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{2, 3, 0, 0}
	if len(s.Goroutines) != len(want) {
		t.Fatalf("%d samples, want %d", len(s.Goroutines), len(want))
	}
	for i, g := range s.Goroutines {
		got := 0
		if g.Extra != nil {
			got = g.Extra.HiddenFrames
		}
		if got != want[i] {
			t.Errorf("sample %d: HiddenFrames %d, want %d", i, got, want[i])
		}
	}
}
