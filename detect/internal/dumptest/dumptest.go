// Package dumptest writes small goroutine dumps in the runtime's debug=2
// text format for the detectors' unit tests, and runs detectors over them.
// Acceptance tests use real captures (fixtures, corpus); these pin one
// shape each.
package dumptest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/trace"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// G is one goroutine of a dump.
type G struct {
	ID      int
	State   string // "sync.Mutex.Lock", "syscall", ...
	Minutes int    // wait age; 0 prints none
	Locked  bool   // ", locked to thread"
	// Frames, innermost first, each "function file:line"; a frame
	// without a file gets /app/main.go:10.
	Frames    []string
	CreatedBy string // "function file:line in goroutine N", "" for none
}

// Dump formats goroutines as runtime.Stack(all) does.
func Dump(gs ...G) string {
	var b strings.Builder
	for i, g := range gs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "goroutine %d [%s", g.ID, g.State)
		if g.Minutes > 0 {
			fmt.Fprintf(&b, ", %d minutes", g.Minutes)
		}
		if g.Locked {
			b.WriteString(", locked to thread")
		}
		b.WriteString("]:\n")
		for _, fr := range g.Frames {
			fn, loc, ok := strings.Cut(fr, " ")
			if !ok {
				loc = "/app/main.go:10"
			}
			fmt.Fprintf(&b, "%s(...)\n\t%s +0x1d\n", fn, loc)
		}
		if g.CreatedBy != "" {
			fn, loc, ok := strings.Cut(g.CreatedBy, " ")
			if !ok {
				loc = "/app/main.go:5"
			}
			in := ""
			if j := strings.Index(loc, " in goroutine "); j >= 0 {
				loc, in = loc[:j], loc[j:]
			}
			fmt.Fprintf(&b, "created by %s%s\n\t%s +0x2e\n", fn, in, loc)
		}
	}
	return b.String()
}

// Gs makes n goroutines from template g with IDs first, first+1, ...
func Gs(first, n int, g G) []G {
	out := make([]G, n)
	for i := range out {
		out[i] = g
		out[i].ID = first + i
	}
	return out
}

// Cat joins lists of goroutines.
func Cat(parts ...[]G) []G {
	var out []G
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Snapshot parses text, which must hold exactly one snapshot.
func Snapshot(t testing.TB, text string) *parse.Snapshot {
	t.Helper()
	snaps, err := parse.Read(context.Background(), "test.txt", strings.NewReader(text), parse.Options{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(snaps) != 1 {
		t.Fatalf("got %d snapshots, want 1", len(snaps))
	}
	return snaps[0]
}

// Run parses text and runs d over every snapshot in it with the default
// config.
func Run(t testing.TB, d *detect.Detector, text string) []detect.Finding {
	t.Helper()
	snaps, err := parse.Read(context.Background(), "test.txt", strings.NewReader(text), parse.Options{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return RunSnapshots(t, d, snaps...)
}

// RunSnapshots runs d over every snapshot with the default config.
func RunSnapshots(t testing.TB, d *detect.Detector, snaps ...*parse.Snapshot) []detect.Finding {
	t.Helper()
	var out []detect.Finding
	for _, s := range snaps {
		res, err := detect.Run(context.Background(), s, []*detect.Detector{d}, detect.DefaultConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Findings...)
	}
	return out
}

// Findings reads path and runs d over every snapshot in it, failing the
// test when the file cannot be read.
func Findings(t testing.TB, d *detect.Detector, path string) []detect.Finding {
	t.Helper()
	snaps, err := parse.ReadFile(context.Background(), path, parse.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return RunSnapshots(t, d, snaps...)
}

// EachPrefix parses each prefix of whole lines of path, up to its first
// max lines (0: all), runs d over every snapshot of it and calls check
// with the number of lines and that snapshot's findings. Prefixes that do
// not parse yet are skipped.
func EachPrefix(t testing.TB, d *detect.Detector, path string, max int, check func(n int, fs []detect.Finding)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if max > 0 && len(lines) > max {
		lines = lines[:max]
	}
	for n := 1; n <= len(lines); n++ {
		text := strings.Join(lines[:n], "")
		snaps, err := parse.Read(context.Background(), path, strings.NewReader(text), parse.Options{})
		if err != nil {
			continue // not recognisable yet
		}
		for _, s := range snaps {
			res, err := detect.Run(context.Background(), s, []*detect.Detector{d}, detect.DefaultConfig(), nil)
			if err != nil {
				t.Fatalf("%s, %d lines: %v", path, n, err)
			}
			check(n, res.Findings)
		}
	}
}

// Corpus returns dir, a directory of the shared corpus (e.g.
// "../../../shared/corpus"), skipping the test when it is absent.
func Corpus(t testing.TB, dir string) string {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not available at %s (%v): the shared corpus is not part of the repository", dir, err)
	}
	return dir
}

// StartTrace starts an execution trace of this process, skipping the test
// when tracing is already on or cannot start. The returned stop ends the
// trace and parses it.
func StartTrace(t testing.TB) (stop func() *parse.Snapshot) {
	t.Helper()
	if trace.IsEnabled() {
		t.Skip("tracing already enabled")
	}
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skip("cannot trace:", err)
	}
	return func() *parse.Snapshot {
		t.Helper()
		trace.Stop()
		snaps, err := parse.Read(context.Background(), "trace.out", &buf, parse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return snaps[0]
	}
}

// Only checks that every finding at warning or above has a culprit whose
// function ends in suffix, and returns the last of them; it fails the
// test, listing the findings, when there is none.
func Only(t testing.TB, fs []detect.Finding, suffix string) *detect.Finding {
	t.Helper()
	var found *detect.Finding
	for i, f := range fs {
		if f.Severity < detect.SeverityWarning {
			continue
		}
		if f.Culprit == nil || !strings.HasSuffix(f.Culprit.Function, suffix) {
			t.Errorf("unexpected finding %v %q", f.Severity, f.Title)
			continue
		}
		found = &fs[i]
	}
	if found == nil {
		for _, f := range fs {
			t.Log(f.Severity, f.Title)
		}
		t.Fatalf("no finding for %s; findings: %d", strings.TrimPrefix(suffix, "."), len(fs))
	}
	return found
}

// OneOrNone checks that fs holds exactly one finding when want is true,
// and returns it, or none when want is false, and returns nil; it fails
// the test otherwise.
func OneOrNone(t testing.TB, fs []detect.Finding, want bool) *detect.Finding {
	t.Helper()
	if !want {
		if len(fs) != 0 {
			t.Fatalf("want no finding, got:\n%s", Describe(fs))
		}
		return nil
	}
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got:\n%s", Describe(fs))
	}
	return &fs[0]
}

// Notes lists the notes of a finding's evidence, in order.
func Notes(f detect.Finding) []string {
	var notes []string
	for _, e := range f.Stacks {
		notes = append(notes, e.Note)
	}
	return notes
}

// Describe formats findings one per line for failure messages.
func Describe(fs []detect.Finding) string {
	if len(fs) == 0 {
		return "\t(no findings)"
	}
	var b strings.Builder
	for _, f := range fs {
		c := "-"
		if f.Culprit != nil {
			c = f.Culprit.Function
		}
		fmt.Fprintf(&b, "\t%s %s %s n=%d culprit=%s: %s\n", f.Severity, f.Confidence, f.Kind, f.Count, c, f.Title)
	}
	return b.String()
}

// Frames of the runtime and package sync that tests put under a lock wait.
var (
	MutexLock = []string{
		"runtime.gopark /usr/local/go/src/runtime/proc.go:435",
		"runtime.goparkunlock /usr/local/go/src/runtime/proc.go:441",
		"runtime.semacquire1 /usr/local/go/src/runtime/sema.go:188",
		"internal/sync.runtime_SemacquireMutex /usr/local/go/src/runtime/sema.go:95",
		"internal/sync.(*Mutex).lockSlow /usr/local/go/src/internal/sync/mutex.go:149",
		"internal/sync.(*Mutex).Lock /usr/local/go/src/internal/sync/mutex.go:70",
		"sync.(*Mutex).Lock /usr/local/go/src/sync/mutex.go:46",
	}
	RLock = []string{
		"runtime.gopark /usr/local/go/src/runtime/proc.go:435",
		"runtime.semacquire1 /usr/local/go/src/runtime/sema.go:188",
		"sync.runtime_SemacquireRWMutexR /usr/local/go/src/runtime/sema.go:100",
		"sync.(*RWMutex).RLock /usr/local/go/src/sync/rwmutex.go:74",
	}
	WLock = []string{
		"runtime.gopark /usr/local/go/src/runtime/proc.go:435",
		"runtime.semacquire1 /usr/local/go/src/runtime/sema.go:188",
		"sync.runtime_SemacquireRWMutex /usr/local/go/src/runtime/sema.go:105",
		"sync.(*RWMutex).Lock /usr/local/go/src/sync/rwmutex.go:155",
	}
	Sleep = []string{
		"time.Sleep /usr/local/go/src/runtime/time.go:363",
	}
	ChanRecv = []string{
		"runtime.gopark /usr/local/go/src/runtime/proc.go:435",
		"runtime.chanrecv /usr/local/go/src/runtime/chan.go:664",
		"runtime.chanrecv1 /usr/local/go/src/runtime/chan.go:506",
	}
	Select = []string{
		"runtime.gopark /usr/local/go/src/runtime/proc.go:435",
		"runtime.selectgo /usr/local/go/src/runtime/select.go:351",
	}
	Read = []string{
		"syscall.Syscall /usr/local/go/src/syscall/syscall_linux.go:73",
		"syscall.read /usr/local/go/src/syscall/zsyscall_linux_amd64.go:736",
		"syscall.Read /usr/local/go/src/syscall/syscall_unix.go:183",
	}
)

// Stack joins frame lists: Stack(MutexLock, "main.(*cache).Get /app/c.go:20").
func Stack(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("dumptest.Stack: %T", p))
		}
	}
	return out
}

// CorpusFiles lists the goroutine dumps and profiles of the shared corpus
// (dir is its path, e.g. "../../../shared/corpus"), skipping the test when
// the corpus is absent.
func CorpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for _, sub := range []string{"dumps", "goroutine-pprof"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Skipf("corpus not available at %s (%v): the corpus tests need ../shared/corpus beside the repository", dir, err)
		}
	}
	return files
}

// RunFile reads a file and runs d over every snapshot in it.
func RunFile(t testing.TB, d *detect.Detector, path string) []detect.Finding {
	t.Helper()
	snaps, err := parse.ReadFile(context.Background(), path, parse.Options{})
	if err != nil {
		return nil // unreadable inputs are the parser's tests' business
	}
	return RunSnapshots(t, d, snaps...)
}

// CheckTop checks the top finding of fs, the first at warning or above:
// with sev below zero there must be none; otherwise it must be at sev, in
// culprit, with a count of at least count. what names the kind in
// messages.
func CheckTop(t testing.TB, fs []detect.Finding, what string, sev detect.Severity, culprit string, count int) {
	t.Helper()
	var top *detect.Finding
	for i := range fs {
		if fs[i].Severity >= detect.SeverityWarning {
			top = &fs[i]
			break
		}
	}
	switch {
	case sev < 0 && top != nil:
		t.Errorf("want nothing at warning or above, got %s %s: %s", top.Severity, top.Culprit.Function, top.Title)
	case sev < 0:
	case top == nil:
		t.Errorf("want a %s %s at %s, got nothing at warning or above", sev, what, culprit)
	case top.Severity != sev || top.Culprit.Function != culprit || top.Count < count:
		t.Errorf("top finding is %s %s count=%d (%s), want %s %s count>=%d", top.Severity, top.Culprit.Function, top.Count, top.Title, sev, culprit, count)
	}
}

// Expect is what a corpus file must yield: its top finding, at least at
// a severity.
type Expect struct {
	Culprit     string
	MinSeverity detect.Severity
}

// CheckCorpus runs d over every corpus file: a file in want must yield a
// top finding (the first at warning or above) with that culprit and at
// least that severity; every other file must yield nothing at warning or
// above. Keys of want are paths relative to dir.
func CheckCorpus(t *testing.T, d *detect.Detector, dir string, want map[string]Expect) {
	t.Helper()
	seen := make(map[string]bool)
	for _, path := range CorpusFiles(t, dir) {
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		fs := RunFile(t, d, path)
		var loud []detect.Finding
		for _, f := range fs {
			if f.Severity >= detect.SeverityWarning {
				loud = append(loud, f)
			}
		}
		w, ok := want[rel]
		if !ok {
			if len(loud) > 0 {
				t.Errorf("%s: want nothing at warning or above, got:\n%s", rel, Describe(loud))
			}
			continue
		}
		seen[rel] = true
		if len(loud) == 0 || loud[0].Culprit == nil || loud[0].Culprit.Function != w.Culprit || loud[0].Severity < w.MinSeverity {
			t.Errorf("%s: want top finding in %s at %s or above, got:\n%s", rel, w.Culprit, w.MinSeverity, Describe(fs))
		}
	}
	for rel := range want {
		if !seen[rel] {
			t.Errorf("%s: not in the corpus", rel)
		}
	}
}
