//go:build linux || darwin || freebsd || netbsd || openbsd

package blocked

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
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
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		t.Skip("no pipe:", err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	stop := dumptest.StartTrace(t)
	done := make(chan struct{})
	go rawRead(p[0], done)
	time.Sleep(300 * time.Millisecond)
	snap := stop()
	syscall.Write(p[1], []byte{1})
	<-done

	found := dumptest.Only(t, dumptest.RunSnapshots(t, Detector, snap), ".rawRead")
	if found.Confidence != detect.ConfidenceLikely || !strings.Contains(found.Title, "system call read") || !strings.Contains(found.Title, "still in the call at the end") {
		t.Errorf("%v %q", found.Confidence, found.Title)
	}
	t.Log(found.Title)
}
