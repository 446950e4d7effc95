package crash

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

// findings runs the detector over every snapshot of a file.
func findings(t *testing.T, path string) []detect.Finding {
	t.Helper()
	return dumptest.Findings(t, Detector, path)
}

// TestRealCrashes checks every crash class on real go1.26 output
// (testdata/go1.26/README.md says how each file was made).
func TestRealCrashes(t *testing.T) {
	tests := []struct {
		file    string
		key     string
		culprit string
		title   []string // substrings of the title
		note    string   // substring of the first evidence note
	}{
		{"nil.txt", "nil-dereference", "main.(*server).lookup",
			[]string{"panic: runtime error: invalid memory address or nil pointer dereference in main.(*server).lookup"}, "crashing goroutine 19"},
		{"index.txt", "index-out-of-range", "main.index",
			[]string{"panic: runtime error: index out of range [6] with length 3 in main.index"}, ""},
		{"nilmap.txt", "nil-map-write", "main.fill", []string{"panic: assignment to entry in nil map in main.fill"}, ""},
		{"closeclosed.txt", "close-of-closed-channel", "main.closeTwice", []string{"close of closed channel in main.closeTwice"}, ""},
		{"sendclosed.txt", "send-on-closed-channel", "main.sendClosed", []string{"send on closed channel in main.sendClosed"}, ""},
		{"divide.txt", "divide-by-zero", "main.divide", []string{"integer divide by zero in main.divide"}, ""},
		{"assert.txt", "type-assertion", "main.assert", []string{"interface conversion: interface {} is int, not string in main.assert"}, ""},
		// The culprit is the caller of sync, not sync.(*WaitGroup).Add.
		{"wgneg.txt", "sync-misuse", "main.wgNeg", []string{"panic: sync: negative WaitGroup counter in main.wgNeg"}, ""},
		{"unlock.txt", "sync-misuse", "main.unlockUnlocked", []string{"fatal error: sync: unlock of unlocked mutex in main.unlockUnlocked"}, ""},
		// Go 1.24+ maps: internal/runtime/maps.fatal over an inlined writer.
		{"maps.txt", "concurrent-map-access", "main.mapWriter", []string{"fatal error: concurrent map writes in main.mapWriter"}, ""},
		{"overflow.txt", "stack-overflow", "main.recurse", []string{"fatal error: stack overflow: main.recurse recursion ("}, ""},
		{"oom.txt", "out-of-memory", "main.run", []string{"fatal error: out of memory (64 MiB allocation, 260 MiB in use) in main.run"}, ""},
		// A throw from sysmon: the culprit is where threads are held.
		{"threads.txt", "thread-exhaustion", "main.blockSyscall",
			[]string{"fatal error: thread exhaustion", "goroutines hold threads in system or cgo calls", "in main.blockSyscall"}, "goroutines holding a thread"},
		// Recovered and re-panicked: the original site is the culprit.
		{"repanic.txt", "nil-dereference", "main.handler",
			[]string{"panic: runtime error: invalid memory address or nil pointer dereference in main.handler, recovered and re-panicked in main.recoverAndWrap"},
			"panic chain: 1. runtime error: invalid memory address or nil pointer dereference [recovered] 2. wrapped: runtime error"},
		{"repanic-system.txt", "nil-dereference", "main.handler",
			[]string{"in main.handler, recovered and re-panicked in main.recoverAndWrap"}, ""},
		{"repanicsame.txt", "nil-dereference", "main.handlerSame",
			[]string{"in main.handlerSame, recovered and re-panicked in main.recoverAndRethrow"}, "[recovered, repanicked]"},
		// A deferred call panicked while the first panic unwound.
		{"nested.txt", "index-out-of-range", "main.nested",
			[]string{"panic: runtime error: index out of range [3] with length 0 in main.nested, panicked again in main.deferPanics"}, "2. cleanup failed"},
		{"cgo-segv.txt", "cgo-signal", "main._Cfunc_deref",
			[]string{"SIGSEGV: segmentation violation during cgo execution (addr=0x0) in C code called through main._Cfunc_deref from main.readValue"}, ""},
		{"cgo-abort.txt", "cgo-abort", "main._Cfunc_boom", []string{"SIGABRT: abort during cgo execution in C code called through main._Cfunc_boom from main.main"}, ""},
		// The alarm goroutine panics; the culprit is where the test waits.
		{"testtimeout.txt", "test-timeout", "example.com/tt.(*queue).pop",
			[]string{"panic: test timed out after 2s: TestDrain/empty stuck in tt.(*queue).pop"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fs := findings(t, filepath.Join("testdata", "go1.26", tt.file))
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1: %v", len(fs), fs)
			}
			f := fs[0]
			if f.Key != tt.key {
				t.Errorf("key = %q, want %q", f.Key, tt.key)
			}
			if got := fn(f.Culprit); got != tt.culprit {
				t.Errorf("culprit = %q, want %q", got, tt.culprit)
			}
			for _, want := range tt.title {
				if !strings.Contains(f.Title, want) {
					t.Errorf("title = %q\nwant it to contain %q", f.Title, want)
				}
			}
			if f.Severity != detect.SeverityCritical || f.Confidence != detect.ConfidenceCertain || f.Kind != detect.KindCrash {
				t.Errorf("got %s %s %s, want critical certain crash", f.Severity, f.Confidence, f.Kind)
			}
			if len(f.Stacks) == 0 || f.Stacks[0].Stack == nil {
				t.Fatalf("no evidence stack")
			}
			if !strings.Contains(f.Stacks[0].Note, tt.note) {
				t.Errorf("evidence note = %q, want it to contain %q", f.Stacks[0].Note, tt.note)
			}
			if f.Remedy == "" || strings.Contains(f.Title, "\n") {
				t.Errorf("remedy %q, title %q", f.Remedy, f.Title)
			}
		})
	}
}

// TestMapPeers checks that with GOTRACEBACK=all a concurrent map crash
// shows the other writer, and not the goroutines that have not reached the
// map yet.
func TestMapPeers(t *testing.T) {
	fs := findings(t, filepath.Join("testdata", "go1.26", "maps-all.txt"))
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	notes := dumptest.Notes(fs[0])
	want := []string{
		"crashing goroutine 22",
		"goroutine 24 (runnable), in main.mapWriter too when the runtime noticed: possibly the other side",
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("evidence:\n%s\nwant:\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
}

// TestDumpRequests checks that dumps the user asked for are not crashes.
func TestDumpRequests(t *testing.T) {
	fs := findings(t, filepath.Join("testdata", "go1.26", "sigquit.txt"))
	if len(fs) != 0 {
		t.Errorf("SIGQUIT dump: got %d findings, want none: %s", len(fs), fs[0].Title)
	}
	// kill -ABRT from another process (sigcode=0): info at most.
	fs = findings(t, filepath.Join("testdata", "go1.26", "sigabrt.txt"))
	if len(fs) != 1 || fs[0].Severity != detect.SeverityInfo || fs[0].Key != "external-signal" {
		t.Fatalf("external SIGABRT: got %v, want one info external-signal finding", fs)
	}
	if fs[0].Culprit != nil {
		t.Errorf("external signal has culprit %s; the program did not raise it", fs[0].Culprit.Function)
	}
	if !strings.Contains(fs[0].Title, "SIGABRT sent by another process") {
		t.Errorf("title = %q", fs[0].Title)
	}
}

// TestFingerprintStable checks that the same crash class at the same
// place fingerprints the same across runs (goroutine IDs, addresses and
// lines differ) and different classes differ.
func TestFingerprintStable(t *testing.T) {
	a := findings(t, filepath.Join("testdata", "go1.26", "repanic.txt"))
	b := findings(t, filepath.Join("testdata", "go1.26", "repanic-system.txt"))
	c := findings(t, filepath.Join("testdata", "go1.26", "nil.txt"))
	if a[0].Fingerprint != b[0].Fingerprint {
		t.Errorf("same crash, different fingerprints: %s %s", a[0].Fingerprint, b[0].Fingerprint)
	}
	if a[0].Fingerprint == c[0].Fingerprint {
		t.Errorf("different crashes, same fingerprint %s", a[0].Fingerprint)
	}
}

// TestDoc checks that the explain text is the package comment.
func TestDoc(t *testing.T) {
	if !strings.HasPrefix(Detector.Doc, "Package crash reports the crash") || !strings.Contains(Detector.Doc, "# What it stays quiet on") {
		t.Errorf("Doc does not hold the package comment: %.80q", Detector.Doc)
	}
}
