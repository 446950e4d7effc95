package leak

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
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
	stop := dumptest.StartTrace(t)
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
	snap := stop()
	// Release everything the test started.
	for range 30 {
		<-nobody
	}
	close(jobs)
	wg.Wait()

	found := dumptest.Only(t, dumptest.RunSnapshots(t, Detector, snap), ".leakySend")
	if found.Count != 30 || found.Confidence != detect.ConfidenceLikely || !strings.Contains(found.Title, "entering it between") {
		t.Errorf("finding %d %v %q", found.Count, found.Confidence, found.Title)
	}
	t.Log(found.Title)
}
