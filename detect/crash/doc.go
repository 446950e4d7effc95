// Package crash reports the crash a goroutine dump was printed for: an
// unrecovered panic, a fatal error (a runtime throw) or a fatal signal.
//
// # What it finds
//
// One finding per crashed snapshot, critical and certain, titled with the
// message as the runtime printed it and where it happened:
//
//	panic: runtime error: invalid memory address or nil pointer dereference in main.(*T).get
//	fatal error: concurrent map writes in main.handleRequest
//	fatal error: unexpected signal during runtime execution (SIGSEGV addr=0x0) in C code called through robotgo._Cfunc_akeyTap from robotgo.AKeyTap
//	fatal error: stack overflow: main.walk recursion (97 of 100 printed frames)
//
// A crash whose stack is missing or unreadable (a pasted fragment, a
// corrupted runtime stack) is still reported, with the fault address and
// pc from the signal line in the title.
//
// The crash is classified, and the remedy is specific to the class: nil
// dereference, index or slice bounds out of range, write to a nil map,
// concurrent map writes or read and write, send on or close of a closed
// channel, stack overflow (unbounded recursion), out of memory, thread
// exhaustion or a refused thread creation (newosproc), integer division by zero, failed type assertion, sync misuse
// (negative WaitGroup counter, unlock of an unlocked mutex), test timeout,
// signals in cgo code (including C abort()), signals inside the runtime
// (a runtime bug or memory corruption from cgo, unsafe or a data race),
// runtime data corruption, cgo pointer rules, checkptr, Windows exceptions
// (0xc0000005) and the Go 1.23 runtime bug "too many concurrent timer
// firings". The class is the finding's key, so two different crashes in one
// function have different fingerprints.
//
// # The culprit
//
// The culprit is the first frame in the program's own code below the crash
// machinery (runtime.gopanic and the printed "panic" frame, runtime.throw,
// runtime.sigpanic, runtime.panicmem, runtime.panicIndex, the runtime's map
// functions, sync.fatal): for concurrent map writes that is the function
// doing the map operation, not runtime.mapassign. Exceptions, where the
// detector knows better than the first user frame:
//
//   - A panic raised again while the first one was unwinding (a recover
//     and re-panic in a deferred call, printed with "[recovered]" or
//     "[recovered, repanicked]") points at the original panic site, found
//     below the outermost panic frame of the stack; the title and the
//     evidence also name the re-panic site, and the evidence note lists
//     the whole panic chain. Metrics count the panics and the recovered
//     ones.
//   - A signal in cgo code points at the _Cfunc_ frame the C code was
//     called through, and the title names the Go caller.
//   - A stack overflow points at the function that repeats most in the
//     stack (the recursion), with the count in the title.
//   - Thread exhaustion and refused thread creation point at the biggest
//     group of goroutines holding a thread in a system or cgo call, whose
//     count is the finding's count: the runtime throws from sysmon, far
//     from the cause.
//   - A test timeout points at where the goroutine of the still-running
//     test is blocked, not at the testing package's alarm goroutine.
//   - A throw on the runtime's system stack from the scheduler (a
//     "runtime stack:" section while the goroutine printed first was not
//     running, e.g. waiting with m=nil) points at the runtime function that
//     threw, since no goroutine of the program was running: the first
//     goroutine is shown as evidence, labelled as not the crasher.
//   - Old Windows exceptions print the faulting stack before any goroutine
//     header; that stack is used, not the first goroutine printed after it.
//
// The creation site is the crashing goroutine's "created by" frame.
//
// # Evidence
//
// The crashing goroutine's stack (or the faulting or runtime stack), with
// the panic chain in its note; for a throw from the system stack, the
// goroutine printed first; for concurrent map access, up to three other
// goroutines that were in the same function or in a map operation when the
// runtime noticed (printed only with GOTRACEBACK=all): the likely other
// side. Metrics: panics, recovered_panics, fault_addr, recursive_frames,
// goroutines in the dump.
//
// # What it stays quiet on
//
//   - SIGQUIT dumps: the user asked for a dump (kill -QUIT, Ctrl+\); the
//     program did not crash, and the other detectors read its goroutines.
//     Nothing is reported.
//   - "all goroutines are asleep - deadlock!" and synctest's "deadlock: "
//     panics belong to the deadlock detector, which explains them with the
//     blocked goroutines; this detector reports nothing for them.
//   - SIGABRT and other signals sent by another process (si_code 0,
//     "sigcode=0"), without a cgo call running: an operator or a watchdog
//     asking for a dump. Reported at info only.
//   - A dump without a crash header (runtime.Stack output of a goroutine
//     that happens to be panicking) is not a crash: the detector needs the
//     header and is skipped without one.
//
// # Ranking
//
// A crash is the headline of its dump, so a crash finding scores 1 (the
// maximum) and ranks first among critical findings of the same snapshot,
// whatever the number of goroutines other findings cover; the info finding
// for an external signal is scored by detect.Score for one event.
package crash
