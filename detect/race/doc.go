// Package race reports the data races of race detector output ("WARNING:
// DATA RACE" reports from a -race build or go test -race), one finding per
// distinct race.
//
// # What it finds
//
// A race report names two accesses to the same memory, at least one a
// write, from two goroutines with no synchronisation between them: the
// access the detector caught and the previous one, each with its stack,
// and the creation stacks of the goroutines involved. A test run or a long
// -race canary prints the same race many times (different lines of the same
// functions, different addresses of the same field); reports with the same
// pair of access functions are one finding, whose count and title say how
// many reports it covers:
//
//	data race: main.(*metrics).inc writes, main.(*metrics).snapshot reads (3 reports)
//	data race on a map: main.(*cache).put (map write), main.(*cache).get (map read)
//
// The access function of a side is its first frame in the program's own
// code (not the runtime, not the standard library: for a map access the
// function doing the map operation, not runtime.mapassign), else its first
// frame outside the runtime.
//
// # Culprit, creation site and fingerprint
//
// The culprit is one of the two access functions, chosen so that it does
// not depend on which goroutine the race detector happened to catch first
// (the "current" access changes from run to run): the side in the
// program's own code, then a plain access over an atomic one (mixing them
// is the bug), then the write over the read (the write is where the lock
// goes), then the function name. The creation site is the first user frame
// of the culprit goroutine's "Goroutine N created at" stack (none for the
// main goroutine). The finding's key is the sorted pair of normalised
// access functions, so the fingerprint is the same whichever side was
// caught first.
//
// # Evidence
//
// Both access stacks of the first report, noted "current read by goroutine
// 101 at 0x...", "previous write by goroutine 102 at 0x...", then each
// "goroutine 101 (running) created at" stack. Metrics: reports, addresses
// (distinct addresses across the reports).
//
// # Severity
//
// A data race is a correctness bug the runtime proved happened, so every
// finding is certain. A race on a map is critical: in production the
// runtime's own check turns it into "fatal error: concurrent map writes",
// which kills the process. Other races are warnings: wrong results, torn
// values, broken invariants, but not an outage by themselves.
//
// # Damaged input
//
// Reports copied from logs or screenshots may be cut or garbled: an access
// whose stack the detector could not restore ("[failed to restore the
// stack]"), a header split over two lines, a report cut after one access.
// What is readable is reported: a side without a stack is named by its
// goroutine, a missing side is said to be unreadable, and when no access
// stack is readable the one creation stack in the report serves as the
// creation site.
//
// # Remedy
//
// Guard the shared memory with one sync.Mutex held by every reader and
// writer, use an atomic value for a single word (and then atomics
// everywhere: a plain access next to atomic ones is still a race), hand
// ownership over through a channel, or for maps use a mutex or sync.Map.
// The race detector sees only races that happen during the run: keep the
// tests running with -race.
package race
