package detect

import (
	"strings"

	"github.com/gorensic/gorensic/parse"
)

// Op is what a goroutine (or a group) is doing, from its state when the
// input records one and from its frames otherwise.
type Op int

const (
	OpUnknown        Op = iota
	OpRunning           // running or runnable
	OpChanReceive       // blocked receiving
	OpChanSend          // blocked sending
	OpSelect            // blocked in a select
	OpNilChanReceive    // receive from a nil channel: never wakes
	OpNilChanSend       // send on a nil channel: never wakes
	OpSelectNoCases     // select {}: never wakes
	OpMutexLock         // sync.Mutex.Lock
	OpRWMutexRLock      // sync.RWMutex.RLock
	OpRWMutexLock       // sync.RWMutex.Lock
	OpCondWait          // sync.Cond.Wait
	OpWaitGroupWait     // sync.WaitGroup.Wait
	OpSemacquire        // semacquire of another kind (older Go's wait reason for all sync waits)
	OpSleep             // time.Sleep
	OpIOWait            // network poller
	OpSyscall           // in a system call
	OpCgo               // in a cgo call
	OpSystem            // GC workers, finalizers, timers: runtime service goroutines
)

var opNames = [...]string{
	"unknown", "running", "chan receive", "chan send", "select",
	"chan receive (nil chan)", "chan send (nil chan)", "select (no cases)",
	"sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock", "sync.Cond.Wait",
	"sync.WaitGroup.Wait", "semacquire", "sleep", "IO wait", "syscall", "cgo call", "runtime",
}

func (o Op) String() string { return opNames[o] }

// IsChannel reports whether o is a channel operation or a select.
func (o Op) IsChannel() bool { return o >= OpChanReceive && o <= OpSelectNoCases }

// IsLock reports whether o waits for a lock.
func (o Op) IsLock() bool { return o == OpMutexLock || o == OpRWMutexRLock || o == OpRWMutexLock }

// NeverWakes reports whether nothing can ever wake o.
func (o Op) NeverWakes() bool {
	return o == OpNilChanReceive || o == OpNilChanSend || o == OpSelectNoCases
}

// stateOps maps wait states, as the runtime prints them, to operations.
var stateOps = map[string]Op{
	"running": OpRunning, "runnable": OpRunning,
	"chan receive": OpChanReceive, "chan send": OpChanSend, "select": OpSelect,
	"chan receive (nil chan)": OpNilChanReceive, "chan send (nil chan)": OpNilChanSend,
	"select (no cases)": OpSelectNoCases,
	"sync.Mutex.Lock":   OpMutexLock, "sync.RWMutex.RLock": OpRWMutexRLock, "sync.RWMutex.Lock": OpRWMutexLock,
	"sync.Cond.Wait": OpCondWait, "sync.WaitGroup.Wait": OpWaitGroupWait,
	"semacquire": OpSemacquire, "sleep": OpSleep, "IO wait": OpIOWait, "syscall": OpSyscall,
	"GC worker (idle)": OpSystem, "GC worker (active)": OpSystem, "GC sweep wait": OpSystem,
	"GC scavenge wait": OpSystem, "finalizer wait": OpSystem, "force gc (idle)": OpSystem,
	"GOMAXPROCS updater (idle)": OpSystem, "cleanup wait": OpSystem, "trace reader (blocked)": OpSystem,
	"wait for GC cycle": OpSystem, "GC assist wait": OpSystem, "idle": OpSystem,
}

// OpOf classifies a group. A state that names the operation wins; the
// frames refine vaguer states ("semacquire" on old Go, a state-less
// profile) and name cgo calls inside "syscall".
func OpOf(state string, st *parse.Stack) Op {
	op, known := stateOps[state]
	fromFrames := opFromFrames(st)
	switch {
	case !known:
		return fromFrames
	case op == OpSemacquire && fromFrames != OpUnknown:
		return fromFrames // old Go: Mutex, RWMutex, WaitGroup all print "semacquire"
	case op == OpSyscall && fromFrames == OpCgo:
		return OpCgo
	case op == OpSelect && fromFrames == OpSelectNoCases:
		return OpSelectNoCases
	}
	return op
}

// opFromFrames names the operation from the innermost frames that show
// one.
func opFromFrames(st *parse.Stack) Op {
	if st == nil {
		return OpUnknown
	}
	for _, f := range st.Frames {
		if op := frameOp(f.Function); op != OpUnknown {
			return op
		}
	}
	return OpUnknown
}

func frameOp(fn string) Op {
	switch fn {
	case "runtime.chanrecv", "runtime.chanrecv1", "runtime.chanrecv2", "chanrecv":
		return OpChanReceive
	case "runtime.chansend", "runtime.chansend1", "chansend":
		return OpChanSend
	case "runtime.selectgo", "runtime.selectgo1", "selectgo", "reflect.rselect", "runtime.selectnbrecv", "runtime.selectnbsend":
		return OpSelect
	case "runtime.block":
		return OpSelectNoCases
	case "sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow", "internal/sync.(*Mutex).Lock", "internal/sync.(*Mutex).lockSlow":
		return OpMutexLock
	case "sync.(*RWMutex).RLock":
		return OpRWMutexRLock
	case "sync.(*RWMutex).Lock":
		return OpRWMutexLock
	case "sync.(*Cond).Wait":
		return OpCondWait
	case "sync.(*WaitGroup).Wait":
		return OpWaitGroupWait
	case "time.Sleep", "runtime.timeSleep":
		return OpSleep
	case "internal/poll.runtime_pollWait", "net.runtime_pollWait", "runtime.netpollblock":
		return OpIOWait
	case "runtime.cgocall", "runtime.asmcgocall":
		return OpCgo
	case "runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge", "runtime.runfinq", "runfinq",
		"runtime.forcegchelper", "runtime.runCleanups", "runtime.unique_runtime_registerUniqueMapCleanup.func2":
		return OpSystem
	}
	switch {
	case strings.HasPrefix(fn, "syscall.Syscall"), strings.HasPrefix(fn, "syscall.RawSyscall"),
		strings.HasPrefix(fn, "syscall.syscall"), strings.HasPrefix(fn, "internal/runtime/syscall."),
		strings.HasPrefix(fn, "golang.org/x/sys/unix.Syscall"), strings.HasPrefix(fn, "runtime/internal/syscall."):
		return OpSyscall
	case strings.Contains(fn, "._Cfunc_"):
		return OpCgo
	}
	return OpUnknown
}
