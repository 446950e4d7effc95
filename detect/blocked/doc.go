// Package blocked finds goroutines that hold an OS thread while they are
// stuck: in a system call, in a cgo call, or blocked while locked to their
// thread; and programs that run out of threads.
//
// # What it finds
//
// The Go scheduler parks a goroutine that waits on a channel, a lock or the
// network without holding a thread. A goroutine in a blocking system call
// (state "syscall"), in C code called through cgo (runtime.cgocall and
// _Cfunc_ frames), or locked to its thread with runtime.LockOSThread keeps
// its OS thread for as long as it waits, and the runtime starts another
// thread to run the rest. The detector reports:
//
//   - goroutines in a system call for a minute or more, grouped by the
//     first frame of the program's own code (the culprit), naming the system
//     call from the frames (read, open, wait4, flock, ...): a hung child
//     process (wait4 under os/exec.(*Cmd).CombinedOutput), a FIFO without a
//     writer, a blocking read on a pipe, tty or hung network file system;
//   - goroutines in a cgo call for a minute or more, grouped by the Go
//     frame that calls into C (the culprit; the C function is in the title);
//   - goroutines locked to their thread ("locked to thread") and blocked
//     for a minute or more in a channel operation, select, lock or sleep
//     deep inside a call (for example a LockOSThread-ed transaction waiting
//     on a semaphore): the locked thread cannot run anything else;
//   - many goroutines holding threads at once (in syscalls, cgo calls or
//     locked): Config.SyscallBurst (1000) or more threatens the runtime's
//     default limit of 10,000 threads (runtime/debug.SetMaxThreads);
//   - the crash "runtime: program exceeds 10000-thread limit" / "fatal
//     error: thread exhaustion", and the operating system's refusal of a
//     thread ("failed to create new OS thread", "fatal error: newosproc"),
//     explained by the goroutines that held the threads (the crash detector
//     reports the crash itself).
//
// # Severity and confidence
//
// A system or cgo call that has lasted a minute holds its thread far
// longer than any healthy call: a warning, "possible"; from
// Config.SyscallMinWait (5 minutes) "likely"; from twelve times that (an
// hour) critical. A blocked locked goroutine is a warning, "possible". The
// thread burst is a warning, critical from five times Config.SyscallBurst
// (half the thread limit); "likely" with wait states, "possible" without.
// The thread-exhaustion crash is critical and certain. Inputs without wait
// ages (debug=0 and debug=1 profiles) cannot show how long a call has
// lasted: they yield only the burst finding, at "possible".
//
// # Execution traces
//
// A runtime execution trace caps every age at the trace's length, usually
// seconds, so the minute thresholds above never fire on one. The trace
// shows instead every system and cgo call that lasted 10ms or more (the
// Timeline's long-call list) with its start, its length and whether the
// goroutine lost its P to another thread meanwhile. The trace rule is
// relative to the trace: a call is reported when it lasted (or, still in
// progress at the end, had lasted) at least half the trace and at least
// 100ms, a threshold never above Config.SyscallMinWait, so that a trace
// of hours keeps the dump threshold. Calls are grouped as above (system
// calls by the first frame of the program's code, cgo calls by the Go
// frame that calls into C), one call per goroutine, its longest. The
// finding is a warning, "likely" when a call was still in progress when
// the trace ended (the thread is still held), "possible" when all of
// them returned; critical from twelve times SyscallMinWait. The title
// cites the offsets into the trace that the calls spanned ("for the
// whole 1.002s trace"), how many of the stuck goroutines lost their P to
// another thread (the scheduler's hand-off), and the scheduler latency
// over the whole trace (p50 and p99 of the time runnable goroutines
// waited for a P), which shows whether the held threads starved the rest
// of the program; the evidence holds each call's stack and offsets. The
// runtime's service loops (os/signal's signal_recv), runtime-only stacks and the by-design blockers above are
// left out or capped at info as in dumps; reads and writes of a few
// hundred milliseconds in a trace of seconds (a log shipper's pipe) stay
// under the threshold. When the goroutine rules already report the same
// culprit, the trace rule adds nothing. The thread-burst rule counts the
// goroutines in calls at the end of the trace like a dump's.
//
// # False positives it avoids
//
// A goroutine in a syscall for seconds (no age printed) is normal: reads
// and writes on pipes and files take a syscall each. The runtime's own
// service goroutines that sit in syscalls (os/signal's signal_recv loop,
// old runtimes' timer and signal notes) are left out. By-design blockers
// are reported at info: console input (ReadConsole), event loops waiting in
// epoll/kqueue and file watchers (fsnotify), the main goroutine locked to
// its thread (GUI and OS event loops, LockOSThread in init), and a worker
// locked to its thread that idles on a channel or select in its own loop
// function (the goroutine exists to own the thread). Goroutines running or
// runnable are not blocked, whatever their frames.
//
// # Remedy
//
// Give blocking calls a deadline or a way to be cancelled: run child
// processes with exec.CommandContext (and Cmd.WaitDelay), open FIFOs with
// O_NONBLOCK, read pipes through os.Pipe or os.NewFile on a non-blocking
// descriptor so the goroutine parks in the netpoller ([IO wait]) without a
// thread. Go cannot preempt or cancel C code: give the C library a timeout,
// call it from a bounded pool of goroutines, and never call blocking C code
// while holding a Go lock. Unlock the OS thread (runtime.UnlockOSThread)
// before blocking, or keep thread-locked sections short. For thread
// exhaustion, bound the number of goroutines that may block in syscalls or
// C at once (a semaphore), rather than raising SetMaxThreads.
package blocked
