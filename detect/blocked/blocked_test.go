package blocked

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

const byMain = "main.main /app/main.go:90 in goroutine 1"

var (
	hungChild = dumptest.G{State: "syscall", Minutes: 5352, Frames: dumptest.Stack(
		"syscall.Syscall6 /usr/src/go/src/syscall/asm_linux_amd64.s:46",
		"syscall.wait4 /usr/src/go/src/syscall/zsyscall_linux_amd64.go:124",
		"syscall.Wait4 /usr/src/go/src/syscall/syscall_linux.go:224",
		"os.(*Process).wait /usr/src/go/src/os/exec_unix.go:22",
		"os.(*Process).Wait /usr/src/go/src/os/doc.go:45",
		"os/exec.(*Cmd).Wait /usr/src/go/src/os/exec/exec.go:364",
		"os/exec.(*Cmd).Run /usr/src/go/src/os/exec/exec.go:246",
		"os/exec.(*Cmd).CombinedOutput /usr/src/go/src/os/exec/exec.go:408",
		"k8s.io/kubernetes/pkg/util/mount.(*NsenterMounter).IsLikelyNotMountPoint /go/src/k8s.io/kubernetes/pkg/util/mount/nsenter_mount.go:190"),
		CreatedBy: "k8s.io/kubernetes/pkg/kubelet.(*podWorkers).UpdatePod /go/src/k8s.io/kubernetes/pkg/kubelet/pod_workers.go:160"}
	pipeRead = func(minutes int) dumptest.G {
		return dumptest.G{State: "syscall", Minutes: minutes,
			Frames: dumptest.Stack(dumptest.Read, "main.readRecord /app/main.go:60", "main.consume /app/main.go:75"), CreatedBy: byMain}
	}
	cgoCall = func(minutes int, locked bool, caller ...string) dumptest.G {
		return dumptest.G{State: "syscall", Minutes: minutes, Locked: locked, Frames: dumptest.Stack(
			"runtime.cgocall /usr/local/go/src/runtime/cgocall.go:167",
			"main._Cfunc_legacy_query _cgo_gotypes.go:61",
			caller), CreatedBy: byMain}
	}
	signals = dumptest.G{ID: 5, State: "syscall", Minutes: 600, Frames: dumptest.Stack(
		"os/signal.signal_recv /usr/local/go/src/runtime/sigqueue.go:152",
		"os/signal.loop /usr/local/go/src/os/signal/signal_unix.go:23"),
		CreatedBy: "os/signal.Notify.func1.1 /usr/local/go/src/os/signal/signal.go:151 in goroutine 1"}
	idle = dumptest.Gs(200, 5, dumptest.G{State: "chan receive", Minutes: 30,
		Frames: dumptest.Stack(dumptest.ChanRecv, "main.worker /app/main.go:40"), CreatedBy: byMain})
)

func one(id int, g dumptest.G) []dumptest.G {
	g.ID = id
	return []dumptest.G{g}
}

func TestSites(t *testing.T) {
	tests := []struct {
		name     string
		gs       []dumptest.G
		culprit  string // "" for no finding
		severity detect.Severity
		conf     detect.Confidence
		count    int
		title    []string
	}{
		{"hung child process for days", one(304, hungChild),
			"k8s.io/kubernetes/pkg/util/mount.(*NsenterMounter).IsLikelyNotMountPoint", detect.SeverityCritical, detect.ConfidenceLikely, 1,
			[]string{"system call wait4 for 3d17h", "waiting for a child process to exit"}},
		{"pipe readers stuck a minute", dumptest.Cat(dumptest.Gs(10, 3, pipeRead(1)), idle),
			"main.readRecord", detect.SeverityWarning, detect.ConfidencePossible, 3, []string{"3 goroutines in system call read for 1m", "each holding an OS thread"}},
		{"pipe readers stuck past SyscallMinWait", dumptest.Gs(10, 3, pipeRead(7)),
			"main.readRecord", detect.SeverityWarning, detect.ConfidenceLikely, 3, nil},
		{"syscalls of seconds are normal", dumptest.Cat(dumptest.Gs(10, 3, pipeRead(0)), idle), "", 0, 0, 0, nil},
		{"signal handling is a service loop", dumptest.Cat(one(5, signals), idle), "", 0, 0, 0, nil},
		{"C call blocked a minute", dumptest.Gs(10, 2, cgoCall(1, false, "main.query /app/main.go:70")),
			"main.query", detect.SeverityWarning, detect.ConfidencePossible, 2, []string{"blocked in C function legacy_query for 1m, called from main.query"}},
		{"main goroutine locked in a C event loop is by design", one(1, cgoCall(300, true, "main.main /app/main.go:20")),
			"main.main", detect.SeverityInfo, detect.ConfidencePossible, 1, []string{"by design"}},
		{"locked goroutine blocked deep in a call", one(201, dumptest.G{State: "select", Minutes: 1, Locked: true, Frames: dumptest.Stack(dumptest.Select,
			"golang.org/x/sync/semaphore.(*Weighted).Acquire /go/pkg/mod/golang.org/x/sync@v0.11.0/semaphore/semaphore.go:74",
			"example.com/kv/mdbx.(*MdbxKV).BeginRo /app/kv_mdbx.go:844", "example.com/stages.newStageDb /app/db.go:50"), CreatedBy: byMain}),
			"example.com/kv/mdbx.(*MdbxKV).BeginRo", detect.SeverityWarning, detect.ConfidencePossible, 1, []string{"locked to an OS thread and blocked in select for 1m"}},
		{"locked worker idle in its own loop is by design", one(7, dumptest.G{State: "chan receive", Minutes: 3, Locked: true,
			Frames: dumptest.Stack(dumptest.ChanRecv, "main.(*nsWorker).loop /app/main.go:90"), CreatedBy: byMain}),
			"main.(*nsWorker).loop", detect.SeverityInfo, detect.ConfidencePossible, 1, []string{"by design"}},
		{"the runtime's signal thread, locked by design", one(9, dumptest.G{State: "select", Minutes: 90, Locked: true, Frames: dumptest.Stack(dumptest.Select,
			"runtime.ensureSigM.func1 /usr/local/go/src/runtime/signal_unix.go:1085", "runtime.goexit /usr/local/go/src/runtime/asm_amd64.s:1700"),
			CreatedBy: "runtime.ensureSigM /usr/local/go/src/runtime/signal_unix.go:1068 in goroutine 1"}), "", 0, 0, 0, nil},
		{"locked but running", one(7, dumptest.G{State: "running", Locked: true, Frames: []string{"main.spin /app/main.go:9"}, CreatedBy: byMain}), "", 0, 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := dumptest.Run(t, Detector, dumptest.Dump(tt.gs...))
			f := dumptest.OneOrNone(t, fs, tt.culprit != "")
			if f == nil {
				return
			}
			if f.Kind != detect.KindBlockedThread || f.Culprit.Function != tt.culprit || f.Severity != tt.severity || f.Confidence != tt.conf || f.Count != tt.count {
				t.Errorf("got %s", dumptest.Describe(fs))
			}
			for _, sub := range tt.title {
				if !strings.Contains(f.Title, sub) {
					t.Errorf("title %q lacks %q", f.Title, sub)
				}
			}
		})
	}
}

// A goroutine profile (debug=1) has no states or ages: only a burst of
// goroutines in syscalls is reported, at "possible".
func TestBurstWithoutStates(t *testing.T) {
	profile := func(n int) string {
		return fmt.Sprintf(`goroutine profile: total %d
%d @ 0x4413ee 0x4532e5 0x471b81
#	0x4532e4	syscall.Syscall+0x24		/usr/local/go/src/syscall/syscall_linux.go:73
#	0x4532e5	syscall.Read+0x24		/usr/local/go/src/syscall/syscall_unix.go:183
#	0x4c1e0c	main.readRecord+0x2c		/app/main.go:60

1 @ 0x4413ee 0x4532e5 0x471b81
#	0x4c1f00	main.main+0x20			/app/main.go:88
`, n+1, n)
	}
	if fs := dumptest.Run(t, Detector, profile(200)); len(fs) != 0 {
		t.Errorf("200 goroutines in syscalls without ages: want nothing, got:\n%s", dumptest.Describe(fs))
	}
	fs := dumptest.Run(t, Detector, profile(1500))
	if len(fs) != 1 {
		t.Fatalf("want the burst finding, got:\n%s", dumptest.Describe(fs))
	}
	f := fs[0]
	if f.Severity != detect.SeverityWarning || f.Confidence != detect.ConfidencePossible || f.Count != 1500 ||
		f.Culprit.Function != "main.readRecord" || f.Metrics["threads"] != 1500 {
		t.Errorf("got %s metrics %v", dumptest.Describe(fs), f.Metrics)
	}
	if !strings.Contains(f.Title, "named from the frames") {
		t.Errorf("title %q does not say the operations come from frames", f.Title)
	}
}

func TestThreadExhaustionCrash(t *testing.T) {
	for header, title := range map[string]string{
		"runtime: program exceeds 10000-thread limit\nfatal error: thread exhaustion\n\n":                                                                                 "thread exhaustion",
		"runtime: failed to create new OS thread (have 2049 already; errno=11)\nruntime: may need to increase max user processes (ulimit -u)\nfatal error: newosproc\n\n": "thread creation failed",
	} {
		fs := dumptest.Run(t, Detector, header+dumptest.Dump(dumptest.Gs(10, 40, pipeRead(0))...))
		if len(fs) != 1 {
			t.Fatalf("%s: got:\n%s", title, dumptest.Describe(fs))
		}
		f := fs[0]
		if f.Severity != detect.SeverityCritical || f.Confidence != detect.ConfidenceCertain || f.Culprit.Function != "main.readRecord" || f.Count != 40 ||
			!strings.HasPrefix(f.Title, title) {
			t.Errorf("got %s", dumptest.Describe(fs))
		}
	}
}
