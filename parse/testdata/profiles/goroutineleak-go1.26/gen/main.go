// Command gen writes the real goroutineleak profiles in its parent
// directory (Go 1.26, GOEXPERIMENT=goroutineleakprofile) for parse's tests:
//
//	cd parse/testdata/profiles/goroutineleak-go1.26/gen && GOEXPERIMENT=goroutineleakprofile go run . ..
//
// It is not built with the module (testdata is ignored by the go tool).
package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

//go:noinline
func leakSend(n int) {
	for i := 0; i < n; i++ {
		ch := make(chan int)
		go func() { ch <- 1 }() // nobody ever receives: leaked
	}
}

//go:noinline
func leakRecv(ctx context.Context, n int) {
	pprof.Do(ctx, pprof.Labels("leak", "recv"), func(context.Context) {
		for i := 0; i < n; i++ {
			ch := make(chan int)
			go func() { <-ch }()
		}
	})
}

func main() {
	dir := os.Args[1]
	leakSend(3)
	leakRecv(context.Background(), 2)
	block := make(chan int) // reachable from main: not leaked
	go func() { <-block }()
	time.Sleep(50 * time.Millisecond)
	runtime.GC()
	write := func(name, file string, debug int) {
		var b bytes.Buffer
		if err := pprof.Lookup(name).WriteTo(&b, debug); err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), b.Bytes(), 0o644); err != nil {
			panic(err)
		}
	}
	write("goroutineleak", "goroutineleak-debug0.pb.gz", 0)
	write("goroutineleak", "goroutineleak-debug1.txt", 1)
	write("goroutineleak", "goroutineleak-debug2.txt", 2)
	close(block)
}
