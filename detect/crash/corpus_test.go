package crash

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
	"github.com/gorensic/gorensic/parse"
)

const corpusDir = "../../../shared/corpus/dumps"

// corpusFindings runs the detector over every snapshot of a corpus file.
func corpusFindings(t *testing.T, name string) []detect.Finding {
	t.Helper()
	path := filepath.Join(corpusDir, name)
	snaps, err := parse.ReadFile(context.Background(), path, parse.Options{})
	if errors.Is(err, parse.ErrUnrecognized) {
		return nil // not a dump (the parse tests pin which files and why)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return dumptest.RunSnapshots(t, Detector, snaps...)
}

func skipWithoutCorpus(t *testing.T) {
	t.Helper()
	dumptest.Corpus(t, corpusDir)
}

func TestCorpusCrashes(t *testing.T) {
	skipWithoutCorpus(t)
	tests := []struct {
		file    string
		key     string // class; "" for no finding at warning or above
		culprit string
		title   string // substring of the title
		sev     detect.Severity
	}{
		{file: "mhub-go1.3-send-on-closed-channel.txt", key: "send-on-closed-channel",
			culprit: "github.com/funkygao/mhub/broker.(*incomingConn).submit", title: "panic: runtime error: send on closed channel in broker.(*incomingConn).submit"},
		{file: "issues/ibenchmark-2-concurrent-map-writes.txt", key: "concurrent-map-access",
			culprit: "main.handle_request", title: "fatal error: concurrent map writes in main.handle_request"},
		{file: "issues/kanali-12-log-prefixed-concurrent-map.txt", key: "concurrent-map-access",
			culprit: "github.com/northwesternmutual/kanali/monitor.GetCtxMetric", title: "concurrent map read and map write in monitor.GetCtxMetric"},
		{file: "issues/grtm-4-concurrent-map-read-write-windows.txt", key: "concurrent-map-access",
			culprit: "github.com/scottkiss/grtm.(*GrManager).NewLoopGoroutine.func1", title: "concurrent map read and map write in grtm.(*GrManager).NewLoopGoroutine.func1"},
		{file: "issues/golang-go-17384-cgo-sigsegv-darwin.txt", key: "cgo-signal",
			culprit: "robotgo._Cfunc_akeyTap", title: "in C code called through robotgo._Cfunc_akeyTap from robotgo.AKeyTap"},
		{file: "issues/gominer-30-sigabrt-glued-to-output.txt", key: "cgo-abort",
			culprit: "github.com/robvanmieghem/go-opencl/cl._Cfunc_clEnqueueWriteBuffer", title: "SIGABRT: abort during cgo execution in C code called through cl._Cfunc_clEnqueueWriteBuffer"},
		{file: "issues/onnxruntime-go-95-cgo-go1.23-gp-m.txt", key: "cgo-signal",
			culprit: "runtime.cgocall", title: "SIGSEGV: segmentation violation during cgo execution (addr=0x20) in C code (the calling Go frames are not in the dump)"},
		{file: "issues/golang-go-10300-windows-cgo-exception-mojibake.txt", key: "windows-exception",
			culprit: "syscall.AcceptEx", title: "Exception 0xc0000005"},
		{file: "issues/golang-go-23579-unexpected-return-pc-hexdump.txt", key: "runtime-signal",
			culprit: "", title: "fatal error: unexpected signal during runtime execution (SIGSEGV addr=0xc438deee28) at pc=0x7f2ab252faa4, no readable stack"},
		{file: "issues/tidb-57054-timer-firings-go1.23.txt", key: "timer-firings",
			culprit: "runtime.(*timer).unlockAndRun", title: "fatal error: too many concurrent timer firings in runtime.(*timer).unlockAndRun"},
		// Deadlocks are the deadlock detector's; SIGQUIT dumps are requests.
		{file: "issues/dockerize-2-go1.3-deadlock.txt"},
		{file: "issues/git-hound-73-deadlock-chan-send.txt"},
		{file: "felixge-runtime-stack-then-sigquit.txt"},
		{file: "issues/moby-44831-dockerd-sigquit-head.txt"},
		{file: "issues/moby-44791-dockerd-sigquit-tail.txt"},
		// Dumps without a crash header.
		{file: "gostackparse-lockedm.txt"},
		{file: "nzbrex-go1.24.3.txt"},
		{file: "race-autonity-tendermint.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fs := corpusFindings(t, tt.file)
			for _, f := range fs {
				t.Logf("%s %s key=%s culprit=%s: %s", f.Severity, f.Confidence, f.Key, fn(f.Culprit), f.Title)
			}
			var loud []detect.Finding
			for _, f := range fs {
				if f.Severity >= detect.SeverityWarning {
					loud = append(loud, f)
				}
			}
			if tt.key == "" {
				if len(loud) != 0 {
					t.Errorf("got %d findings at warning or above, want none", len(loud))
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want exactly one", len(fs))
			}
			f := fs[0]
			if f.Key != tt.key {
				t.Errorf("key = %q, want %q", f.Key, tt.key)
			}
			if got := fn(f.Culprit); got != tt.culprit && !(tt.culprit == "" && f.Culprit == nil) {
				t.Errorf("culprit = %q, want %q", got, tt.culprit)
			}
			if !strings.Contains(f.Title, tt.title) {
				t.Errorf("title = %q, want it to contain %q", f.Title, tt.title)
			}
			if f.Severity != detect.SeverityCritical || f.Confidence != detect.ConfidenceCertain {
				t.Errorf("severity/confidence = %s/%s, want critical/certain", f.Severity, f.Confidence)
			}
			if strings.Contains(f.Title, "\n") {
				t.Errorf("title has a newline: %q", f.Title)
			}
			if f.Remedy == "" {
				t.Error("no remedy")
			}
		})
	}
}

// TestCorpusNoCrashOutsideCrashDumps runs over every dump of the corpus:
// only the crash dumps above may produce a finding, exactly one each, and
// nothing panics on malformed input.
func TestCorpusEveryDump(t *testing.T) {
	skipWithoutCorpus(t)
	crashes := map[string]bool{
		"mhub-go1.3-send-on-closed-channel.txt":                     true,
		"issues/ibenchmark-2-concurrent-map-writes.txt":             true,
		"issues/kanali-12-log-prefixed-concurrent-map.txt":          true,
		"issues/grtm-4-concurrent-map-read-write-windows.txt":       true,
		"issues/golang-go-17384-cgo-sigsegv-darwin.txt":             true,
		"issues/gominer-30-sigabrt-glued-to-output.txt":             true,
		"issues/onnxruntime-go-95-cgo-go1.23-gp-m.txt":              true,
		"issues/golang-go-10300-windows-cgo-exception-mojibake.txt": true,
		"issues/golang-go-23579-unexpected-return-pc-hexdump.txt":   true,
		"issues/tidb-57054-timer-firings-go1.23.txt":                true,
	}
	err := filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, path)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			fs := corpusFindings(t, rel)
			want := 0
			if crashes[rel] {
				want = 1
			}
			if len(fs) != want {
				for _, f := range fs {
					t.Logf("%s %s: %s", f.Severity, f.Key, f.Title)
				}
				t.Errorf("got %d findings, want %d", len(fs), want)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fn(f *parse.Frame) string {
	if f == nil {
		return ""
	}
	return f.Function
}
