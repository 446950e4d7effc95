// Command gen writes the real mutex and block profiles in its parent
// directory, with the Go runtime that runs it:
//
//	cd parse/testdata/profiles/contention-go1.26/gen && go run . ..
//
// It is not built with the module (testdata is ignored by the go tool).
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// hotLock makes workers contend on one sync.Mutex held for a while.
//
//go:noinline
func hotLock(workers, rounds int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < rounds; j++ {
				mu.Lock()
				time.Sleep(20 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// readersWriter makes readers wait for a writer on a sync.RWMutex.
//
//go:noinline
func readersWriter(readers int) {
	var rw sync.RWMutex
	var wg sync.WaitGroup
	rw.Lock()
	for i := 0; i < readers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rw.RLock()
			rw.RUnlock()
		}()
	}
	time.Sleep(10 * time.Millisecond)
	rw.Unlock()
	wg.Wait()
}

// slowChannel blocks a receiver and a select until a sender wakes up.
//
//go:noinline
func slowChannel() {
	ch := make(chan int)
	go func() {
		time.Sleep(15 * time.Millisecond)
		ch <- 1
		time.Sleep(15 * time.Millisecond)
		ch <- 2
	}()
	<-ch
	select {
	case <-ch:
	case <-time.After(time.Second):
	}
}

func main() {
	dir := os.Args[1]
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	hotLock(4, 50)
	readersWriter(3)
	slowChannel()
	for _, p := range []struct {
		name, file string
		debug      int
	}{
		{"mutex", "mutex.pb.gz", 0},
		{"mutex", "mutex-debug1.txt", 1},
		{"block", "block.pb.gz", 0},
		{"block", "block-debug1.txt", 1},
	} {
		var b bytes.Buffer
		if err := pprof.Lookup(p.name).WriteTo(&b, p.debug); err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.file), b.Bytes(), 0o644); err != nil {
			panic(err)
		}
	}
}
