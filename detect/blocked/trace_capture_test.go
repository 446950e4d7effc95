//go:build linux || darwin || freebsd || netbsd || openbsd

package blocked

import (
	"bytes"
	"context"
	"runtime/trace"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// rawRead blocks in read(2) on a blocking descriptor, outside the
// netpoller, holding its thread.
func rawRead(fd int, done chan<- struct{}) {
	var b [1]byte
	syscall.Read(fd, b[:])
	close(done)
}

// TestTraceBlockedCaptured captures a real execution trace while a
// goroutine sits in a blocking read(2) for most of it, and checks that the
// trace rule reports it at the function that called read.
func TestTraceBlockedCaptured(t *testing.T) {
	if trace.IsEnabled() {
		t.Skip("tracing already enabled")
	}
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		t.Skip("no pipe:", err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skip("cannot trace:", err)
	}
	done := make(chan struct{})
	go rawRead(p[0], done)
	time.Sleep(300 * time.Millisecond)
	trace.Stop()
	syscall.Write(p[1], []byte{1})
	<-done

	snaps, err := parse.Read(context.Background(), "trace.out", &buf, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := detect.Run(context.Background(), snaps[0], []*detect.Detector{Detector}, detect.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var found *detect.Finding
	for i, f := range res.Findings {
		if f.Severity < detect.SeverityWarning {
			continue
		}
		if f.Culprit == nil || !strings.HasSuffix(f.Culprit.Function, ".rawRead") {
			t.Errorf("unexpected finding %v %q", f.Severity, f.Title)
			continue
		}
		found = &res.Findings[i]
	}
	if found == nil {
		for _, f := range res.Findings {
			t.Log(f.Severity, f.Title)
		}
		t.Fatalf("no blocked-thread finding for rawRead")
	}
	if found.Confidence != detect.ConfidenceLikely || !strings.Contains(found.Title, "system call read") || !strings.Contains(found.Title, "still in the call at the end") {
		t.Errorf("%v %q", found.Confidence, found.Title)
	}
	t.Log(found.Title)
}
