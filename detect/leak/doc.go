// Package leak finds goroutines that will never wake: blocked in a channel
// operation, a select, sync.Cond.Wait or sync.WaitGroup.Wait that nothing
// will complete, each one holding its stack and everything it references
// for the rest of the process's life.
//
// # What it reports
//
// Goroutines are grouped by blocking site: the culprit frame (the innermost
// frame in the program's own code, see detect.Culprit) and the operation it
// blocks in, across stacks that differ below it and across creators. This
// is the method of Uber's LeakProf: a leak shows as many goroutines parked
// at one site. Each reported site is one finding with its count, wait ages
// (min/median/max), creation site, a few goroutine IDs, up to three
// representative stacks, blocked siblings and the creator goroutine when
// there is one.
//
// Certain (the runtime says so):
//
//   - goroutines marked "(leaked)" (Go 1.26+ goroutineleak profiles in any
//     format, or a dump taken after a leak check): critical from
//     Config.LeakWarnCount (50) goroutines at one site, warning below;
//     except main.main in select {} (or, in a debug=1 profile, which
//     hides the operation, main.main parked in a select, see below):
//     the leak check marks every select {} leaked, and a main parked
//     forever while servers run is idiomatic, so that is info; and a
//     sample with an empty stack (Go 1.27 profiles can hold "1 @" with
//     the single address 0x0, leaked in no debug=2 dump) is info too:
//     there is nothing to point at;
//   - "chan send (nil chan)" and "chan receive (nil chan)": critical from
//     Config.LeakMinCount (10), warning below; "select (no cases)"
//     (select {}): warning from LeakMinCount, info below. In main.main
//     either is info only: a main that blocks forever while servers run is
//     idiomatic.
//
// Likely or possible, from the shape of the site:
//
//   - Blocked senders ("chan send"), the most common leak in production
//     (the "premature return": a caller fans out, returns early on an error
//     or a timeout, and its workers block forever sending results nobody
//     reads). The evidence is a median wait of at least Config.LeakMinWait
//     (10m), or a creator that has returned: with creator IDs (Go 1.21+)
//     the creator goroutine is gone or no longer inside the creating
//     function; without IDs, the creating function is on no stack in the
//     dump. With either the finding is likely; a warning from
//     LeakMinCount senders, critical from Config.LeakCriticalCount (1000).
//     LeakWarnCount senders or more are a warning even without evidence
//     (confidence possible). A smaller site is a warning only when it has
//     waited LeakMinWait, its creator returned and goroutines started by
//     the same creator are blocked as long (a whole family left behind, like
//     a shell relay's reader, writer and pump); otherwise it is info.
//   - Waiters (chan receive, select, sync.Cond.Wait, sync.WaitGroup.Wait)
//     are what idle worker pools, per-connection loops and tickers look
//     like, so they are reported at warning only when creator IDs show
//     per-request creators (at least one creator per two goroutines, not a
//     pool that one constructor started; or, for 80% of them, a live server
//     connection goroutine such as net/http's (*conn).serve, which runs a
//     keep-alive connection's handlers one after another), at least 80% of
//     those creators have returned from the creating function, the site
//     holds LeakMinCount goroutines, and either their median wait is
//     LeakMinWait (likely; critical from LeakCriticalCount) or they are
//     LeakWarnCount goroutines in a plain chan receive or
//     sync.WaitGroup.Wait (possible: no select, so no ticker case and no
//     second way out; a sync.Cond is what per-connection writer loops idle
//     on, so it needs the age). Otherwise a big site (LeakCriticalCount and
//     a quarter of all goroutines, or LeakWarnCount waiting LeakMinWait)
//     not started by a few creators is info.
//
// # Inputs without states
//
// debug=0 profiles have no states, wait ages or creators: the operation is
// named from the runtime frames (runtime.chansend1, runtime.selectgo...),
// the title says so, and only the count rules apply (confidence possible).
// debug=1 profiles also hide the leading runtime frames, so a goroutine
// parked with the program's code innermost is in "a channel operation or
// select" whose direction is unknown, and an idle pool parked in
// `for job := range jobs` looks the same: such a site is a warning
// (possible) only when it holds four times LeakWarnCount (200) goroutines
// and half of all goroutines, and the addresses on the sample's count
// line do not show a select: the hidden frames are runtime.gopark and
// runtime.selectgo (two) for a select, three for a channel operation
// (gopark, chansend/chanrecv and its wrapper). A select without creators
// is a waiter, as in a debug=2 dump: a streaming server's per-connection
// loops, a broker's subscribers.
// The remedy then asks for a debug=2 dump or a goroutineleak profile.
//
// # Execution traces
//
// A runtime execution trace caps every wait age at the trace's length, so
// the age rules above never fire on one; the goroutines alive at the end
// still go through the count and creator rules. The trace also shows what
// a dump cannot: who ended each wait, and when each open wait began. A
// blocking site of the Timeline (chan send, chan receive, select,
// sync.Cond.Wait, sync.WaitGroup.Wait, with a frame in the program's own
// code) is a leak, confidence likely, warning (critical from
// LeakCriticalCount), when:
//
//   - at least Config.LeakMinCount goroutines still wait there at the end;
//   - at least LeakMinCount of those began waiting during the trace (the
//     site grew: goroutines kept entering a wait that never ended), not
//     all of them before tracing started: an idle pool, a subscriber
//     loop or a keep-alive connection parked since before the trace
//     looks exactly the same, so a site whose waits all predate the trace
//     is left to the goroutine rules;
//   - no wait there ended during the trace: no unblocker (a send, receive,
//     close, Signal or Done that woke a waiter). A site where waits do
//     complete is a served pool, however many wait at the end.
//
// The title cites the offsets into the trace (as go tool trace shows them)
// between which the open waits began, and the trace's length; the
// evidence holds the site's stack and a few goroutine IDs. When the
// goroutine rules already report the same culprit at warning or above,
// the trace rule adds nothing.
//
// # What it stays quiet on
//
//   - Idle worker pools: N workers receiving at one site, started by one
//     constructor (one creator ID), or without creator IDs at all, are never
//     above info, however long they idle (a debug=1 site, whose direction
//     is unknown, follows the rule above).
//   - Timers and tickers: goroutines in time.Sleep (state sleep) are not
//     blocking sites at all; a select in a ticker loop is a waiter.
//   - Network waits: IO wait, net/http's idle keep-alive connections
//     ((*conn).serve, persistConn readLoop/writeLoop) and every goroutine
//     whose stack is only standard library or runtime code (signal.loop,
//     GC workers, finalizers, database/sql's connectionOpener, accept
//     loops) are not candidates.
//   - Mutex, RWMutex and semaphore waiters belong to the contention
//     detector, and to the deadlock detector when they form a lock stall,
//     even when the runtime marked them leaked; syscalls and cgo calls
//     belong to blocked-thread.
//   - "all goroutines are asleep - deadlock!" crashes belong to the
//     deadlock detector: every site is capped at info.
//   - Count alone: when a site's only evidence is its size and a runaway
//     finding at warning or above holds at least half of its goroutines,
//     the runaway finding owns it and the leak finding drops to info. The
//     two findings name each other in Related. Conversely a runaway site
//     mostly made of goroutines in leak findings at warning or above drops
//     to info.
//
// # Ranking
//
// Score is detect.Score over the count, the median wait and the share of
// all goroutines, weighed by confidence.
//
// # Remedy
//
// Each finding's remedy is specific to the operation: buffer the channel or
// select on ctx.Done() next to a send; close the channel or select on a
// done channel next to a receive; Broadcast when a sync.Cond's owner
// closes; pair every wg.Add with a deferred wg.Done; make the nil channel.
package leak

import (
	_ "embed"

	"github.com/gorensic/gorensic/detect/internal/doctext"
)

//go:embed doc.go
var docSource string

// Doc is the package comment above: the detector's explain text.
var Doc = doctext.FromSource(docSource)
