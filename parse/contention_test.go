package parse

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadContentionCaptured reads the committed real mutex and block
// profiles of Go 1.26 (testdata/profiles/contention-go1.26, see its gen)
// in both forms and checks the exact facts of the files.
func TestReadContentionCaptured(t *testing.T) {
	type sample struct {
		contentions int64
		delay       time.Duration
		stack       string // functions, innermost first
		leafInlined bool
	}
	const main = "/work/main/parse/testdata/profiles/contention-go1.26/gen/main.go"
	mutex := []sample{
		{198, 675314709 * time.Nanosecond, "sync.(*Mutex).Unlock,main.hotLock.func1", true},
		{3, 30748276 * time.Nanosecond, "sync.(*RWMutex).Unlock,main.readersWriter,main.main,runtime.main", false},
	}
	block := []sample{
		{198, 674796627 * time.Nanosecond, "sync.(*Mutex).Lock,main.hotLock.func1", true},
		{1, 230152977 * time.Nanosecond, "sync.(*WaitGroup).Wait,main.hotLock,main.main,runtime.main", false},
		{3, 30765284 * time.Nanosecond, "sync.(*RWMutex).RLock,main.readersWriter.func1", true},
		{1, 15236544 * time.Nanosecond, "runtime.selectgo,main.slowChannel,main.main,runtime.main", false},
		{1, 15223308 * time.Nanosecond, "runtime.chanrecv1,main.slowChannel,main.main,runtime.main", false},
		{1, 13425 * time.Nanosecond, "sync.(*WaitGroup).Wait,main.readersWriter,main.main,runtime.main", false},
	}
	tests := []struct {
		file    string
		format  Format
		period  int64
		cps     int64
		samples []sample
	}{
		{"mutex.pb.gz", FormatMutex, 1, 0, mutex},
		{"mutex-debug1.txt", FormatMutex, 1, 2096002457, mutex},
		{"block.pb.gz", FormatBlock, 1, 0, block},
		// The block profile's text form prints no sampling period.
		{"block-debug1.txt", FormatBlock, 0, 2096002457, block},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := readOneSnapshot(t, filepath.Join("testdata", "profiles", "contention-go1.26", tt.file))
			c := s.Contention
			if s.Source.Format != tt.format || c.Kind != tt.format || s.Caps != CapContention {
				t.Fatalf("format %s kind %s caps %s, want %s and contention", s.Source.Format, c.Kind, s.Caps, tt.format)
			}
			if c.Period != tt.period || c.CyclesPerSecond != tt.cps {
				t.Errorf("period %d cycles/second %d, want %d %d", c.Period, c.CyclesPerSecond, tt.period, tt.cps)
			}
			if len(c.Samples) != len(tt.samples) {
				t.Fatalf("%d samples, want %d", len(c.Samples), len(tt.samples))
			}
			for i, want := range tt.samples {
				got := c.Samples[i]
				// The proto holds int64(cycles / GHz); the text the cycles:
				// converting back may differ by a nanosecond.
				if d := got.Delay - want.delay; got.Contentions != want.contentions || d < -1 || d > 1 {
					t.Errorf("sample %d: %d contentions, delay %v; want %d, %v", i, got.Contentions, got.Delay, want.contentions, want.delay)
				}
				if fns := strings.Join(funcNames(got.Stack), ","); fns != want.stack {
					t.Errorf("sample %d: stack %s, want %s", i, fns, want.stack)
				}
				if f := got.Stack.Frames[0]; f.Inlined != want.leafInlined {
					t.Errorf("sample %d: leaf %s inlined %v, want %v", i, f.Function, f.Inlined, want.leafInlined)
				}
			}
			if f := c.Samples[0].Stack.Frames[1]; f.File != main {
				t.Errorf("file %s", f.File)
			}
			if len(s.Warnings) != 0 {
				t.Errorf("warnings %v", s.Warnings)
			}
		})
	}
}

//go:noinline
func contendMutexForTest(workers, rounds int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < rounds; j++ {
				mu.Lock()
				time.Sleep(10 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

//go:noinline
func blockOnChannelForTest(d time.Duration) {
	ch := make(chan int)
	go func() {
		time.Sleep(d)
		ch <- 1
	}()
	<-ch
}

// captureContention makes real mutex contention and channel blocking in
// this process and returns the runtime's mutex and block profiles at
// debug=0 and debug=1.
func captureContention(t *testing.T) map[string][]byte {
	t.Helper()
	prev := runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	defer func() {
		runtime.SetMutexProfileFraction(prev)
		runtime.SetBlockProfileRate(0)
	}()
	contendMutexForTest(4, 50)
	blockOnChannelForTest(20 * time.Millisecond)
	out := make(map[string][]byte)
	for _, name := range []string{"mutex", "block"} {
		for _, debug := range []int{0, 1} {
			var b bytes.Buffer
			if err := pprof.Lookup(name).WriteTo(&b, debug); err != nil {
				t.Fatal(err)
			}
			out[name+"-debug"+itoa(debug)] = b.Bytes()
		}
	}
	return out
}

// TestReadContentionLive reads profiles the runtime running this test
// writes, and checks that both forms agree on this test's samples.
func TestReadContentionLive(t *testing.T) {
	profiles := captureContention(t)
	const self = "github.com/gorensic/gorensic/parse."
	read := func(key string, format Format) map[string]ContentionSample {
		snaps, err := Read(context.Background(), key, bytes.NewReader(profiles[key]), Options{})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		s := snaps[0]
		if err := checkSnapshot(s); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if s.Source.Format != format {
			t.Fatalf("%s read as %s, want %s", key, s.Source.Format, format)
		}
		out := make(map[string]ContentionSample)
		for _, smp := range s.Contention.Samples {
			fns := strings.Join(funcNames(smp.Stack), ",")
			if strings.Contains(fns, self+"contendMutexForTest") || strings.Contains(fns, self+"blockOnChannelForTest") {
				out[fns] = smp
			}
		}
		return out
	}
	m0, m1 := read("mutex-debug0", FormatMutex), read("mutex-debug1", FormatMutex)
	b0, b1 := read("block-debug0", FormatBlock), read("block-debug1", FormatBlock)

	unlock := "sync.(*Mutex).Unlock," + self + "contendMutexForTest.func1"
	lock := "sync.(*Mutex).Lock," + self + "contendMutexForTest.func1"
	recv := "runtime.chanrecv1," + self + "blockOnChannelForTest,"
	for _, c := range []struct {
		name string
		m    map[string]ContentionSample
		leaf string
	}{{"mutex debug0", m0, unlock}, {"mutex debug1", m1, unlock}, {"block debug0", b0, lock}, {"block debug1", b1, lock}, {"block debug0", b0, recv}, {"block debug1", b1, recv}} {
		smp, ok := withPrefix(c.m, c.leaf)
		if !ok {
			t.Errorf("%s: no sample starting %s; have %v", c.name, c.leaf, keys(c.m))
			continue
		}
		if smp.Contentions <= 0 || smp.Delay <= 0 {
			t.Errorf("%s: %s: %d contentions, delay %v", c.name, c.leaf, smp.Contentions, smp.Delay)
		}
	}
	if smp, _ := withPrefix(b0, recv); smp.Delay < 10*time.Millisecond {
		t.Errorf("blocked receive delay %v, want at least 10ms of the 20ms sleep", smp.Delay)
	}
	// Both forms were written from the same records: same counts, and
	// delays equal but for the rounding of the cycles to time conversion.
	for _, pair := range []struct{ a, b map[string]ContentionSample }{{m0, m1}, {b0, b1}} {
		for k, a := range pair.a {
			b, ok := pair.b[k]
			if d := a.Delay - b.Delay; !ok || a.Contentions != b.Contentions || d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("%s: debug=0 %d/%v, debug=1 %d/%v", k, a.Contentions, a.Delay, b.Contentions, b.Delay)
			}
		}
	}
}

// withPrefix returns the sample whose function list starts with prefix.
func withPrefix(m map[string]ContentionSample, prefix string) (ContentionSample, bool) {
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			return v, true
		}
	}
	return ContentionSample{}, false
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestReadContentionTextCases(t *testing.T) {
	const sym = "#\t0x4dcf1e\tsync.(*Mutex).Unlock+0x9e\t/src/sync/mutex.go:65\n#\t0x4dcf1d\tmain.hot+0x9d\t\t/src/main.go:32\n"
	tests := []struct {
		name     string
		in       string
		format   Format
		period   int64
		cps      int64
		samples  []int64 // contentions
		delays   []time.Duration
		warnings []WarningKind
		rest     []string
		none     bool   // no snapshot
		last     string // stack of the last sample, when not the symbol lines
	}{{
		name:   "delay converted with cycles/second, stops at a foreign line",
		in:     "--- mutex:\ncycles/second=2000000000\nsampling period=5\n3000000000 7 @ 0x1 0x2\n" + sym + "\nlevel=info msg=done\n",
		format: FormatMutex, period: 5, cps: 2e9, samples: []int64{7}, delays: []time.Duration{1500 * time.Millisecond},
		rest: []string{"level=info msg=done"},
	}, {
		name:   "block profile with old attributes",
		in:     "--- contention:\ncycles/second=1000000000\nms since reset=1234\n10 1 @ 0x1\n" + sym + "\n20 2 @ 0x1\n" + sym,
		format: FormatBlock, cps: 1e9, samples: []int64{1, 2}, delays: []time.Duration{10, 20},
	}, {
		name:   "no cycles/second: delays taken as nanoseconds",
		in:     "--- contention:\n10 1 @ 0x1\n" + sym + "\n",
		format: FormatBlock, samples: []int64{1}, delays: []time.Duration{10},
		warnings: []WarningKind{WarnMalformed},
	}, {
		name:   "empty mutex profile",
		in:     "--- mutex:\ncycles/second=2000000000\nsampling period=1\n--- contention:\ncycles/second=2000000000\n",
		format: FormatMutex, period: 1, cps: 2e9,
		rest: []string{"--- contention:", "cycles/second=2000000000"},
	}, {
		name: "a header followed by nothing of a profile is no profile",
		in:   "--- mutex: see the graph below\nnothing here\n",
		none: true, rest: []string{"nothing here"},
	}, {
		name:   "cut inside a sample line",
		in:     "--- mutex:\ncycles/second=1000000000\n10 1 @ 0x1\n" + sym + "\n20 2 @ 0x4dcf",
		format: FormatMutex, cps: 1e9, samples: []int64{1, 2}, delays: []time.Duration{10, 20},
		warnings: []WarningKind{WarnTruncated}, last: "0x4dcf",
	}, {
		name:   "malformed values and symbol lines",
		in:     "--- mutex:\ncycles/second=1000000000\n99999999999999999999 1 @ 0x1\n" + sym + "\n5 1 @ 0x1\n#\t0xq\tmain.f+0x1\t/x.go:1\n" + sym,
		format: FormatMutex, cps: 1e9, samples: []int64{1}, delays: []time.Duration{5},
		warnings: []WarningKind{WarnMalformed, WarnMalformed},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rest, err := readDebug1String(t, tt.in, readContentionText)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rest, "|") != strings.Join(tt.rest, "|") {
				t.Errorf("left %q, want %q", rest, tt.rest)
			}
			if tt.none {
				if s != nil {
					t.Errorf("snapshot %+v, want none", s.Source)
				}
				return
			}
			if s == nil {
				t.Fatal("no snapshot")
			}
			c := s.Contention
			if s.Source.Format != tt.format || c.Period != tt.period || c.CyclesPerSecond != tt.cps {
				t.Errorf("format %s period %d cps %d, want %s %d %d", s.Source.Format, c.Period, c.CyclesPerSecond, tt.format, tt.period, tt.cps)
			}
			if len(c.Samples) != len(tt.samples) {
				t.Fatalf("%d samples, want %d", len(c.Samples), len(tt.samples))
			}
			for i, smp := range c.Samples {
				if smp.Contentions != tt.samples[i] || smp.Delay != tt.delays[i] {
					t.Errorf("sample %d: %d/%v, want %d/%v", i, smp.Contentions, smp.Delay, tt.samples[i], tt.delays[i])
				}
				want := "sync.(*Mutex).Unlock,main.hot"
				if i == len(c.Samples)-1 && tt.last != "" {
					want = tt.last
				}
				if got := strings.Join(funcNames(smp.Stack), ","); got != want {
					t.Errorf("sample %d stack %s", i, got)
				}
			}
			if got := warningKinds(s); !equalKinds(got, tt.warnings) {
				t.Errorf("warnings %v, want kinds %v", s.Warnings, tt.warnings)
			}
		})
	}
}

// TestContentionKind checks how the proto's mutex and block profiles,
// written alike by the runtime, are told apart.
func TestContentionKind(t *testing.T) {
	in := NewInterner()
	stack := func(fns ...string) *Stack {
		var fs []*Frame
		for _, fn := range fns {
			fs = append(fs, in.FrameOf(fn, "/x.go", 1, 0))
		}
		return in.Stack(fs, nil, 0, 0)
	}
	tests := []struct {
		name   string
		leaves [][]string
		want   Format
	}{
		{"sync.Mutex unlock", [][]string{{"sync.(*Mutex).Unlock", "main.f"}}, FormatMutex},
		{"internal/sync unlockSlow", [][]string{{"internal/sync.(*Mutex).unlockSlow", "sync.(*Mutex).Unlock"}}, FormatMutex},
		{"RWMutex RUnlock and runtime lock", [][]string{{"sync.(*RWMutex).RUnlock"}, {"runtime.unlock"}, {"runtime._LostContendedRuntimeLock"}}, FormatMutex},
		{"semaphore release of old runtimes", [][]string{{"sync.runtime_Semrelease", "sync.(*Mutex).Unlock"}}, FormatMutex},
		{"lock, channel, select", [][]string{{"sync.(*Mutex).Lock"}, {"runtime.chanrecv1"}, {"runtime.selectgo"}, {"sync.runtime_SemacquireMutex"}}, FormatBlock},
		{"majority decides", [][]string{{"sync.(*Mutex).Unlock"}, {"sync.(*Mutex).Unlock"}, {"main.f"}}, FormatMutex},
		{"no samples", nil, FormatBlock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var samples []ContentionSample
			for _, fns := range tt.leaves {
				samples = append(samples, ContentionSample{Stack: stack(fns...)})
			}
			if got := contentionKind(samples); got != tt.want {
				t.Errorf("kind %s, want %s", got, tt.want)
			}
		})
	}
}
