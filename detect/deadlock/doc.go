// Package deadlock explains deadlocks: the runtime's "all goroutines are
// asleep" crash, and lock stalls in the dumps of programs that stay up.
//
// # What it finds
//
// A crash with "fatal error: all goroutines are asleep - deadlock!" (or a
// synctest bubble's "deadlock: ..." panic) is reported as critical and
// certain: the runtime proved that no goroutine can ever run again. The
// finding explains it by grouping the goroutines by what they wait for and
// where (the operation and the culprit frame): for example main blocked in
// sync.WaitGroup.Wait in main.checksumAll while four goroutines block on
// chan send in main.checksumAll.func1 (the results channel is drained only
// after the wait). The culprit is the main goroutine's blocking frame,
// since the main goroutine is what keeps the program from finishing; the
// other groups are evidence. Runtime service goroutines (finalizers, GC
// workers) are left out.
//
// A program that keeps serving does not crash, so a lock-order deadlock
// (one goroutine holds L1 and waits for L2, another holds L2 and waits for
// L1) shows only in a dump, as goroutines queued on locks for a long time.
// A dump does not say who holds a lock (and keeps no frame arguments, so no
// lock addresses), so the detector reasons from stacks, with the contention
// detector's rules for suspecting holders (detect/internal/lockwait): a
// goroutine inside a function where the waiters take the lock, or a closure
// of the same function, or a method of the same receiver type. A set of lock
// waiters is a stall when every one of them has waited at least a minute
// (lockwait.StallAge; dumps print ages from one minute on) or the runtime
// marked it leaked, and none of their suspected holders is doing anything
// but waiting on one of these locks. Waiting sites are joined into one
// stall through those holders, and (when the dump is complete) through a
// common creation site or lock class. A stall needs two goroutines, or one
// that waits for a lock inside a function already further up its own stack.
//
// # Severity and confidence
//
// Crashes: critical, certain. Stalls are "likely" at best, since lock
// owners are inferred: likely when the suspected holders form a cycle
// between two sites, when a site's goroutines wait at two different Lock
// calls of one function (those at the later call hold the earlier lock), or
// when the runtime marked every goroutine leaked; otherwise "possible" (the
// goroutines hold each other's locks, or wait for a lock nobody will ever
// unlock). A stall is a warning, and critical when it is likely and every
// goroutine has waited ten minutes (lockwait.CriticalWait). The root site
// named as culprit is one on the cycle, else the one waiting longest, else
// the one with the fewest goroutines (a cycle needs two; the queue behind
// it grows).
//
// # False positives it avoids
//
// Lock waiters with a suspected holder that is running or blocked on
// something else are contention (the contention detector's), not a
// deadlock; so are waits under a minute, which a hot lock produces. A single
// long waiter whose holder is not in the dump is contention too: a
// fragment of a dump may simply have cut the holder off, and for truncated
// dumps only explicit holder links join sites. Goroutines blocked on
// channels for a long time are the leak detector's. The contention detector
// reports the sites of a stall at info only, with this finding in Related.
//
// # Remedy
//
// For crashes: make sure every blocked operation has a counterpart: drain
// a results channel while (not after) waiting for the senders, or buffer it
// for every result; call wg.Done on every path (defer); close channels when
// the producer is done. For lock stalls: take locks in one global order
// (for example by ID), do not call out (callbacks, channel operations,
// other locks) while holding a lock, and unlock with defer on every path.
package deadlock
