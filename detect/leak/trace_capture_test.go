package leak

import (
	"bytes"
	"context"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// leakySend blocks sending on an unbuffered channel nobody reads until the
// test releases it.
func leakySend(ch chan<- int, i int) { ch <- i }

// servedWorker receives jobs that are sent: waits there end.
func servedWorker(jobs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for range jobs {
	}
}

// TestTraceLeakCaptured captures a real execution trace while senders pile
// up at one site during the trace and a served pool works alongside, and
// checks that the trace rule reports the senders, with offsets, and not
// the pool.
func TestTraceLeakCaptured(t *testing.T) {
	if trace.IsEnabled() {
		t.Skip("tracing already enabled")
	}
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skip("cannot trace:", err)
	}
	nobody := make(chan int)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go servedWorker(jobs, &wg)
	}
	for i := range 30 {
		go leakySend(nobody, i)
		jobs <- i
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond)
	trace.Stop()
	// Release everything the test started.
	for range 30 {
		<-nobody
	}
	close(jobs)
	wg.Wait()

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
		if f.Culprit == nil || !strings.HasSuffix(f.Culprit.Function, ".leakySend") {
			t.Errorf("unexpected finding %v %q", f.Severity, f.Title)
			continue
		}
		found = &res.Findings[i]
	}
	if found == nil {
		t.Fatalf("no leak finding for leakySend; findings: %d", len(res.Findings))
	}
	if found.Count != 30 || found.Confidence != detect.ConfidenceLikely || !strings.Contains(found.Title, "entering it between") {
		t.Errorf("finding %d %v %q", found.Count, found.Confidence, found.Title)
	}
	t.Log(found.Title)
}
