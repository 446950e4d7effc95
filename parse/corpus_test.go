package parse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corpusDir is the shared corpus of real dumps from public projects, beside
// the repository (CI has it; a bare clone may not).
func corpusDir(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not present at %s (it lives beside the repository as ../shared/corpus): %v", dir, err)
	}
	return dir
}

type corpusSnap struct {
	format     Format
	goroutines int
	top        string // first non-runtime function of the biggest group, when that group has more than one goroutine
	topState   string
	topCount   int
	crash      string
	races      int
}

// corpusWant holds what each real dump shows, checked by hand against
// ../shared/corpus/SOURCES.md and the files themselves.
var corpusWant = []struct {
	file  string
	snaps []corpusSnap
}{
	{"cdk-erigon-129-goroutines-debug2.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 129, top: "github.com/ledgerwatch/erigon/p2p/sentry.(*GrpcServer).Messages", topState: "select", topCount: 8}}},
	{"felixge-goroutine-debug2.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 10}}},
	{"felixge-runtime-stack-all.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 9}}},
	{"felixge-runtime-stack-then-sigquit.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 5}, {format: "crash", goroutines: 6, crash: "SIGQUIT: quit"}}},
	{"goleak-http-go1.20.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 5}}},
	{"goleak-http-tracebackancestors.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 5}}},
	{"goleak-http.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 5}}},
	{"gostackparse-ancestors.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 3, top: "main.bar", topState: "chan receive", topCount: 2}}},
	{"gostackparse-cgo.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 3}}},
	{"gostackparse-frameselided-goroutine.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 2}}},
	{"gostackparse-frameselided.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 1}}},
	{"gostackparse-go121-createdby.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 2}}},
	{"gostackparse-lockedm.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 1}}},
	{"gostackparse-waitsince.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 9}}},
	{"gostackparse-windows.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 1}}},
	{"issues/dockerize-2-go1.3-deadlock.txt", []corpusSnap{{format: "crash", goroutines: 2, crash: "all goroutines are asleep - deadlock!"}}},
	{"issues/emp3r0r-34-chan-send-receive-12min.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 3}}},
	{"issues/etcd-910-markdown-mangled.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 2}}},
	{"issues/git-hound-73-deadlock-chan-send.txt", []corpusSnap{{format: "crash", goroutines: 2, crash: "all goroutines are asleep - deadlock!"}}},
	{"issues/golang-go-10300-windows-cgo-exception-mojibake.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "Exception 0xc0000005 0x0 0x0 0x0"}}},
	{"issues/golang-go-17384-cgo-sigsegv-darwin.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "unexpected signal during runtime execution"}}},
	{"issues/golang-go-23579-unexpected-return-pc-hexdump.txt", []corpusSnap{{format: "crash", goroutines: 0, crash: "unexpected signal during runtime execution"}}},
	{"issues/gominer-30-sigabrt-glued-to-output.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "SIGABRT: abort"}}},
	{"issues/grpc-go-4802-race.txt", []corpusSnap{{format: "race", goroutines: 0, races: 1}}},
	{"issues/grtm-4-concurrent-map-read-write-windows.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "concurrent map read and map write"}}},
	{"issues/ibenchmark-2-concurrent-map-writes.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "concurrent map writes"}}},
	{"issues/kanali-12-log-prefixed-concurrent-map.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "concurrent map read and map write"}}},
	{"issues/kubernetes-25056-syscall-5352min.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 1}}},
	{"issues/moby-13885-no-indent-semacquire.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 1}}},
	{"issues/moby-44791-dockerd-sigquit-tail.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 1}}},
	{"issues/moby-44831-dockerd-sigquit-head.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "SIGQUIT: quit"}}},
	{"issues/onnxruntime-go-95-cgo-go1.23-gp-m.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "SIGSEGV: segmentation violation"}}},
	{"issues/prometheus-13619-rwmutex-rlock-495min.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 1}}},
	{"issues/prometheus-2362-waitgroup-6786min.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 2}}},
	{"issues/prometheus-6747-shutdown-hang-spaces.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 2}}},
	{"issues/sand-27-race-docker-compose-prefix.txt", []corpusSnap{{format: "race", goroutines: 0, races: 1}}},
	{"issues/syncthing-783-go1.3-386-fp-sp.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 2}}},
	{"issues/tidb-57054-timer-firings-go1.23.txt", []corpusSnap{{format: "crash", goroutines: 1, crash: "too many concurrent timer firings"}}},
	{"kvstore-raft-go124-windows.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 13, top: "internal/poll.runtime_pollWait", topState: "IO wait", topCount: 2}}},
	{"malformed/debugcharts-19-ocr-garbled-race.txt", []corpusSnap{{format: "race", goroutines: 0, races: 1}}},
	{"malformed/gostackparse-empty-stack.txt", nil}, // rejected: see corpusErrors
	{"malformed/gostackparse-errorhandling.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 3}}},
	{"malformed/gostackparse-partial-createdby.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 2}}},
	{"malformed/gostackparse-partial-stack.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 2, top: "main.main", topState: "running", topCount: 2}}},
	{"mhub-go1.3-send-on-closed-channel.txt", []corpusSnap{{format: "crash", goroutines: 1752, top: "github.com/funkygao/mhub/broker.(*incomingConn).outboundLoop", topState: "chan receive", topCount: 851, crash: "runtime error: send on closed channel"}}},
	{"nzbrex-go1.24.3.txt", []corpusSnap{{format: "goroutine-debug2", goroutines: 73, top: "main.(*SESSION).GoWorker.func1", topState: "chan receive", topCount: 10}}},
	{"race-autonity-tendermint.txt", []corpusSnap{{format: "race", goroutines: 0, races: 7}}},
}

// corpusErrors are the deliberate, precise errors for corpus files that are
// not dumps at all.
var corpusErrors = map[string]string{
	"malformed/gostackparse-empty-stack.txt": "gostackparse-empty-stack.txt:1: 2 goroutine headers but not one stack frame under them",
}

func readCorpusFile(t *testing.T, path string) []*Snapshot {
	t.Helper()
	snaps, err := ReadFile(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return snaps
}

func TestCorpusDumps(t *testing.T) {
	dir := corpusDir(t, "dumps")
	seen := make(map[string]bool)
	for _, tt := range corpusWant {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			if want, ok := corpusErrors[tt.file]; ok {
				_, err := ReadFile(context.Background(), filepath.Join(dir, tt.file), Options{})
				if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrUnrecognized) {
					t.Fatalf("err = %v, want ErrUnrecognized with %q", err, want)
				}
				return
			}
			snaps := readCorpusFile(t, filepath.Join(dir, tt.file))
			if len(snaps) != len(tt.snaps) {
				t.Fatalf("snapshots = %d, want %d", len(snaps), len(tt.snaps))
			}
			for i, w := range tt.snaps {
				s := snaps[i]
				if s.Source.Format != w.format || s.GoroutineCount() != w.goroutines {
					t.Errorf("snapshot %d: format %s, %d goroutines; want %s, %d", i, s.Source.Format, s.GoroutineCount(), w.format, w.goroutines)
				}
				if w.topCount > 0 {
					g := Aggregate(s)[0]
					if got := topUserFunc(g.Stack); got != w.top || g.State != w.topState || g.Count != w.topCount {
						t.Errorf("snapshot %d: top group %d %q %s; want %d %q %s", i, g.Count, g.State, got, w.topCount, w.topState, w.top)
					}
				}
				switch {
				case w.crash == "" && s.Crash != nil:
					t.Errorf("snapshot %d: unexpected crash %q", i, s.Crash.Message)
				case w.crash != "" && (s.Crash == nil || s.Crash.Message != w.crash):
					t.Errorf("snapshot %d: crash = %+v, want %q", i, s.Crash, w.crash)
				}
				if len(s.Races) != w.races {
					t.Errorf("snapshot %d: %d races, want %d", i, len(s.Races), w.races)
				}
				for j := range s.Goroutines {
					if s.Goroutines[j].Stack == nil || s.Goroutines[j].Count != 1 {
						t.Fatalf("goroutine %d: nil stack or count %d", s.Goroutines[j].ID, s.Goroutines[j].Count)
					}
				}
			}
		})
	}
	// Every file in the corpus must be covered by the table above.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			if !seen[filepath.ToSlash(rel)] {
				t.Errorf("%s is in the corpus but not in corpusWant", rel)
			}
		}
		return nil
	})
}

func TestCorpusFacts(t *testing.T) {
	dir := corpusDir(t, "dumps")
	one := func(t *testing.T, file string) *Snapshot {
		t.Helper()
		return readCorpusFile(t, filepath.Join(dir, file))[0]
	}
	byID := func(t *testing.T, s *Snapshot, id int64) *Goroutine {
		t.Helper()
		for i := range s.Goroutines {
			if s.Goroutines[i].ID == id {
				return &s.Goroutines[i]
			}
		}
		t.Fatalf("no goroutine %d", id)
		return nil
	}
	t.Run("cdk-erigon locked to thread", func(t *testing.T) {
		s := one(t, "cdk-erigon-129-goroutines-debug2.txt")
		g := byID(t, s, 201)
		if g.State != "select" || g.Wait != time.Minute || !g.Has(FlagLockedToThread) {
			t.Errorf("goroutine 201: %q %v flags %b", g.State, g.Wait, g.Flags)
		}
		states := map[string]int{}
		for _, g := range s.Goroutines {
			states[g.State]++
		}
		if states["select"] != 73 || states["chan receive"] != 31 {
			t.Errorf("states = %v, want 73 select and 31 chan receive", states)
		}
	})
	t.Run("kubernetes syscall 5352 minutes", func(t *testing.T) {
		g := one(t, "issues/kubernetes-25056-syscall-5352min.txt").Goroutines[0]
		if g.State != "syscall" || g.Wait != 5352*time.Minute {
			t.Errorf("got %q %v", g.State, g.Wait)
		}
		if !strings.Contains(strings.Join(funcNames(g.Stack), " "), "os/exec.(*Cmd).CombinedOutput") {
			t.Errorf("stack %v lacks CombinedOutput", funcNames(g.Stack))
		}
	})
	t.Run("prometheus RWMutex 495 minutes", func(t *testing.T) {
		g := one(t, "issues/prometheus-13619-rwmutex-rlock-495min.txt").Goroutines[0]
		if g.State != "sync.RWMutex.RLock" || g.Wait != 495*time.Minute {
			t.Errorf("got %q %v", g.State, g.Wait)
		}
	})
	t.Run("prometheus spaces indentation", func(t *testing.T) {
		s := one(t, "issues/prometheus-6747-shutdown-hang-spaces.txt")
		found := false
		for _, g := range s.Goroutines {
			for _, f := range g.Stack.Frames {
				if f.Function == "github.com/soheilhy/cmux.(*cMux).Serve" && f.Line > 0 {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("cmux.(*cMux).Serve with a file line not found")
		}
	})
	t.Run("windows paths", func(t *testing.T) {
		f := one(t, "gostackparse-windows.txt").Goroutines[0].Stack.Frames[0]
		if !strings.HasPrefix(f.File, "C:/") || f.Line <= 0 {
			t.Errorf("frame %+v", f)
		}
	})
	t.Run("frames elided", func(t *testing.T) {
		g := one(t, "gostackparse-frameselided.txt").Goroutines[0]
		if g.Stack.Elided != -1 || len(g.Stack.Frames) != 100 {
			t.Errorf("elided=%d frames=%d, want -1 and 100", g.Stack.Elided, len(g.Stack.Frames))
		}
	})
	t.Run("ancestors", func(t *testing.T) {
		s := one(t, "goleak-http-tracebackancestors.txt")
		n := 0
		for _, g := range s.Goroutines {
			if g.Extra == nil {
				continue
			}
			n += len(g.Extra.Ancestors)
			for _, a := range g.Extra.Ancestors {
				if a.ID == 0 || len(a.Stack.Frames) == 0 {
					t.Errorf("goroutine %d: empty ancestor %+v", g.ID, a)
				}
			}
		}
		if want := strings.Count(mustRead(t, filepath.Join(dir, "goleak-http-tracebackancestors.txt")), "[originating from goroutine "); n != want {
			t.Errorf("ancestors = %d, want %d", n, want)
		}
	})
	t.Run("go1.21 creator ids", func(t *testing.T) {
		s := one(t, "gostackparse-go121-createdby.txt")
		if !s.Caps.Has(CapCreatorIDs) {
			t.Fatalf("caps %v", s.Caps)
		}
		var creators int
		for _, g := range s.Goroutines {
			if g.CreatorID == 1 && g.Stack.CreatedBy.Function == "main.main" {
				creators++
			}
		}
		if creators != 1 {
			t.Errorf("goroutines created by main.main in goroutine 1: %d", creators)
		}
	})
	t.Run("go version from paths", func(t *testing.T) {
		s := readCorpusFile(t, filepath.Join(dir, "felixge-runtime-stack-then-sigquit.txt"))
		if s[1].Source.GoVersion != "go1.15.6" {
			t.Errorf("go version %q, want go1.15.6", s[1].Source.GoVersion)
		}
	})
	t.Run("log prefixed lines", func(t *testing.T) {
		s := one(t, "issues/kanali-12-log-prefixed-concurrent-map.txt")
		g := s.Goroutines[0]
		if g.ID != 10438 || !g.Has(FlagCrashed) || g.Stack.Frames[0].Function != "runtime.throw" || g.Stack.Frames[0].File != "/usr/local/go/src/runtime/panic.go" {
			t.Errorf("goroutine %d frames %v", g.ID, funcNames(g.Stack))
		}
	})
	t.Run("race stacks", func(t *testing.T) {
		s := one(t, "race-autonity-tendermint.txt")
		r := s.Races[0]
		if len(r.Accesses) != 2 || r.Accesses[0].Op != "Read" || r.Accesses[0].GoroutineID != 101 || r.Accesses[1].Op != "Previous write" || r.Accesses[1].GoroutineID != 102 {
			t.Fatalf("accesses %+v", r.Accesses)
		}
		if got := r.Accesses[0].Stack.Frames[0].Function; got != "github.com/clearmatics/autonity/consensus/tendermint/core.(*core).checkUnminedBlockMsg" {
			t.Errorf("read stack top %s", got)
		}
		if len(r.Goroutines) != 2 || r.Goroutines[0].ID != 101 || r.Goroutines[0].State != "running" || len(r.Goroutines[0].CreatedAt.Frames) == 0 {
			t.Errorf("goroutines %+v", r.Goroutines)
		}
	})
	t.Run("tidb runtime stack", func(t *testing.T) {
		s := one(t, "issues/tidb-57054-timer-firings-go1.23.txt")
		if s.Crash.RuntimeStack == nil || s.Crash.RuntimeStack.Frames[0].Function != "runtime.throw" {
			t.Errorf("runtime stack %+v", s.Crash.RuntimeStack)
		}
		g := s.Goroutines[0]
		if g.Extra == nil || g.Extra.GP != 0xc0000061c0 || !g.Extra.MNil || g.Wait != 15*time.Minute {
			t.Errorf("goroutine 1 extra=%+v wait=%v", g.Extra, g.Wait)
		}
	})
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// topUserFunc is the first frame outside the runtime.
func topUserFunc(st *Stack) string {
	for _, f := range st.Frames {
		if !f.Runtime {
			return f.Function
		}
	}
	return ""
}
