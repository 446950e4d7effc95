package parse

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// These inputs are hand-edited variants of real runtime output, kept small
// to pin one parser edge case each. Real captures are tested in
// fixtures_test.go and corpus_test.go.

func readString(t *testing.T, s string) []*Snapshot {
	t.Helper()
	snaps, err := Read(context.Background(), "test.txt", strings.NewReader(s), Options{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return snaps
}

func onlySnapshot(t *testing.T, s string) *Snapshot {
	t.Helper()
	snaps := readString(t, s)
	if len(snaps) != 1 {
		t.Fatalf("got %d snapshots, want 1", len(snaps))
	}
	return snaps[0]
}

func TestHeaderVariants(t *testing.T) {
	tests := []struct {
		name   string
		header string
		id     int64
		state  string
		wait   time.Duration
		flags  GoroutineFlags
		bubble int64
		labels string
		gp, m  uint64
		mnil   bool
	}{
		{"plain", "goroutine 7 [chan receive]:", 7, "chan receive", 0, 0, 0, "", 0, 0, false},
		{"minutes", "goroutine 12 [select, 12 minutes]:", 12, "select", 12 * time.Minute, 0, 0, "", 0, 0, false},
		{"locked", "goroutine 3 [semacquire, 3 minutes, locked to thread]:", 3, "semacquire", 3 * time.Minute, FlagLockedToThread, 0, "", 0, 0, false},
		{"gp-m", "goroutine 1 gp=0xc000002380 m=0 mp=0x10f7fb860 [running]:", 1, "running", 0, 0, 0, "", 0xc000002380, 0, false},
		{"gp-mnil", "goroutine 1 gp=0xc0000061c0 m=nil [semacquire, 15 minutes]:", 1, "semacquire", 15 * time.Minute, 0, 0, "", 0xc0000061c0, 0, true},
		{"leaked", "goroutine 40 [chan send (leaked)]:", 40, "chan send", 0, FlagLeaked, 0, "", 0, 0, false},
		{"leaked-minutes", "goroutine 40 [chan receive (leaked), 2 minutes]:", 40, "chan receive", 2 * time.Minute, FlagLeaked, 0, "", 0, 0, false},
		{"scan", "goroutine 9 [running (scan)]:", 9, "running", 0, FlagScan, 0, "", 0, 0, false},
		{"nil-chan", "goroutine 5 [chan send (nil chan)]:", 5, "chan send (nil chan)", 0, 0, 0, "", 0, 0, false},
		{"no-cases", "goroutine 5 [select (no cases), 4 minutes]:", 5, "select (no cases)", 4 * time.Minute, 0, 0, "", 0, 0, false},
		{"durable-bubble", "goroutine 21 [chan receive (durable), synctest bubble 1]:", 21, "chan receive", 0, FlagDurable | FlagSynctestBubble, 1, "", 0, 0, false},
		{"durable-added", "goroutine 22 [sleep (durable), 1 minutes, synctest bubble 3]:", 22, "sleep", time.Minute, FlagDurable | FlagSynctestBubble, 3, "", 0, 0, false},
		{"new-reasons", "goroutine 8 [sync.RWMutex.RLock, 495 minutes]:", 8, "sync.RWMutex.RLock", 495 * time.Minute, 0, 0, "", 0, 0, false},
		{"labels-126", `goroutine 6 [select, locked to thread labels:{"handler": "checkout", "id": "a\"b"}]:`, 6, "select", 0, FlagLockedToThread, 0, `{handler=checkout, id=a"b}`, 0, 0, false},
		{"labels-only", `goroutine 6 [chan receive labels:{"k": "v"}]:`, 6, "chan receive", 0, 0, 0, "{k=v}", 0, 0, false},
		{"labels-127", `goroutine 6 [select, 2 minutes] {handler: checkout, "x y": "a]b", empty: }:`, 6, "select", 2 * time.Minute, 0, 0, "{empty=, handler=checkout, x y=a]b}", 0, 0, false},
		{"labels-127-locked", `goroutine 9 [chan receive, locked to thread] {path: /api/v1.x_y}:`, 9, "chan receive", 0, FlagLockedToThread, 0, "{path=/api/v1.x_y}", 0, 0, false},
		{"gc-worker", "goroutine 18 [GC worker (idle)]:", 18, "GC worker (idle)", 0, 0, 0, "", 0, 0, false},
		{"crlf", "goroutine 4 [IO wait]:\r", 4, "IO wait", 0, 0, 0, "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := onlySnapshot(t, tt.header+"\nmain.main()\n\t/src/main.go:10 +0x1d\n")
			if len(s.Goroutines) != 1 {
				t.Fatalf("got %d goroutines", len(s.Goroutines))
			}
			g := s.Goroutines[0]
			var x GoroutineExtra
			if g.Extra != nil {
				x = *g.Extra
			}
			if g.ID != tt.id || g.State != tt.state || g.Wait != tt.wait || g.Flags != tt.flags || x.Bubble != tt.bubble {
				t.Errorf("got id=%d state=%q wait=%v flags=%b bubble=%d; want id=%d state=%q wait=%v flags=%b bubble=%d",
					g.ID, g.State, g.Wait, g.Flags, x.Bubble, tt.id, tt.state, tt.wait, tt.flags, tt.bubble)
			}
			if got := g.Labels.String(); got != tt.labels {
				t.Errorf("labels = %q, want %q", got, tt.labels)
			}
			if x.GP != tt.gp || x.M != tt.m || x.MNil != tt.mnil {
				t.Errorf("gp=%#x m=%d mnil=%v, want gp=%#x m=%d mnil=%v", x.GP, x.M, x.MNil, tt.gp, tt.m, tt.mnil)
			}
			if f := g.Stack.Frames; len(f) != 1 || f[0].Function != "main.main" || f[0].File != "/src/main.go" || f[0].Line != 10 || f[0].PC != 0x1d {
				t.Errorf("frames = %+v", f)
			}
		})
	}
}

func TestFrameVariants(t *testing.T) {
	tests := []struct {
		name     string
		lines    string
		function string
		file     string
		line     int
		inlined  bool
		runtime  bool
		cgo      bool
	}{
		{"args", "main.(*T).Run(0xc000010000, {0x4a1f20, 0x5})\n\t/src/t.go:88 +0x1d", "main.(*T).Run", "/src/t.go", 88, false, false, false},
		{"question-args", "net/http.(*conn).serve(0xc0001ae000, {0x6f8c28?, 0xc0000a2ff0})\n\t/usr/lib/go/src/net/http/server.go:2092 +0x5d0", "net/http.(*conn).serve", "/usr/lib/go/src/net/http/server.go", 2092, false, false, false},
		{"inlined", "runtime.goparkunlock(...)\n\t/usr/local/go/src/runtime/proc.go:430", "runtime.goparkunlock", "/usr/local/go/src/runtime/proc.go", 430, true, true, false},
		{"windows", "main.main()\n\tC:/Users/me/go/src/app/main.go:12 +0x25", "main.main", "C:/Users/me/go/src/app/main.go", 12, false, false, false},
		{"windows-spaces", "main.main()\n\tC:/Program Files/Go/src/runtime/proc.go:283 +0x28b", "main.main", "C:/Program Files/Go/src/runtime/proc.go", 283, false, false, false},
		{"negative-line", "main.f()\n\t/src/gen.go:-1 +0x5", "main.f", "/src/gen.go", -1, false, false, false},
		{"cgo", "main._Cfunc_c_sleep_loop(0x2)\n\t_cgo_gotypes.go:52 +0x49", "main._Cfunc_c_sleep_loop", "_cgo_gotypes.go", 52, false, false, true},
		{"unknown-file", "robotgo._Cfunc_akeyTap(0x46001c0)\n\t??:0 +0x4e fp=0xc420049e60 sp=0xc420049e30", "robotgo._Cfunc_akeyTap", "??", 0, false, false, true},
		{"fp-sp-pc", "runtime.throw({0x6d50fce?, 0xc000a841c0?})\n\t/usr/local/go/src/runtime/panic.go:1067 +0x48 fp=0x7fa572ffcae8 sp=0x7fa572ffcab8 pc=0x22e3788", "runtime.throw", "/usr/local/go/src/runtime/panic.go", 1067, false, true, false},
		{"generic", "main.Map[go.shape.int,go.shape.string](...)\n\t/src/g.go:7", "main.Map[go.shape.int,go.shape.string]", "/src/g.go", 7, true, false, false},
		{"go13-c", "chanrecv(0x838c340, 0x189187b0)\n    /usr/local/go/src/pkg/runtime/chan.goc:268 +0x480 fp=0x18e1569c sp=0x18e15664", "chanrecv", "/usr/local/go/src/pkg/runtime/chan.goc", 268, false, true, false},
		{"no-indent", "sync.(*Mutex).Lock(0xc20802a0d8)\n/usr/local/go/src/sync/mutex.go:66 +0xd3", "sync.(*Mutex).Lock", "/usr/local/go/src/sync/mutex.go", 66, false, false, false},
		{"method-value", "main.(*Server).(main.handle)·fm(0x1)\n\t/src/s.go:5 +0x1", "main.(*Server).(main.handle)·fm", "/src/s.go", 5, false, false, false},
		{"autogenerated", "main.(*T).String()\n\t<autogenerated>:1 +0x2a", "main.(*T).String", "<autogenerated>", 1, false, false, false},
		{"gowrap", "runtime.goexit({})\n\t/usr/lib/go/src/runtime/asm_amd64.s:1695 +0x1", "runtime.goexit", "/usr/lib/go/src/runtime/asm_amd64.s", 1695, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := onlySnapshot(t, "goroutine 1 [running]:\n"+tt.lines+"\n")
			if len(s.Warnings) != 0 {
				t.Errorf("warnings: %v", s.Warnings)
			}
			f := s.Goroutines[0].Stack.Frames
			if len(f) != 1 {
				t.Fatalf("got %d frames: %v", len(f), funcNames(s.Goroutines[0].Stack))
			}
			got := f[0]
			if got.Function != tt.function || got.File != tt.file || got.Line != tt.line || got.Inlined != tt.inlined || got.Runtime != tt.runtime || got.Cgo != tt.cgo {
				t.Errorf("got %+v\nwant function=%q file=%q line=%d inlined=%v runtime=%v cgo=%v", *got, tt.function, tt.file, tt.line, tt.inlined, tt.runtime, tt.cgo)
			}
		})
	}
}

func TestCreatedByAndElision(t *testing.T) {
	in := `goroutine 1 [running]:
main.main()
	/src/main.go:5 +0x1

goroutine 35 [chan send, 3 minutes]:
main.fetch(0xc000100000)
	/src/fetch.go:88 +0x45
...additional frames elided...
created by main.fanOut in goroutine 20
	/src/fetch.go:61 +0x6b

goroutine 36 [chan send]:
main.fetch(0xc000100010)
	/src/fetch.go:88 +0x45
...3 frames elided...
created by main.fanOut
	/src/fetch.go:61 +0x6b

goroutine 37 [IO wait]:
	goroutine running on other thread; stack unavailable
created by main.serve
	/src/serve.go:9 +0x20
`
	s := onlySnapshot(t, in)
	if got := len(s.Goroutines); got != 4 {
		t.Fatalf("goroutines = %d, want 4", got)
	}
	g := s.Goroutines[1]
	if g.CreatorID != 20 || g.Stack.CreatedBy == nil || g.Stack.CreatedBy.Function != "main.fanOut" || g.Stack.CreatedBy.Line != 61 {
		t.Errorf("creator: id=%d %+v", g.CreatorID, g.Stack.CreatedBy)
	}
	if g.Stack.Elided != -1 || g.Stack.ElidedAt != 1 || !g.Has(FlagFramesElided) {
		t.Errorf("elided=%d at %d flags=%b", g.Stack.Elided, g.Stack.ElidedAt, g.Flags)
	}
	if g2 := s.Goroutines[2]; g2.Stack.Elided != 3 || g2.CreatorID != 0 || g2.Stack.CreatedBy != g.Stack.CreatedBy {
		t.Errorf("goroutine 36: elided=%d creator=%d createdBy=%p vs %p", g2.Stack.Elided, g2.CreatorID, g2.Stack.CreatedBy, g.Stack.CreatedBy)
	}
	if g3 := s.Goroutines[3]; !g3.Has(FlagStackUnavailable) || len(g3.Stack.Frames) != 0 || g3.Stack.CreatedBy.Function != "main.serve" {
		t.Errorf("goroutine 37: %+v", g3)
	}
	if !s.Caps.Has(CapCreatorIDs) {
		t.Errorf("caps %v lack creator-ids", s.Caps)
	}
}

func TestInterningSharesStacks(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 100; i++ {
		b.WriteString("goroutine " + itoa(100+i) + " [chan receive]:\nmain.worker(0xc0000" + itoa(i) + ")\n\t/src/w.go:12 +0x2" + "\ncreated by main.main in goroutine 1\n\t/src/w.go:30 +0x4\n\n")
	}
	s := onlySnapshot(t, b.String())
	first := s.Goroutines[0].Stack
	for _, g := range s.Goroutines {
		if g.Stack != first {
			t.Fatalf("goroutine %d has its own stack; want one interned stack for identical frames", g.ID)
		}
	}
	groups := Aggregate(s)
	if len(groups) != 1 || groups[0].Count != 100 || groups[0].CreatorIDs != 1 {
		t.Fatalf("groups: %d, first %+v", len(groups), groups[0])
	}
}

func TestSeveralDumpsInOneInput(t *testing.T) {
	in := `2024/01/02 10:00:00 starting
goroutine 1 [running]:
main.main()
	/src/main.go:5 +0x1

goroutine 7 [sleep]:
time.Sleep(0x3b9aca00)
	/usr/local/go/src/runtime/time.go:195 +0x125

2024/01/02 10:01:00 dumping again
goroutine 1 [running]:
main.main()
	/src/main.go:5 +0x1
SIGQUIT: quit
PC=0x46a8a1 m=0 sigcode=0

goroutine 0 [idle]:
runtime.futex(0x7d3e08, 0x80, 0x0)
	/usr/local/go/src/runtime/sys_linux_amd64.s:557 +0x21

goroutine 1 [sleep]:
time.Sleep(0x3b9aca00)
	/usr/local/go/src/runtime/time.go:195 +0x125

rax    0xca
rbx    0x0
exit status 2
`
	snaps := readString(t, in)
	if len(snaps) != 3 {
		t.Fatalf("snapshots = %d, want 3", len(snaps))
	}
	want := []struct {
		n     int
		line  int
		f     Format
		crash string
	}{{2, 2, FormatDebug2, ""}, {1, 11, FormatDebug2, ""}, {2, 14, FormatCrash, "SIGQUIT: quit"}}
	for i, w := range want {
		s := snaps[i]
		if s.GoroutineCount() != w.n || s.Source.Line != w.line || s.Source.Format != w.f || s.Source.Index != i {
			t.Errorf("snapshot %d: n=%d line=%d format=%s index=%d; want n=%d line=%d format=%s", i, s.GoroutineCount(), s.Source.Line, s.Source.Format, s.Source.Index, w.n, w.line, w.f)
		}
		if w.crash != "" && (s.Crash == nil || s.Crash.Message != w.crash || s.Crash.GoroutineID != 0) {
			t.Errorf("snapshot %d crash = %+v", i, s.Crash)
		}
	}
	if snaps[2].Goroutines[0].Has(FlagCrashed) {
		t.Errorf("SIGQUIT marked goroutine 0 as crashed")
	}
}

func TestCrashHeaders(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		kind    CrashKind
		message string
		signal  string
		panics  []Panic
		crashed int64
	}{
		{"nil-deref", "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47e1c5]\n\ngoroutine 18 [running]:\nmain.(*T).get(...)\n\t/src/t.go:9\n",
			CrashPanic, "runtime error: invalid memory address or nil pointer dereference", "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47e1c5]",
			[]Panic{{Message: "runtime error: invalid memory address or nil pointer dereference"}}, 18},
		{"recovered-chain", "panic: first [recovered]\n\tpanic: second\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/m.go:3 +0x1\n",
			CrashPanic, "second", "", []Panic{{Message: "first", Recovered: true}, {Message: "second"}}, 1},
		{"repanicked", "panic: boom [recovered, repanicked]\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/m.go:3 +0x1\n",
			CrashPanic, "boom", "", []Panic{{Message: "boom", Recovered: true, Repanicked: true}}, 1},
		{"multiline-panic", "panic: line one\nline two\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/m.go:3 +0x1\n",
			CrashPanic, "line one\nline two", "", []Panic{{Message: "line one\nline two"}}, 1},
		{"map-writes", "fatal error: concurrent map writes\n\ngoroutine 7 [running]:\nmain.w()\n\t/src/m.go:3 +0x1\n",
			CrashFatalError, "concurrent map writes", "", nil, 7},
		{"stack-overflow", "runtime: goroutine stack exceeds 1000000000-byte limit\nruntime: sp=0xc020160398 stack=[0xc020160000, 0xc040160000]\nfatal error: stack overflow\n\nruntime stack:\nruntime.throw({0x4b6e1b?, 0x0?})\n\t/usr/local/go/src/runtime/panic.go:1047 +0x5d fp=0x7ffd sp=0x7ffc pc=0x4330dd\n\ngoroutine 1 [running]:\nmain.f()\n\t/src/m.go:3 +0x1\n",
			CrashFatalError, "stack overflow", "", nil, 1},
		{"glued-prompt", "hashrate 12 MH/s  SIGABRT: abort\nPC=0x7fff m=3\n\ngoroutine 6 [syscall, locked to thread]:\nmain.run()\n\t/src/m.go:3 +0x1\n",
			CrashSignal, "SIGABRT: abort", "SIGABRT: abort", nil, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := onlySnapshot(t, tt.in)
			c := s.Crash
			if c == nil {
				t.Fatal("no crash")
			}
			if c.Kind != tt.kind || c.Message != tt.message || c.Signal != tt.signal || c.GoroutineID != tt.crashed {
				t.Errorf("got kind=%s message=%q signal=%q goroutine=%d", c.Kind, c.Message, c.Signal, c.GoroutineID)
			}
			if len(c.Panics) != len(tt.panics) {
				t.Fatalf("panics = %+v, want %+v", c.Panics, tt.panics)
			}
			for i := range tt.panics {
				if c.Panics[i] != tt.panics[i] {
					t.Errorf("panic %d = %+v, want %+v", i, c.Panics[i], tt.panics[i])
				}
			}
			if !s.Goroutines[0].Has(FlagCrashed) {
				t.Errorf("crashing goroutine not marked")
			}
		})
	}
}

func TestStrayPanicLineIsNotACrash(t *testing.T) {
	in := "level=info msg=\"recovered\" err=\"panic: boom\"\n"
	for i := 0; i < 50; i++ {
		in += "level=info msg=request\n"
	}
	in += "goroutine 1 [running]:\nmain.main()\n\t/src/m.go:3 +0x1\n"
	s := onlySnapshot(t, in)
	if s.Crash != nil || s.Source.Format != FormatDebug2 {
		t.Errorf("crash = %+v, format %s; a log line mentioning panic is not a crash", s.Crash, s.Source.Format)
	}
}

func TestPrefixedLines(t *testing.T) {
	in := "web_1   | goroutine 1 [chan receive]:\nweb_1   | main.main()\nweb_1   | \t/src/m.go:3 +0x1\nweb_1   | \nweb_1   | goroutine 2 [sleep]:\nweb_1   | time.Sleep(0x1)\nweb_1   | \t/go/src/runtime/time.go:195 +0x1\n"
	s := onlySnapshot(t, in)
	if s.GoroutineCount() != 2 || s.Goroutines[1].Stack.Frames[0].Function != "time.Sleep" {
		t.Fatalf("got %d goroutines: %+v", s.GoroutineCount(), s.Goroutines)
	}
	ts := "2024-01-02T10:00:00.123Z goroutine 1 [chan receive]:\n2024-01-02T10:00:00.124Z main.main()\n2024-01-02T10:00:00.125Z \t/src/m.go:3 +0x1\n"
	s = onlySnapshot(t, ts)
	if f := s.Goroutines[0].Stack.Frames; len(f) != 1 || f[0].File != "/src/m.go" {
		t.Fatalf("timestamp prefix not stripped: %+v", f)
	}
}

func TestTruncatedDump(t *testing.T) {
	in := "goroutine 1 [chan receive]:\nmain.main()\n\t/src/m.go:3 +0x1\n\ngoroutine 2 [sleep]:\ntime.Sleep(0x1)\n\t/go/src/runtime/ti"
	s := onlySnapshot(t, in)
	if s.GoroutineCount() != 2 {
		t.Fatalf("goroutines = %d, want 2 (the cut one kept)", s.GoroutineCount())
	}
	if len(s.Warnings) == 0 || s.Warnings[len(s.Warnings)-1].Kind != WarnTruncated {
		t.Fatalf("warnings = %v, want a truncation warning", s.Warnings)
	}
	if !strings.Contains(s.Warnings[len(s.Warnings)-1].Message, "goroutine 2") {
		t.Errorf("warning does not name the cut goroutine: %v", s.Warnings)
	}
}

func TestPprof64MiBCut(t *testing.T) {
	var b strings.Builder
	one := "goroutine %d [chan receive, 5 minutes]:\nmain.worker(0xc000010000)\n\t/src/w.go:12 +0x2d\ncreated by main.main in goroutine 1\n\t/src/w.go:30 +0x4d\n\n"
	n := 0
	for b.Len() < pprofDebug2Cap {
		n++
		b.WriteString(strings.Replace(one, "%d", itoa(n), 1))
	}
	in := b.String()[:pprofDebug2Cap]
	s := onlySnapshot(t, in)
	last := s.Warnings[len(s.Warnings)-1]
	if last.Kind != WarnPprofCap || !strings.Contains(last.Message, "64 MiB") {
		t.Fatalf("warnings = %v, want the 64 MiB cut named", s.Warnings)
	}
	if got := s.GoroutineCount(); got != n {
		t.Errorf("read %d goroutines, want %d", got, n)
	}
}

func TestLongLineIsCutNotFatal(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	in := "log: " + long + "\ngoroutine 1 [running]:\nmain.main(" + long + ")\n\t/src/m.go:3 +0x1\n"
	snaps, err := Read(context.Background(), "long.txt", strings.NewReader(in), Options{MaxLine: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	s := snaps[0]
	if s.GoroutineCount() != 1 || s.Goroutines[0].Stack.Frames[0].Function != "main.main" || s.Goroutines[0].Stack.Frames[0].Line != 3 {
		t.Fatalf("goroutines: %+v", s.Goroutines)
	}
	found := false
	for _, w := range s.Warnings {
		if w.Kind == WarnLongLine && w.Line == 3 {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings = %v, want a long-line warning on line 3", s.Warnings)
	}
}

func TestUnrecognized(t *testing.T) {
	for name, in := range map[string]string{
		"empty":  "",
		"prose":  "hello\nworld\n",
		"binary": "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00",
	} {
		_, err := Read(context.Background(), name, strings.NewReader(in), Options{})
		if !errors.Is(err, ErrUnrecognized) {
			t.Errorf("%s: err = %v, want ErrUnrecognized", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the input", name, err)
		}
	}
}

// TestGoroutineChunksRecycled checks that adoption hands the chunks it
// copied out of back to the pool, emptied, and that the next bulk store
// fills them again rather than allocating.
func TestGoroutineChunksRecycled(t *testing.T) {
	free := make(chan []Goroutine, 8)
	st := &Stack{}
	fill := func(n int) *goroutineStore {
		gs := &goroutineStore{bulk: true, free: free}
		for i := range n {
			gs.add(&Goroutine{ID: int64(i + 1), Stack: st})
		}
		return gs
	}
	worker := fill(3 * bulkGoroutineChunk)
	first := &worker.chunks[0][0]
	ordered := &goroutineStore{free: free}
	ordered.reserve(4 * bulkGoroutineChunk)
	ordered.adopt(worker)
	if ordered.n != 3*bulkGoroutineChunk || len(ordered.chunks) != 1 {
		t.Fatalf("adopted %d goroutines into %d chunks", ordered.n, len(ordered.chunks))
	}
	if got := ordered.chunks[0][2*bulkGoroutineChunk+5].ID; got != 2*bulkGoroutineChunk+6 {
		t.Errorf("goroutine %d after adoption has ID %d", 2*bulkGoroutineChunk+5, got)
	}
	if len(free) != 3 {
		t.Fatalf("%d chunks back in the pool, want 3", len(free))
	}
	next := fill(1)
	if &next.chunks[0][0] != first {
		t.Error("the next bulk store allocated a chunk instead of reusing one")
	}
	if next.chunks[0][0].ID != 1 || next.chunks[0][:2][1].Stack != nil {
		t.Error("a reused chunk kept its old records")
	}
}
