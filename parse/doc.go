// Package parse reads every goroutine dump, goroutine profile, contention
// profile and runtime execution trace format the Go runtime has printed into
// one model: a Snapshot of goroutines with interned stacks.
//
// Inputs are sniffed by content, never by name (see Read). Text dumps are
// read in one pass; stacks, frames and strings are interned, so they cost
// memory once per distinct stack, and each goroutine adds only its small
// record (about 90 bytes, pointing at its stack). Large regular files are
// read by several goroutines (ReadFile, Options.Parallelism): dumps in
// chunks cut at goroutine headers, traces a generation per decoder; any
// other trace is decoded on one goroutine and summarised on another. The
// result is the same as one reader's. A Snapshot records what its input can
// show in Caps, so that later layers never guess: a debug=0 profile has no
// goroutine IDs, states or wait ages, and says so.
//
// This package knows nothing of findings; it only reads.
package parse
