// Package runaway finds goroutine counts dominated by one creation site:
// a go statement that starts goroutines without bound (one per message,
// per request, per item) faster than they finish.
//
// # What it reports
//
// Goroutines are grouped by creation site: the "created by" frame (the
// go statement's function and line), or, in debug=0 and debug=1 profiles,
// which record no creators, the function each goroutine started in
// (detect.EntryFunction; the title says "running" instead of "created by").
// Runtime-created goroutines and the main goroutine belong to no site. A
// finding gives the count, its share of all goroutines, what most of them
// are doing (the biggest operation and culprit among them), a few stacks
// and, when every goroutine of the site was started by one goroutine (Go
// 1.21+ "created by X in goroutine N"), that parent goroutine and its
// current stack.
//
// Thresholds (Config.RunawayMinCount, default 1000, and
// Config.RunawayMinShare, default 0.5):
//
//   - warning: RunawayMinCount goroutines or more at one site holding at
//     least RunawayMinShare of all goroutines;
//   - critical: ten times RunawayMinCount (10,000) with the same share;
//   - warning too, in a diff or watch, when the site at least doubled since
//     the baseline snapshot and grew by half of RunawayMinCount;
//   - info: RunawayMinCount or more with a smaller share. Three or more such
//     sites within 10% of each other's counts are one "per-entity fan-out"
//     finding: a design that runs a few goroutines per consumer, stream or
//     peer (1,000 consumers x 7 goroutines) scales with its entities and is
//     neither a leak nor a runaway by itself.
//
// A program's goroutines are rarely dominated by one site unless something
// spawns without bound, and a healthy process is seldom beyond a few
// thousand goroutines at one site; the defaults reflect that, and can be
// raised for programs whose design is one goroutine per connection at
// scale.
//
// # What it stays quiet on (info at most)
//
//   - Connection-bound goroutines: sites in net/http (idle keep-alive
//     connections in (*conn).serve, client persistConn loops),
//     golang.org/x/net/http2, gRPC or net/rpc; sites where half the
//     goroutines wait for network input; sites whose creators are an
//     accept loop or connection readers (by creator ID, or, without IDs,
//     because the creating function is on the stack of a goroutine in
//     Accept); and, in profiles without creators, sites that run beside at
//     least half as many network readers. 5,000 idle keep-alive connections
//     are a capacity fact: the finding says so and suggests watching the
//     trend.
//   - Fixed pools: every goroutine of the site was started by one goroutine
//     that has left the creating function since (a constructor that started
//     N workers and returned), and all of them wait for work. A spawner
//     still inside its loop (a consumer starting one goroutine per message)
//     is what a runaway looks like.
//   - In a diff or watch, a site no bigger than in the baseline (within
//     10%): stable, however large.
//   - Goroutines that are mostly in leak findings at warning or above: the
//     leak finding, which says why they are stuck, owns them; this one drops
//     to info and names it in Related. Conversely, a leak site whose only
//     evidence is its size gives way to a runaway finding at warning or
//     above.
//   - "all goroutines are asleep - deadlock!" crashes: the deadlock
//     detector's.
//   - goroutineleak profiles at debug=0 and debug=1 hold only the leaked
//     goroutines, not the program's population: nothing is reported.
//
// # Execution traces
//
// A runtime execution trace shows what a dump cannot: when each goroutine
// was created and when it exited. The trace rule reads the Timeline's
// creation sites: a go statement (with the goroutines of the same start
// function that already existed when tracing started, which the trace
// cannot attribute to a go statement) is reported, confidence likely,
// warning (critical with ten times RunawayMinCount alive at the end and
// the share), when:
//
//   - its live count grew by Config.RunawayMinCount or more during the
//     trace (alive at the end minus alive at the start); or
//   - it holds at least RunawayMinCount and RunawayMinShare of the
//     goroutines alive at the end, and it created more goroutines during
//     the trace than exited, by a tenth of its count at the end (the
//     creation rate outpaces the exits).
//
// The title cites the creation rate, the time range of the creations as
// offsets into the trace, and the live counts: "1,500 goroutines created
// by main.(*consumer).run at 2,976/s between 200ms and 704ms; 1,496 alive
// at the end (0 at the start, peak 1,500, 99% of all)"; the metrics add
// the peak creation rate over one bucket and when the peak live count
// was reached.
//
// Goroutines that all existed before tracing started (a runaway that
// happened before the trace, as in a short trace of a process already
// full of goroutines) have no creation events: a start function holding
// RunawayMinCount and RunawayMinShare of the goroutines at the end is
// reported from the end state, as debug=0 and debug=1 profiles are, by
// the function they run, confidence possible.
//
// A finished burst, a site that created RunawayMinCount or more and had
// as many alive at once but whose goroutines exited again (10,101 spawned
// in a burst, 10,000 of them done within the trace), is info: nothing is
// stuck, but the peak and the rate are worth knowing. Churn, goroutines
// created and exiting at the same pace (6,491 created and 6,483 exited in
// a second, never many alive at once), is not reported at all.
// Connection-bound sites (net/http, http2, gRPC, net/rpc) and sites whose
// goroutines mostly wait for network input are left to the rules above.
// Where the goroutine rules report the same go statement, the trace
// finding replaces theirs and is no more severe than they judged it (a
// capacity fact or a fixed pool stays info).
//
// # Examples
//
//   - An erigon node's debug=1 profile: 12,096 of 20,161 goroutines (60%)
//     run anacrolix/torrent's webseedPeer.requester, all parked in
//     sync.Cond.Wait: critical. The leak detector adds an info finding for
//     the same goroutines (no ages or creators say they are stuck) and the
//     two name each other.
//   - An embedded NATS JetStream server, 7,046 goroutines: six sites of
//     ~1,000 each (raft fileWriter, consumer flushLoop, monitorConsumer,
//     MQTT client readers and writers): one consumer, peer and client
//     each per entity; one info "per-entity fan-out" finding, no warning.
//   - An MQTT broker's crash dump: 1,733 of 1,752 goroutines created by
//     the accept loop's closure, one reader and one writer per connection:
//     info, a capacity fact.
//
// # Ranking
//
// Score is detect.Score over the count and the share of all goroutines
// (ages play no part: a runaway is about numbers), weighed by confidence.
//
// # Remedy
//
// Bound the spawning: a fixed pool of workers fed by a channel, or a
// semaphore (a buffered channel, golang.org/x/sync/semaphore,
// errgroup.Group.SetLimit) around the go statement, so the source waits
// instead of piling up goroutines; timeouts on the slow dependency they
// wait for; load shedding at the source. For capacity facts: watch the
// trend with gorensic diff, and cap connections or set idle timeouts.
package runaway

import (
	_ "embed"

	"github.com/gorensic/gorensic/detect/internal/doctext"
)

//go:embed doc.go
var docSource string

// Doc is the package comment above: the detector's explain text.
var Doc = doctext.FromSource(docSource)
