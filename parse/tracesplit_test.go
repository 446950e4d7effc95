package parse

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/exp/trace"
)

// eventLine prints an event for comparing readers: what the summary could
// read of it. A status (a transition from a state to itself, or from
// GoUndetermined or ProcUndetermined) prints as X->X without the event's
// goroutine and P, which a reader that starts at a later generation does
// not know yet when it reports the statuses.
func eventLine(ev *trace.Event, t trace.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v t=%d m=%d", ev.Kind(), t, ev.Thread())
	status := false
	if ev.Kind() == trace.EventStateTransition {
		st := ev.StateTransition()
		fmt.Fprintf(&b, " %v %q", st.Resource, st.Reason)
		switch st.Resource.Kind {
		case trace.ResourceGoroutine:
			from, to := st.Goroutine()
			status = from == to || from == trace.GoUndetermined
			if status {
				from = to
			}
			fmt.Fprintf(&b, " %v->%v", from, to)
		case trace.ResourceProc:
			from, to := st.Proc()
			status = from == to || from == trace.ProcUndetermined
			if status {
				from = to
			}
			fmt.Fprintf(&b, " %v->%v", from, to)
		}
		for f := range st.Stack.Frames() {
			fmt.Fprintf(&b, " %x", f.PC)
		}
	}
	if ev.Kind() == trace.EventMetric {
		m := ev.Metric()
		fmt.Fprintf(&b, " %s=%v", m.Name, m.Value)
	}
	if !status {
		fmt.Fprintf(&b, " g=%d p=%d |", ev.Goroutine(), ev.Proc())
		for f := range ev.Stack().Frames() {
			fmt.Fprintf(&b, " %x", f.PC)
		}
	}
	return b.String()
}

// readEventLines reads every event of r, times moved after the previous
// line's as one reader of the whole trace would (after *last); it drops
// the reader's closing sync unless keepLast.
func readEventLines(r io.Reader, last *trace.Time, keepLast bool) ([]string, error) {
	rd, err := trace.NewReader(r)
	if err != nil {
		return nil, err
	}
	var lines []string
	var before trace.Time
	for {
		ev, err := rd.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return lines, err
		}
		before = *last
		*last = max(ev.Time(), *last+1)
		lines = append(lines, eventLine(&ev, *last))
	}
	if !keepLast && len(lines) > 0 {
		lines, *last = lines[:len(lines)-1], before
	}
	return lines, nil
}

// TestTraceGenerationsAlone checks what the parallel reader rests on: for
// every whole Go 1.22+ trace of the fixtures and corpus, reading its
// generations apart (as walkTrace finds them), each with its own reader
// over the header and its bytes, gives the events one reader of the whole
// trace gives, but for each reader's closing sync, statuses reported from
// an undetermined state, and times made increasing across readers.
func TestTraceGenerationsAlone(t *testing.T) {
	checked := 0
	for _, path := range parallelTraceCases(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		minor, ok := traceVersion(data)
		if !ok || minor < 22 || !traceFormatRead(minor) {
			continue
		}
		var last trace.Time
		whole, err := readEventLines(bytes.NewReader(data), &last, true)
		if err != nil {
			continue // broken traces are the other tests' business
		}
		lay, err := walkTrace(context.Background(), bytes.NewReader(data), int64(len(data)), minor)
		if err != nil || lay.why != nil {
			t.Errorf("%s: whole trace, yet walk: %v, %v", path, err, lay.why)
			continue
		}
		last = 0
		var apart []string
		for i, g := range lay.gens {
			r := io.MultiReader(bytes.NewReader(data[:traceHeaderSize]), bytes.NewReader(data[g.start:g.end]))
			lines, err := readEventLines(r, &last, i == len(lay.gens)-1)
			if err != nil {
				t.Fatalf("%s: generation %d alone: %v", path, i, err)
			}
			apart = append(apart, lines...)
		}
		if len(apart) != len(whole) {
			t.Errorf("%s: %d events apart, %d whole", path, len(apart), len(whole))
		}
		for i := range min(len(apart), len(whole)) {
			if apart[i] != whole[i] {
				t.Errorf("%s: event %d differs:\nwhole %s\napart %s", path, i, whole[i], apart[i])
				break
			}
		}
		checked++
	}
	if checked == 0 {
		t.Skip("no whole Go 1.22+ trace")
	}
}

// TestWalkTrace checks the layout of traces against what x/exp/trace reads:
// as many generations as syncs less one, and a framing break found where a
// cut makes one.
func TestWalkTrace(t *testing.T) {
	for _, path := range parallelTraceCases(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		minor, ok := traceVersion(data)
		if !ok || minor < 22 || !traceFormatRead(minor) {
			continue
		}
		var last trace.Time
		lines, err := readEventLines(bytes.NewReader(data), &last, true)
		if err != nil {
			continue
		}
		syncs := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "Sync") {
				syncs++
			}
		}
		lay, err := walkTrace(context.Background(), bytes.NewReader(data), int64(len(data)), minor)
		if err != nil || lay.why != nil || len(lay.gens) != syncs-1 || lay.tail != int64(len(data)) {
			t.Errorf("%s: %d generations, tail %d, why %v, err %v; want %d ending at %d", path, len(lay.gens), lay.tail, lay.why, err, syncs-1, len(data))
			continue
		}
		if g := lay.gens[len(lay.gens)-1]; g.end != int64(len(data)) || g.consumed != int64(len(data)) {
			t.Errorf("%s: last generation %+v, file of %d", path, g, len(data))
		}
		cut := data[:len(data)-1]
		lay, err = walkTrace(context.Background(), bytes.NewReader(cut), int64(len(cut)), minor)
		if err != nil || lay.why == nil || lay.tail >= int64(len(cut)) {
			t.Errorf("%s cut by a byte: tail %d, why %v, err %v", path, lay.tail, lay.why, err)
		}
	}
}
