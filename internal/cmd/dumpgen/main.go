// Command dumpgen writes a goroutine dump of a real Go runtime with a chosen
// number of goroutines, for benchmarks: it starts the goroutines in a
// realistic mix of states (channel operations, select, mutexes, condition
// variables, sleeps, network I/O), at stack depths from 1 to over 40
// frames, a few with pprof labels, then writes runtime.Stack(buf, true)
// with a buffer large enough for all of them (net/http/pprof's debug=2
// output stops at 64 MiB).
//
//	go run ./internal/cmd/dumpgen -n 100000 -o /tmp/dump-100k.txt
//
// With -debug0 FILE it also writes the goroutine profile of the same
// goroutines in pprof's protobuf form (debug=0, gzipped, as
// /debug/pprof/goroutine serves it), taken in the same run right after the
// text dump, so that readers of both formats can be compared on one
// scenario.
//
// Set GODEBUG=tracebacklabels=1 (Go 1.26) to have labels printed.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

func main() {
	n := flag.Int("n", 10000, "number of goroutines to start")
	out := flag.String("o", "", "output file (default stdout)")
	debug0 := flag.String("debug0", "", "also write the debug=0 goroutine profile (gzipped protobuf) of the same goroutines to this file")
	flag.Parse()
	if err := run(*n, *out, *debug0); err != nil {
		fmt.Fprintln(os.Stderr, "dumpgen:", err)
		os.Exit(1)
	}
}

// blocker is one way a goroutine waits.
type blocker func(w *world)

// world holds what the goroutines block on; nothing ever releases them.
type world struct {
	never   chan int     // nobody sends or receives
	full    chan int     // buffered and full: sends block
	mu      sync.Mutex   // held forever
	rw      sync.RWMutex // write-locked forever
	cond    *sync.Cond   // never signalled
	wg      sync.WaitGroup
	conns   []net.Conn // client ends whose server side never writes
	connsMu sync.Mutex
	next    int
	ready   sync.WaitGroup
}

var blockers = []blocker{
	func(w *world) { w.ready.Done(); <-w.never },
	func(w *world) { w.ready.Done(); w.full <- 1 },
	func(w *world) {
		w.ready.Done()
		select {
		case <-w.never:
		case w.full <- 2:
		}
	},
	func(w *world) { w.ready.Done(); w.mu.Lock() },
	func(w *world) { w.ready.Done(); w.rw.RLock() },
	func(w *world) { w.cond.L.Lock(); w.ready.Done(); w.cond.Wait() },
	func(w *world) { w.ready.Done(); w.wg.Wait() },
	func(w *world) { w.ready.Done(); time.Sleep(24 * time.Hour) },
	func(w *world) {
		c := w.conn()
		w.ready.Done()
		var b [1]byte
		c.Read(b[:])
	},
}

// conn hands out client connections in turn; many goroutines read each.
func (w *world) conn() net.Conn {
	w.connsMu.Lock()
	defer w.connsMu.Unlock()
	c := w.conns[w.next%len(w.conns)]
	w.next++
	return c
}

// Distinct entry functions so that stacks differ in more than depth.
func entryA(w *world, depth int, b blocker) { descend(w, depth, b) }
func entryB(w *world, depth int, b blocker) { descend(w, depth, b) }
func entryC(w *world, depth int, b blocker) { descend(w, depth, b) }
func entryD(w *world, depth int, b blocker) { descend(w, depth, b) }
func entryE(w *world, depth int, b blocker) { descend(w, depth, b) }
func entryF(w *world, depth int, b blocker) { descend(w, depth, b) }

var entries = []func(*world, int, blocker){entryA, entryB, entryC, entryD, entryE, entryF}

//go:noinline
func descend(w *world, depth int, b blocker) {
	if depth > 1 {
		descend(w, depth-1, b)
		return
	}
	b(w)
}

// depths gives stack depths from shallow to deep; most goroutines are
// shallow, as in real services.
var depths = []int{1, 4, 8, 12, 16, 24, 32, 44}

func run(n int, out, debug0 string) error {
	w := &world{never: make(chan int), full: make(chan int, 1)}
	w.full <- 0
	w.mu.Lock()
	w.rw.Lock()
	w.cond = sync.NewCond(&sync.Mutex{})
	w.wg.Add(1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c // held open, never written
			defer c.Close()
		}
	}()
	for i := 0; i < 16; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		w.conns = append(w.conns, c)
	}

	// Distinct stacks: entries x blockers x depths = 6 x 9 x 8 = 432.
	w.ready.Add(n)
	for i := 0; i < n; i++ {
		// Skew towards a few hot shapes, as a leak does in production.
		k := i
		if i%4 != 0 {
			k = (i % 7) * 61
		}
		entry := entries[k%len(entries)]
		b := blockers[(k/len(entries))%len(blockers)]
		depth := depths[(k/(len(entries)*len(blockers)))%len(depths)]
		if i%97 == 0 {
			labels := pprof.Labels("handler", fmt.Sprintf("h%d", i%5), "tenant", fmt.Sprintf("t%d", i%3))
			go pprof.Do(context.Background(), labels, func(context.Context) { entry(w, depth, b) })
			continue
		}
		go entry(w, depth, b)
	}
	w.ready.Wait()
	time.Sleep(200 * time.Millisecond) // let the last ones park

	if err := writeStacks(out); err != nil {
		return err
	}
	if debug0 == "" {
		return nil
	}
	return writeProfile(debug0)
}

// writeStacks writes runtime.Stack(buf, true), growing buf until the dump
// fits. It returns before the profile is taken so that the buffer, over a
// gigabyte for a million goroutines, can be collected first.
func writeStacks(out string) error {
	size := 64 << 20
	for {
		buf := make([]byte, size)
		m := runtime.Stack(buf, true)
		if m < len(buf) {
			return write(out, buf[:m])
		}
		size *= 2
	}
}

// writeProfile writes the goroutine profile at debug=0: samples per
// distinct stack and label set, gzipped protobuf.
func writeProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("goroutine").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("goroutine profile: %w", err)
	}
	return f.Close()
}

func write(out string, b []byte) error {
	if out == "" {
		_, err := os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
