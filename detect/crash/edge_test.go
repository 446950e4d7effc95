package crash

import (
	"testing"

	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

// TestEdgeShapes checks hand-edited dumps for shapes the real captures do
// not cover: each is a real runtime shape with the program's frames
// replaced.
func TestEdgeShapes(t *testing.T) {
	tests := []struct {
		name    string
		dump    string
		key     string // "" for no finding
		culprit string
		title   string
	}{
		{
			name: "deadlock belongs to the deadlock detector",
			dump: "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()\n\t/src/main.go:9 +0x1d\n",
		},
		{
			name: "synctest bubble deadlock",
			dump: "panic: deadlock: main bubble goroutine has exited but blocked goroutines remain [recovered]\n\tpanic: deadlock: main bubble goroutine has exited but blocked goroutines remain\n\ngoroutine 7 [running]:\ntesting.tRunner.func1.2({0x5a1b20, 0x6c4d10})\n\t/usr/local/go/src/testing/testing.go:1872 +0x237\npanic({0x5a1b20?, 0x6c4d10?})\n\t/usr/local/go/src/runtime/panic.go:792 +0x132\ntesting/synctest.Test(0xc000102a80, 0x5c1e10)\n\t/usr/local/go/src/testing/synctest/synctest.go:45 +0x9b\nexample.com/x.TestWait(0xc000102a80)\n\t/src/x_test.go:12 +0x25\ntesting.tRunner(0xc000102a80, 0x5c1e18)\n\t/usr/local/go/src/testing/testing.go:1934 +0xea\ncreated by testing.(*T).Run in goroutine 1\n\t/usr/local/go/src/testing/testing.go:1997 +0x465\n",
		},
		{
			name: "SIGQUIT dump",
			dump: "SIGQUIT: quit\nPC=0x46a3c1 m=0 sigcode=0\n\ngoroutine 0 gp=0x5e1d40 m=0 mp=0x5e2740 [idle]:\nruntime.futex(0x5e2880, 0x80, 0x0, 0x0, 0x0, 0x0)\n\t/usr/local/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x7ffd3c1c9a38 sp=0x7ffd3c1c9a30 pc=0x46a3c1\n\ngoroutine 1 gp=0xc000002380 m=nil [select, 12 minutes]:\nmain.main()\n\t/src/main.go:30 +0x1d\n",
		},
		{
			name:    "SIGBUS on a truncated mmap'd file",
			dump:    "unexpected fault address 0x7f1e5c400000\nfatal error: fault\n[signal SIGBUS: bus error code=0x2 addr=0x7f1e5c400000 pc=0x4a1f20]\n\ngoroutine 12 gp=0xc000102a80 m=4 mp=0xc000080808 [running]:\nruntime.throw({0x4d2a1b?, 0x0?})\n\t/usr/local/go/src/runtime/panic.go:1101 +0x48 fp=0xc00005fd40 sp=0xc00005fd10 pc=0x46d2a8\nruntime.sigpanic()\n\t/usr/local/go/src/runtime/signal_unix.go:939 +0x26c fp=0xc00005fda0 sp=0xc00005fd40 pc=0x46f0cc\ngo.etcd.io/bbolt.(*DB).page(...)\n\t/go/pkg/mod/go.etcd.io/bbolt@v1.3.7/db.go:1043\nexample.com/store.(*Store).Get(0xc0000a4000, {0xc000016090, 0x3, 0x8})\n\t/src/store/store.go:88 +0x60 fp=0xc00005fe10 sp=0xc00005fda0 pc=0x4a1f20\n",
			key:     "fatal-signal",
			culprit: "go.etcd.io/bbolt.(*DB).page",
			title:   "fatal error: fault (SIGBUS addr=0x7f1e5c400000) in bbolt.(*DB).page",
		},
		{
			name:    "concurrent map iteration and map write, from a library call",
			dump:    "fatal error: concurrent map iteration and map write\n\ngoroutine 41 [running]:\ninternal/runtime/maps.fatal({0x6b5c2a?, 0x0?})\n\t/usr/local/go/src/runtime/panic.go:1058 +0x18\ninternal/runtime/maps.(*Iter).Next(0xc0001a3a40?)\n\t/usr/local/go/src/internal/runtime/maps/table.go:683 +0x86\nencoding/json.mapEncoder.encode({0xc0001f2000?}, 0xc0001f4000, {0x6a1c20?, 0xc000120030?, 0x6c?}, {0xa?, 0x0?})\n\t/usr/local/go/src/encoding/json/encode.go:745 +0x2f0\nencoding/json.Marshal({0x6a1c20, 0xc000120030})\n\t/usr/local/go/src/encoding/json/encode.go:161 +0xd2\nexample.com/api.(*Handler).stats(0xc000012345, {0x7a1b20, 0xc0001e0000}, 0xc0001d2000)\n\t/src/api/stats.go:31 +0x5a\nnet/http.HandlerFunc.ServeHTTP(0xc0000b6000?, {0x7a1b20?, 0xc0001e0000?}, 0x0?)\n\t/usr/local/go/src/net/http/server.go:2294 +0x29\ncreated by net/http.(*Server).Serve in goroutine 1\n\t/usr/local/go/src/net/http/server.go:3454 +0x485\n",
			key:     "concurrent-map-access",
			culprit: "example.com/api.(*Handler).stats",
			title:   "fatal error: concurrent map iteration and map write in api.(*Handler).stats",
		},
		{
			name:    "Windows stack overflow exception",
			dump:    "Exception 0xc00000fd 0x1 0x3f3fff8 0x7ffb1a2b3c4d\nPC=0x7ffb1a2b3c4d\n\ngoroutine 1 [running]:\nmain.walk(0xc000010000)\n\tC:/src/main.go:12 +0x1d\nmain.walk(0xc000010000)\n\tC:/src/main.go:13 +0x2a\nmain.walk(0xc000010000)\n\tC:/src/main.go:13 +0x2a\nmain.walk(0xc000010000)\n\tC:/src/main.go:13 +0x2a\nmain.main()\n\tC:/src/main.go:20 +0x25\n",
			key:     "stack-overflow",
			culprit: "main.walk",
			title:   "Exception 0xc00000fd (stack overflow): main.walk recursion (4 of 5 printed frames)",
		},
		{
			name: "no more OS threads",
			dump: "runtime: failed to create new OS thread (have 1170 already; errno=11)\nruntime: may need to increase max user processes (ulimit -u)\nfatal error: newosproc\n\nruntime stack:\n" +
				"runtime.throw({0x4c8a8e?, 0x0?})\n\t/usr/local/go/src/runtime/panic.go:1101 +0x48 fp=0x7ffe0f3e5c30 sp=0x7ffe0f3e5c00 pc=0x46d2a8\n" +
				"runtime.newosproc(0xc000a80008)\n\t/usr/local/go/src/runtime/os_linux.go:186 +0x194 fp=0x7ffe0f3e5cb0 sp=0x7ffe0f3e5c30 pc=0x437a14\n" +
				"runtime.sysmon()\n\t/usr/local/go/src/runtime/proc.go:6095 +0x2c5 fp=0x7ffe0f3e5d20 sp=0x7ffe0f3e5cb0 pc=0x44f1a5\n\n" +
				"goroutine 1 gp=0xc000002380 m=nil [chan receive]:\nmain.main()\n\t/src/main.go:20 +0x45 fp=0xc00006ff50 sp=0xc00006ff28 pc=0x4a1c25\n\n" +
				"goroutine 7 gp=0xc000102a80 m=3 mp=0xc000080808 [syscall]:\nsyscall.Syscall(0x0, 0x3, 0xc000120000, 0x1000)\n\t/usr/local/go/src/syscall/syscall_linux.go:73 +0x25 fp=0xc00005fd40 sp=0xc00005fce0 pc=0x47ea05\n" +
				"main.readDevice(0x3)\n\t/src/dev.go:31 +0x55 fp=0xc00005fd90 sp=0xc00005fd40 pc=0x4a1b15\ncreated by main.main in goroutine 1\n\t/src/main.go:15 +0x45\n\n" +
				"goroutine 8 gp=0xc000102c40 m=4 mp=0xc000081008 [syscall]:\nsyscall.Syscall(0x0, 0x4, 0xc000121000, 0x1000)\n\t/usr/local/go/src/syscall/syscall_linux.go:73 +0x25 fp=0xc00005fd40 sp=0xc00005fce0 pc=0x47ea05\n" +
				"main.readDevice(0x4)\n\t/src/dev.go:31 +0x55 fp=0xc00005fd90 sp=0xc00005fd40 pc=0x4a1b15\ncreated by main.main in goroutine 1\n\t/src/main.go:15 +0x45\n",
			key:     "thread-creation-failed",
			culprit: "main.readDevice",
			title:   "fatal error: newosproc: 2 goroutines hold threads in system or cgo calls, 2 of them in main.readDevice",
		},
		{
			name:    "checkptr",
			dump:    "fatal error: checkptr: converted pointer straddles multiple allocations\n\ngoroutine 1 [running]:\nruntime.throw({0x55f2a3?, 0x0?})\n\t/usr/local/go/src/runtime/panic.go:1101 +0x48 fp=0xc000079e58 sp=0xc000079e28 pc=0x47a1a8\nruntime.checkptrAlignment(0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/checkptr.go:26 +0x6c fp=0xc000079e78 sp=0xc000079e58 pc=0x4470ac\nmain.view(...)\n\t/src/main.go:14\nmain.main()\n\t/src/main.go:20 +0x45 fp=0xc000079f50 sp=0xc000079e78 pc=0x4c1e85\n",
			key:     "unsafe-pointer",
			culprit: "main.view",
			title:   "fatal error: checkptr: converted pointer straddles multiple allocations in main.view",
		},
		{
			name:    "user panic with a multi-line message",
			dump:    "panic: config: missing key \"db.url\"\nset it in /etc/app.yaml\n\ngoroutine 1 [running]:\nmain.mustLoad(...)\n\t/src/main.go:40\nmain.main()\n\t/src/main.go:12 +0x1d\n",
			key:     "panic",
			culprit: "main.mustLoad",
			title:   "panic: config: missing key \"db.url\" in main.mustLoad",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := dumptest.Run(t, Detector, tt.dump)
			if tt.key == "" {
				if len(fs) != 0 {
					t.Errorf("got %q, want no finding", fs[0].Title)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Key != tt.key || fn(f.Culprit) != tt.culprit || f.Title != tt.title {
				t.Errorf("got key %q culprit %q title %q\nwant key %q culprit %q title %q", f.Key, fn(f.Culprit), f.Title, tt.key, tt.culprit, tt.title)
			}
		})
	}
}

func TestShortFunc(t *testing.T) {
	for in, want := range map[string]string{
		"main.main":                        "main.main",
		"github.com/a/b/pkg.(*T).m":        "pkg.(*T).m",
		"net/http.(*conn).serve":           "http.(*conn).serve",
		"gopkg.in/yaml.v3.(*parser).parse": "yaml.v3.(*parser).parse",
		"example.com/x.F[go.shape.int]":    "x.F[go.shape.int]",
		"panic":                            "panic",
		"github.com/a/b.(*T[...]).m.func1": "b.(*T[...]).m.func1",
	} {
		if got := shortFunc(in); got != want {
			t.Errorf("shortFunc(%q) = %q, want %q", in, got, want)
		}
	}
}
