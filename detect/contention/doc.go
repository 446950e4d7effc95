// Package contention finds goroutines queued on locks, names the code that
// takes the lock and, where the dump shows one, the goroutine suspected of
// holding it; and it ranks the stacks of mutex and block profiles by delay.
//
// # What it finds
//
// In goroutine dumps and goroutine profiles: goroutines waiting in
// sync.Mutex.Lock, sync.RWMutex.Lock or RLock (the wait reasons of Go 1.24
// and later, "semacquire" on older Go, refined by the frames), or in
// golang.org/x/sync/semaphore.(*Weighted).Acquire, grouped by the site that
// takes the lock: the first frame of the program's own code that calls
// Lock (the culprit). When a sync.RWMutex has a writer waiting in Lock and
// readers waiting in RLock in methods of the same type (or closures of the
// same function), they are one finding that names the writer: a pending
// writer makes every new reader queue behind it, so one long read-locked
// section plus one writer stalls all readers.
//
// In mutex and block profiles: the stacks ranked by total delay, with
// their contention counts, grouped by culprit. In a mutex profile the stack
// is where the lock was released, that is the critical section that made
// the others wait. A block profile also records channel operations, select,
// sync.Cond and sync.WaitGroup waits; those are reported at info only and
// never called lock contention.
//
// # The suspected holder
//
// A dump does not say who holds a sync.Mutex. The finding names suspected
// holders from the stacks, and says how each was found: a goroutine whose
// stack contains a frame of a function in which the waiters take the lock,
// but which is not waiting for it (it is inside the critical section,
// blocked on I/O, a channel, a syscall, a sleep, or running); failing
// that, a closure of the same enclosing function; failing that, a method of
// the waiters' receiver type. A lone goroutine matched by function is a
// "likely" holder, anything else "possible". The holder is often the real
// root cause: a network call, a cgo call or a channel send made while
// holding the lock.
//
// # Severity and confidence
//
// Any lock wait of a minute or more is abnormal (dumps print ages only from
// one minute on), so a site whose oldest waiter has waited a minute is a
// warning, and one of ten minutes (lockwait.CriticalWait) is critical.
// Without ages, a site with Config.ContentionMinWaiters goroutines (10) is
// a warning and ten times as many critical. Semaphore sites are at most a
// warning, and "possible": semaphores also limit concurrency on purpose. Findings are
// "likely" when the input records wait states and "possible" when the lock
// operation was named from the frames alone (debug=0 and debug=1 goroutine
// profiles); the evidence says so. Profile findings are "possible" and a
// warning only for the lock site that carries at least half of the
// profile's delay and at least 60 × Config.ContentionMinDelay (one minute by
// default): profiles accumulate from the start of the program and do not
// record over how long.
//
// # Execution traces
//
// A runtime execution trace records every lock wait, how long it lasted
// and who ended it, so contention is measured over the trace rather than
// guessed from one moment. For each sync.Mutex or sync.RWMutex blocking
// site of the Timeline (with a stack) the finding gives the total wait,
// the number of waits, their p50, p99 and maximum, the goroutines still
// waiting at the end, and the top unblocker (the stack whose Unlock woke
// the most waiters, named by its first frame in the program's own code)
// as the holder, with the trace's range (0 to its length, as go tool trace
// shows offsets). The rule: at least one wait ended during the trace (a
// site whose waiters never moved is a stall, for the goroutine rules and
// the deadlock detector), and the total wait is at least
// Config.ContentionMinDelay (1s) and at least TraceMinShare (10%) of the
// trace's goroutine-time, its duration × the goroutines alive at the end:
// warning, critical from half of it; confidence likely. A busy lock that
// many goroutines take briefly stays far below a tenth of their time. The
// goroutine rules' finding for the queue at the end of the same trace and
// the same culprit drops to info, with the trace finding in Related; the
// trace finding adds its suspected holder (what the holder was doing when
// the trace ended: the unblocker only says where the Unlock is).
//
// # False positives it avoids
//
// A few goroutines briefly waiting on a lock (no age printed, fewer than
// Config.ContentionMinWaiters) are info at most. Goroutines waiting on
// sync.Cond, sync.WaitGroup or channels are not lock waits. Goroutines that
// the deadlock detector reports as a lock stall (long waiters whose only
// suspected holders are other long waiters) are reported here at info only,
// with the deadlock finding in Related, so one incident is not reported
// twice. A holder is only "suspected": the evidence lists its stack and the
// rule that matched it.
//
// # Remedy
//
// Shorten the critical section: do slow work (I/O, RPCs, sleeps, channel
// operations, cgo calls) outside the lock; split or shard the lock, or use
// atomic values, copy-on-write snapshots or sync.Map for read-mostly data;
// for an RWMutex, do not hold the read lock across slow work. If a holder
// is blocked, fix what it waits for.
package contention
