package runaway

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

// pileUp blocks until release is closed.
func pileUp(release <-chan struct{}) { <-release }

// churn exits at once.
func churn(wg *sync.WaitGroup) { wg.Done() }

// spawnAll starts n goroutines that pile up and n that exit at once, then
// waits for more work (a consumer still in its loop, not a constructor
// that returned).
func spawnAll(n int, release <-chan struct{}, wg *sync.WaitGroup, spawned chan<- struct{}) {
	for i := range n {
		go pileUp(release)
		wg.Add(1)
		go churn(wg)
		if i%100 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	spawned <- struct{}{}
	<-release
}

// TestTraceRunawayCaptured captures a real execution trace while one go
// statement piles up goroutines and another churns, and checks that the
// trace rule reports the first, with its rate and time range, and not the
// second.
func TestTraceRunawayCaptured(t *testing.T) {
	stop := dumptest.StartTrace(t)
	release := make(chan struct{})
	var wg sync.WaitGroup
	time.Sleep(5 * time.Millisecond)
	spawned := make(chan struct{})
	go spawnAll(1200, release, &wg, spawned)
	<-spawned
	wg.Wait()
	time.Sleep(10 * time.Millisecond)
	snap := stop()
	close(release)

	found := dumptest.Only(t, dumptest.RunSnapshots(t, Detector, snap), ".spawnAll")
	if found.Metrics["created"] < 1200 || found.Metrics["alive_at_end"] < 1200 || found.Metrics["rate_per_s"] <= 0 {
		t.Errorf("metrics %v", found.Metrics)
	}
	for _, want := range []string{"goroutines created by", "/s between", "alive at the end"} {
		if !strings.Contains(found.Title, want) {
			t.Errorf("title lacks %q: %s", want, found.Title)
		}
	}
	t.Log(found.Title)
}
