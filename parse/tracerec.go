package parse

import (
	"golang.org/x/exp/trace"
)

// recKind says what a traceRec is.
type recKind uint8

const (
	recGo         recKind = iota // a goroutine state transition
	recProc                      // a P state transition
	recSync                      // a generation starts, or the trace ends
	recGOMAXPROCS                // the /sched/gomaxprocs:threads metric
)

// traceRec is what the summary takes from one event: the few fields it
// reads. Events the summary has no use for make no record; the next record
// counts them in skip.
//
// Records are the unit both readers share: the sequential reader makes one
// per event and summarises it at once; the parallel reader's decoders pack
// them (tracepack.go) for the one summarising goroutine, which unpacks
// them. So the summary depends only on records, whoever made them.
type traceRec struct {
	t    trace.Time
	id   int64 // the goroutine or P the transition is about; the metric's value
	by   trace.GoID
	proc trace.ProcID
	// stk is the transition's stack, evStk the event's own when that is
	// someone else's (the creator's, the unblocker's).
	stk, evStk trace.Stack
	reason     string // the wait reason of a transition to GoWaiting
	skip       uint32 // events before this one that made no record
	kind       recKind
	from, to   uint8 // trace.GoState or trace.ProcState
	// A sync's place in the input (how far a sequential reader had read
	// when it returned the sync) and its clock snapshot, when it has one.
	pos   int64
	clock *trace.ClockSnapshot
}

// recorder turns events into records.
type recorder struct {
	skip uint32     // events since the last record
	last trace.Time // time of the latest event
	// bad counts the goroutine transitions to GoUndetermined (a status
	// the runtime calls bad), which make no record.
	bad int
}

// record fills r from ev and reports whether the summary needs it; when it
// does not, the event is counted for the next record.
func (rc *recorder) record(ev *trace.Event, r *traceRec) bool {
	// Event's methods take it by value, and even inlined each call copies
	// it (ten words); on a local copy the calls cost less.
	e := *ev
	rc.last = e.Time()
	switch e.Kind() {
	case trace.EventStateTransition:
		st := e.StateTransition()
		switch st.Resource.Kind {
		case trace.ResourceGoroutine:
			// Most events: recorded here rather than in a call of
			// their own.
			from, to := st.Goroutine()
			if to == trace.GoUndetermined {
				rc.bad++
				break // tells the summary nothing
			}
			r.t, r.kind, r.from, r.to, r.skip = rc.last, recGo, uint8(from), uint8(to), rc.skip
			rc.skip = 0
			r.id, r.stk, r.reason = int64(st.Resource.Goroutine()), st.Stack, ""
			r.by, r.proc, r.evStk = trace.NoGoroutine, trace.NoProc, trace.NoStack
			r.pos, r.clock = 0, nil
			switch {
			case to == trace.GoWaiting:
				r.reason = st.Reason
			case to == trace.GoSyscall:
				r.proc = e.Proc()
			}
			// The event's goroutine and stack are the creator's in a
			// creation and the unblocker's in a wake-up.
			if from == trace.GoNotExist || to == trace.GoRunnable {
				r.by, r.evStk = e.Goroutine(), e.Stack()
			}
			return true
		case trace.ResourceProc:
			return rc.proc(&e, &st, r)
		}
	case trace.EventSync:
		rc.start(r, recSync, 0, 0)
		r.clock = e.Sync().ClockSnapshot
		return true
	case trace.EventMetric:
		if m := e.Metric(); m.Name == "/sched/gomaxprocs:threads" && m.Value.Kind() == trace.ValueUint64 {
			rc.start(r, recGOMAXPROCS, 0, 0)
			r.id = int64(min(m.Value.Uint64(), 1<<20))
			return true
		}
	}
	rc.skip++
	return false
}

// start begins record r of an event at the recorder's latest time. It sets
// every field (a composite literal would zero a temporary and copy it, on
// every event).
func (rc *recorder) start(r *traceRec, kind recKind, from, to uint8) {
	r.t, r.kind, r.from, r.to, r.skip = rc.last, kind, from, to, rc.skip
	r.id, r.by, r.proc = 0, trace.NoGoroutine, trace.NoProc
	r.stk, r.evStk, r.reason = trace.NoStack, trace.NoStack, ""
	r.pos, r.clock = 0, nil
	rc.skip = 0
}

// proc records a P transition.
func (rc *recorder) proc(ev *trace.Event, st *trace.StateTransition, r *traceRec) bool {
	from, to := st.Proc()
	rc.start(r, recProc, uint8(from), uint8(to))
	r.id = int64(st.Resource.Proc())
	r.proc = ev.Proc()
	return true
}
