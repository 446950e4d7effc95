package parse

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzReadDump feeds arbitrary text through Read (sniffing, the dump reader
// and the profile readers it delegates to). The reader must never panic or
// hang, what it returns must be consistent, and the frame cache must
// change nothing.
func FuzzReadDump(f *testing.F) {
	seeds := []string{
		"goroutine 1 [running]:\nmain.main()\n\t/src/m.go:3 +0x1\n",
		"panic: boom [recovered]\n\tpanic: again\n[signal SIGSEGV: segmentation violation]\n\ngoroutine 7 gp=0xc0 m=nil [chan send (leaked), 3 minutes, locked to thread, synctest bubble 2 labels:{\"a\": \"b\"}]:\nmain.f(...)\n\t/m.go:-1\n...2 frames elided...\ncreated by main.g in goroutine 1\n\t/m.go:9 +0x2\n[originating from goroutine 1]:\nmain.h()\n\tC:/m.go:4\n",
		"==================\nWARNING: DATA RACE\nWrite at 0x00c000 by goroutine 7:\n  main.f()\n      /m.go:3 +0x1\n\nGoroutine 7 (running) created at:\n  main.main()\n      /m.go:9 +0x2\n==================\n",
		"x | goroutine 1 [IO wait]:\nx | net.(*conn).Read(0x1)\nx | \t/n.go:1 +0x1\n",
		"fatal error: stack overflow\n\nruntime stack:\nruntime.throw({0x1?})\n\t/p.go:1 +0x1 fp=0x1 sp=0x2 pc=0x3\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if dir := filepath.Join("..", "..", "shared", "corpus", "dumps"); dirExists(dir) {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
					f.Add(b)
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		snaps, err := Read(ctx, "fuzz", bytes.NewReader(data), Options{MaxLine: 4 << 10})
		// The frame cache must give what parsing every line gives.
		plain, plainErr := Read(ctx, "fuzz", bytes.NewReader(data), Options{MaxLine: 4 << 10, noFrameCache: true})
		sameSnapshots(t, "fuzz", plain, snaps, plainErr, err)
		// So must a store sized from the first goroutine's density.
		sized, sizedErr := Read(ctx, "fuzz", bytes.NewReader(data), Options{MaxLine: 4 << 10, sizeHint: int64(len(data)), sizeProbe: 1})
		sameSnapshots(t, "fuzz (sized)", plain, sized, plainErr, sizedErr)
		if err != nil {
			return
		}
		checkSnapshots(t, snaps)
	})
}

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}

// checkSnapshots asserts the invariants every snapshot keeps.
func checkSnapshots(t *testing.T, snaps []*Snapshot) {
	t.Helper()
	for i, s := range snaps {
		if s.Source.Index != i {
			t.Fatalf("snapshot %d has index %d", i, s.Source.Index)
		}
		if len(s.Goroutines) == 0 && s.Crash == nil && len(s.Races) == 0 && s.Contention == nil && s.Timeline == nil {
			t.Fatalf("snapshot %d is empty", i)
		}
		if s.Source.Format == FormatUnrecognized {
			t.Fatalf("snapshot %d has no format", i)
		}
		n := 0
		for j := range s.Goroutines {
			g := &s.Goroutines[j]
			if g.Stack == nil || g.Count < 1 {
				t.Fatalf("snapshot %d goroutine %d: stack %v count %d", i, j, g.Stack, g.Count)
			}
			for _, fr := range g.Stack.Frames {
				if fr == nil || fr.Function == "" {
					t.Fatalf("snapshot %d goroutine %d: empty frame", i, j)
				}
			}
			n += g.Count
		}
		groups := Aggregate(s)
		m := 0
		for _, grp := range groups {
			m += grp.Count
			if grp.WaitMin > grp.WaitMedian || grp.WaitMedian > grp.WaitMax {
				t.Fatalf("group waits out of order: %v %v %v", grp.WaitMin, grp.WaitMedian, grp.WaitMax)
			}
		}
		if m != n {
			t.Fatalf("groups hold %d goroutines, snapshot %d", m, n)
		}
		for _, r := range s.Races {
			for _, a := range r.Accesses {
				if a.Stack == nil {
					t.Fatalf("race access without stack")
				}
			}
		}
	}
}

// FuzzReadDumpParallel reads arbitrary text from a file with several
// goroutines, cut into chunks of a fuzzed size at goroutine headers, and
// checks the snapshots and error are those of an ordered read.
func FuzzReadDumpParallel(f *testing.F) {
	seed := "goroutine 1 [running]:\nmain.main()\n\t/src/m.go:3 +0x1\n\ngoroutine 2 [chan receive, 2 minutes]:\nmain.f(0x1)\n\t/src/m.go:7 +0x2\ncreated by main.main in goroutine 1\n\t/src/m.go:9 +0x3\n\n"
	f.Add([]byte(seed+seed), uint16(40))
	f.Add([]byte("panic: x\n\ngoroutine 3 [running]:\nmain.g()\n\t/m.go:1 +0x1\n\n"+seed), uint16(20))
	f.Add([]byte(seed+"goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\t/m.go:1\n\n"+seed), uint16(64))
	for _, p := range textInputPaths() {
		if b, err := os.ReadFile(p); err == nil && len(b) < 32<<10 {
			f.Add(b, uint16(len(b)/5))
		}
	}
	path := filepath.Join(f.TempDir(), "dump.txt")
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		opts := Options{MaxLine: 4 << 10}
		want, wantErr := Read(ctx, path, bytes.NewReader(data), opts)
		opts.Parallelism, opts.parallelMin, opts.dumpChunk = 2, 1, int64(chunk)+16
		got, gotErr := ReadFile(ctx, path, opts)
		sameSnapshots(t, path, want, got, wantErr, gotErr)
	})
}
