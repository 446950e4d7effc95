package crash

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/gorensic/gorensic/parse"
)

// class is what kind of crash a header describes. Its key goes into the
// finding's fingerprint, so the values never change.
type class struct {
	key    string
	remedy string
}

var (
	classDumpRequest = class{key: "dump-request"} // SIGQUIT: not reported
	classDeadlock    = class{key: "deadlock"}     // the deadlock detector's
	classExternal    = class{key: "external-signal", remedy: "The process received %s from another process (sigcode=0 means it was sent with kill): an operator asking for a dump, or a watchdog (systemd's WatchdogSec sends SIGABRT) killing a process that stopped responding. It is not a crash in the program's code: the goroutines below show its state at that moment, and the other findings say whether it was stuck."}

	classNilDeref  = class{key: "nil-dereference", remedy: "A nil pointer was dereferenced at the culprit line. Find which pointer there can be nil — a field never set, a lookup or constructor that returned nil (often with a nil error), a zero-value struct, an interface holding a nil pointer — and check it or make its producer guarantee it. A fault address of 0x0 is the pointer itself; a small one such as 0x18 is a field of a nil struct pointer."}
	classIndex     = class{key: "index-out-of-range", remedy: "An index or slice expression at the culprit line went out of range; the message gives the index and the length. Check the length first (empty input is the usual case) or fix the loop or slice bound (off by one)."}
	classNilMap    = class{key: "nil-map-write", remedy: "A nil map was written at the culprit line: create it with make (or a literal) before the first write, typically in the constructor; reads of a nil map are fine, writes are not."}
	classMap       = class{key: "concurrent-map-access", remedy: "Goroutines used the same map at the same time and at least one of them wrote: Go maps are not safe for concurrent use, and the runtime's check makes this a fatal error that recover cannot catch. Guard every access to this map (the culprit is one side; the other may be any code that reads, writes or ranges over the same map) with a sync.Mutex, or a sync.RWMutex when reads dominate, or use sync.Map for keys written once and read often. Run the tests or a canary with -race (go test -race ./...) to find the other side: the race detector reports both stacks."}
	classChanSend  = class{key: "send-on-closed-channel", remedy: "A goroutine sent on a channel that had already been closed. Only the sending side may close a channel, once, after every send has finished: give the channel one owner that closes it after the senders are done (for example after a sync.WaitGroup of senders), and signal shutdown to senders with a separate done channel or a context instead of closing the channel they send on."}
	classChanDup   = class{key: "close-of-closed-channel", remedy: "A channel was closed twice. Make one owner responsible for closing it, or guard the close with sync.Once when several paths can end the work."}
	classChanNil   = class{key: "close-of-nil-channel", remedy: "close was called on a nil channel: the channel was never created with make, or was reset to nil before the close."}
	classOverflow  = class{key: "stack-overflow", remedy: "The goroutine's stack hit its limit (1 GB on 64-bit systems) through unbounded recursion in the culprit function. Find why it does not stop: a missing or unreachable base case, a cycle in the data it walks (a graph, a self-referencing struct), or a String, Error or MarshalJSON method that formats its own receiver and so calls itself. Bound the depth or make it iterative; debug.SetMaxStack only moves the limit."}
	classOOM       = class{key: "out-of-memory", remedy: "The runtime could not get more memory from the operating system. The allocation at the culprit is only the last straw, not necessarily the consumer: take heap profiles (/debug/pprof/heap) while memory grows, look for unbounded caches, queues, buffers or goroutine growth, and set GOMEMLIMIT somewhat below the container's or machine's memory so the garbage collector works harder before the kernel refuses."}
	classTimers    = class{key: "timer-firings", remedy: "This fatal error is raised inside the runtime's timer code (runtime.(*timer).unlockAndRun) on the scheduler's system stack, not by the program: it is a runtime bug of early Go 1.23 point releases (1.23.2 among them), triggered by short or fast-resetting time.Ticker and time.Timer values (golang/go#69880, golang/go#69969) and fixed in later 1.23 point releases. Upgrade the Go toolchain that builds this binary to the latest patch release; Go 1.22 and earlier are not affected."}
	classCgo       = class{key: "cgo-signal", remedy: "The signal arrived while C code was running, so the fault is in the C library or in how it is called: a NULL, dangling or too-short pointer or length passed to C, Go memory kept by C after the call returned, a C object shared between threads without locking, or a mismatched library version. Check the arguments at the Go call site; run the C side under AddressSanitizer (CGO_CFLAGS=-fsanitize=address, CGO_LDFLAGS=-fsanitize=address) or valgrind, and set GOTRACEBACK=crash to get a core dump that shows the C frames."}
	classAbort     = class{key: "cgo-abort", remedy: "C code called abort() while a cgo call was running: an assertion failure in the C library, a C++ exception escaping into C, or heap corruption detected by malloc. The C library usually prints its own message just before this dump; check it and the arguments at the Go call site, and run the C side under AddressSanitizer or valgrind."}
	classRuntime   = class{key: "runtime-signal", remedy: "A signal arrived while the Go runtime itself was running. That is either memory corruption — cgo code writing outside its buffers, unsafe pointer arithmetic, or a data race tearing an interface, slice or map (run the tests with -race) — or a runtime bug: try the latest Go release, and if it persists without cgo, unsafe or races, report it at https://go.dev/issue with this output."}
	classSignal    = class{key: "fatal-signal", remedy: "The process died of a signal the Go code did not turn into a panic: it arrived outside Go code (a C library, a thread the runtime does not own) or it cannot be recovered (SIGBUS on a truncated memory-mapped file, SIGILL from a CPU that lacks an instruction the binary was built for). Check cgo and memory-mapped I/O near the culprit, and the GOAMD64/GOARM level the binary was built with."}
	classWindows   = class{key: "windows-exception", remedy: "Windows raised an exception the Go runtime did not expect (0xc0000005 is an access violation, Windows' SIGSEGV; 0xc00000fd a stack overflow; 0xc000001d an illegal instruction). During cgo execution it comes from C code or a DLL called through the culprit: a bad pointer, a wrong calling convention or struct layout in a syscall or DLL call, or a DLL built for another architecture. PC=0x0 means a call through a nil function pointer."}
	classDivide    = class{key: "divide-by-zero", remedy: "An integer division or modulo at the culprit line had a zero divisor: check it before dividing (a count or a length that can be 0)."}
	classAssert    = class{key: "type-assertion", remedy: "A type assertion x.(T) at the culprit line failed. Use the two-value form (v, ok := x.(T)) or a type switch where the dynamic type can differ, and check for a nil interface."}
	classSync      = class{key: "sync-misuse", remedy: "A sync primitive was misused: a negative WaitGroup counter means Done ran more often than Add (Add called inside the goroutine, or Done deferred twice); unlock of an unlocked mutex means Unlock without a matching Lock — often an explicit Unlock on one path plus a deferred one. Pair each Add with exactly one Done and each Lock with exactly one Unlock."}
	classTest      = class{key: "test-timeout", remedy: "The test binary's -timeout (10m by default) expired while the tests listed in the message were still running. The culprit is where the stuck test's goroutine is blocked; the other findings (a deadlock, a leak, a blocked call) usually say why. Fix the hang; raise -timeout only for a test that is legitimately slow."}
	classNewThread = class{key: "thread-creation-failed", remedy: "The operating system refused to create another thread (errno=11, EAGAIN): the process or its container hit a limit on threads or processes (ulimit -u, the cgroup's pids.max, kernel.threads-max) or on memory for thread stacks. Every goroutine blocked in a system call or a cgo call holds a thread: bound the number of such calls running at once, and raise the limit only once that is under control; the culprit is where most goroutines holding threads are."}
	classThreads   = class{key: "thread-exhaustion", remedy: "The program exceeded its limit of OS threads (10,000 by default, debug.SetMaxThreads): every goroutine blocked in a system call or a cgo call holds a thread. Bound the number of concurrent blocking calls (a semaphore or worker pool around the syscall or cgo call), and look at blocked-thread findings for where they wait."}
	classCorrupt   = class{key: "memory-corruption", remedy: "The runtime found its own data corrupted (a bad pointer in the heap or on a stack, a broken scheduler or allocator invariant). That is almost always memory corruption from cgo or unsafe code, or a data race (run the tests with -race); only rarely a runtime bug. Check recent cgo and unsafe changes; if it persists without them on the latest Go release, report it at https://go.dev/issue."}
	classCgoRule   = class{key: "cgo-rules", remedy: "A cgo rule was broken: Go memory passed to C must not contain unpinned Go pointers (runtime.Pinner pins them), C must not keep Go pointers after the call, and C code that installs signal handlers must use SA_ONSTACK. Fix the call at the culprit; GODEBUG=cgocheck=1 (the default) found it."}
	classUnsafe    = class{key: "unsafe-pointer", remedy: "checkptr (on under -race and -msan) found an unsafe.Pointer conversion that breaks the rules of package unsafe: a conversion to a type larger than the allocation, or pointer arithmetic that leaves it. Fix the conversion at the culprit."}
	classPanic     = class{key: "panic", remedy: "An unrecovered panic in one goroutine ends the whole process. Fix the condition the message names at the culprit line. A recover in a deferred function at the top of a goroutine only keeps the process alive, and each goroutine needs its own: a recover in the caller of `go` does not catch it."}
	classFatal     = class{key: "fatal-error", remedy: "The runtime raised a fatal error (a throw), which recover cannot catch; the message names the broken condition, and the culprit is where the program reached it."}
)

var (
	reSigName = regexp.MustCompile(`\bSIG[A-Z0-9]{2,8}\b`)
	reSigCode = regexp.MustCompile(`\b(?:sig)?code=(-?(?:0x)?[0-9a-fA-F]+)`)
	reAddr    = regexp.MustCompile(`\baddr=(0x[0-9a-fA-F]+)`)
	rePC      = regexp.MustCompile(`\b(?:pc|PC)=(0x[0-9a-fA-F]+)`)
	reExc     = regexp.MustCompile(`^Exception (0x[0-9a-fA-F]+)`)
)

// signalInfo is what the header says about a signal.
type signalInfo struct {
	Name      string // "SIGSEGV", "Exception 0xc0000005", "" when none
	Code      string // si_code as printed ("0x1", "128"), "" when absent
	Addr, PC  uint64
	HasAddr   bool
	HasPC     bool
	InCgo     bool // "signal arrived during cgo execution"
	Exception string
}

func parseSignal(c *parse.Crash) signalInfo {
	var s signalInfo
	lines := append([]string{c.Signal}, c.Header...)
	for _, l := range lines {
		if l == "" {
			continue
		}
		if strings.Contains(l, "signal arrived during cgo execution") || strings.Contains(l, "signal arrived during external code execution") {
			s.InCgo = true
		}
		if m := reExc.FindStringSubmatch(l); m != nil && s.Exception == "" {
			s.Exception = strings.ToLower(m[1])
			if s.Name == "" {
				s.Name = "Exception " + s.Exception
			}
		}
		if strings.HasPrefix(l, "runtime: ") || strings.HasPrefix(l, "fatal error") || strings.HasPrefix(l, "panic: ") {
			continue // messages, not signal details
		}
		if s.Name == "" {
			if m := reSigName.FindString(l); m != "" {
				s.Name = m
			}
		}
		if m := reSigCode.FindStringSubmatch(l); m != nil && s.Code == "" {
			s.Code = m[1]
		}
		if m := reAddr.FindStringSubmatch(l); m != nil && !s.HasAddr {
			s.Addr, _ = strconv.ParseUint(m[1][2:], 16, 64)
			s.HasAddr = true
		}
		if m := rePC.FindStringSubmatch(l); m != nil && !s.HasPC {
			s.PC, _ = strconv.ParseUint(m[1][2:], 16, 64)
			s.HasPC = true
		}
	}
	return s
}

// fromOutside reports whether a signal was sent by another process:
// si_code 0 is SI_USER (kill).
func (s signalInfo) fromOutside() bool {
	if s.Code == "" {
		return false
	}
	v, err := strconv.ParseInt(strings.TrimPrefix(s.Code, "0x"), 16, 64)
	if !strings.HasPrefix(s.Code, "0x") {
		v, err = strconv.ParseInt(s.Code, 10, 64)
	}
	return err == nil && v == 0
}

// texts returns the crash's message lines: the panic chain, the message
// and the header.
func texts(c *parse.Crash) string {
	var b strings.Builder
	b.WriteString(c.Message)
	for _, p := range c.Panics {
		b.WriteString("\n")
		b.WriteString(p.Message)
	}
	for _, h := range c.Header {
		b.WriteString("\n")
		b.WriteString(h)
	}
	return b.String()
}

// classify names the kind of crash from its header, its signal and (for
// signals) whether the crashing stack is in a cgo call.
func classify(c *parse.Crash, sig signalInfo, cgoStack bool) class {
	msg := c.Message
	all := texts(c)
	has := func(s string) bool { return strings.Contains(all, s) }
	if c.Kind == parse.CrashSignal {
		switch {
		case sig.Name == "SIGQUIT" || strings.HasPrefix(msg, "SIGQUIT"):
			return classDumpRequest
		case sig.Exception != "":
			if sig.Exception == "0xc00000fd" && !sig.InCgo {
				return classOverflow
			}
			return classWindows
		case sig.Name == "SIGABRT" && (sig.InCgo || cgoStack):
			return classAbort
		case sig.InCgo || cgoStack:
			return classCgo
		case sig.fromOutside():
			return classExternal
		}
		return classSignal
	}
	switch {
	case has("all goroutines are asleep") || strings.HasPrefix(msg, "deadlock: "):
		return classDeadlock
	case has("concurrent map "):
		return classMap
	case has("assignment to entry in nil map"):
		return classNilMap
	case has("nil pointer dereference"):
		return classNilDeref
	case has("index out of range") || has("slice bounds out of range"):
		return classIndex
	case has("send on closed channel"):
		return classChanSend
	case has("close of closed channel"):
		return classChanDup
	case has("close of nil channel"):
		return classChanNil
	case has("stack overflow") || has("stack exceeds") || has("split stack overflow"):
		return classOverflow
	case has("out of memory") || has("cannot allocate memory"):
		return classOOM
	case has("too many concurrent timer firings"):
		return classTimers
	case has("thread exhaustion") || has("-thread limit"):
		return classThreads
	case has("failed to create new OS thread") || msg == "newosproc" || has("pthread_create failed"):
		return classNewThread
	case has("unexpected signal during runtime execution"):
		if sig.InCgo || cgoStack {
			return classCgo
		}
		return classRuntime
	case has("integer divide by zero"):
		return classDivide
	case has("interface conversion:"):
		return classAssert
	case has("test timed out after"):
		return classTest
	case has("sync: negative WaitGroup counter") || has("sync: unlock of unlocked") || has("sync: RUnlock of unlocked") ||
		has("sync: WaitGroup is reused") || has("sync: inconsistent mutex state") || has("unlock of unlocked lock"):
		return classSync
	case has("checkptr:"):
		return classUnsafe
	case has("cgo argument has Go pointer") || has("cgo result is unpinned Go pointer") || has("cgo result has Go pointer") ||
		has("non-Go code set up signal handler") || has("non-Go code disabled"):
		return classCgoRule
	case has("found bad pointer in Go heap") || has("invalid pointer found on stack") || has("unexpected return pc") ||
		has("sweep increased allocation count") || has("morestack on g0") || has("schedule: holding locks") ||
		has("unknown caller pc") || has("traceback did not unwind completely") || has("bad pointer in frame") ||
		has("fault during runtime execution"):
		return classCorrupt
	case msg == "fault" || has("unexpected fault address"):
		return classSignal // a fault at a non-nil address: SIGBUS on an mmap'd file, unsafe
	case c.Kind == parse.CrashPanic:
		return classPanic
	}
	return classFatal
}
