// Command tracegen writes a large execution trace of a real Go runtime, for
// benchmarks such as bench/cmd/compare: for -d it runs a busy mix
// of goroutines exchanging work over channels, contending on mutexes,
// making syscalls (pipe writes and reads), sleeping and allocating (so the
// GC runs often), all under runtime/trace.Start.
//
//	go run ./internal/cmd/tracegen -d 60s -o /tmp/gen.trace
//
// The size grows roughly linearly with -d and with the CPU available;
// run a few seconds first and scale.
package main

import (
	"flag"
	"log"
	"os"
	"runtime/trace"
	"sync"
	"time"
)

func main() {
	d := flag.Duration("d", 10*time.Second, "how long to trace")
	out := flag.String("o", "gen.trace", "trace file to write")
	workers := flag.Int("workers", 64, "worker goroutines")
	flag.Parse()

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		log.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	work := make(chan []byte, 16)
	var mu sync.Mutex
	shared := map[int]int{}

	// Producers: allocate and send.
	for i := 0; i < *workers/4; i++ {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case work <- make([]byte, 1024+n%4096):
				}
			}
		})
	}
	// Consumers: receive, contend on a mutex, sometimes spawn a short-lived
	// goroutine.
	for i := 0; i < *workers/2; i++ {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case b := <-work:
					mu.Lock()
					shared[n%1000] += len(b)
					mu.Unlock()
					if n%64 == 0 {
						done := make(chan struct{})
						go func() { close(done) }()
						<-done
					}
				}
			}
		})
	}
	// Syscalls and sleeps: pipe round trips.
	for i := 0; i < *workers/4; i++ {
		wg.Go(func() {
			r, w, err := os.Pipe()
			if err != nil {
				log.Print(err)
				return
			}
			defer r.Close()
			defer w.Close()
			buf := make([]byte, 64)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				w.Write(buf)
				r.Read(buf)
				if n%16 == 0 {
					time.Sleep(100 * time.Microsecond)
				}
			}
		})
	}
	time.Sleep(*d)
	close(stop)
	wg.Wait()
	trace.Stop()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
