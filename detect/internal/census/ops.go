package census

import (
	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// op is what a group is blocked in. It extends detect.Op with one case
// detect.OpOf cannot name: in a debug=1 profile the runtime hides the
// leading runtime frames (runtime.gopark, runtime.chansend1,
// runtime.selectgo...), so a parked goroutine whose innermost printed frame
// is the program's own code is in a channel operation or a select whose
// direction the input does not show.
type op struct {
	detect.Op
	hidden bool // a channel operation or select hidden by a debug=1 profile
	// selectShaped: hidden, and the profile's addresses show two hidden
	// runtime frames (runtime.gopark, runtime.selectgo), not the three of
	// a channel operation: a select (or select {}), a waiter.
	selectShaped bool
}

func (o op) String() string {
	if o.hidden {
		return "a channel operation or select"
	}
	return o.Op.String()
}

// short names the operation in a title.
func (o op) short() string {
	if o.hidden {
		return "a channel op or select"
	}
	return o.Op.String()
}

// sendSide reports whether the goroutines are blocked sending: the shape
// of the "premature return" leak, in which the receiver has gone.
func (o op) sendSide() bool { return !o.hidden && o.Op == detect.OpChanSend }

// waitSide reports whether the goroutines wait for something to arrive or
// happen: a receive, a select, sync.Cond.Wait, sync.WaitGroup.Wait, or an
// operation a debug=1 profile hides. Idle worker pools and per-connection
// loops look like this.
func (o op) waitSide() bool {
	if o.hidden {
		return true
	}
	switch o.Op {
	case detect.OpChanReceive, detect.OpSelect, detect.OpCondWait, detect.OpWaitGroupWait:
		return true
	}
	return false
}

// classify names the operation a group is blocked in.
func classify(s *parse.Snapshot, g *parse.Group) op {
	o := op{Op: detect.OpOf(g.State, g.Stack)}
	if o.Op == detect.OpUnknown && hidesRuntimeFrames(s) && len(g.Stack.Frames) > 0 {
		if f := g.Stack.Frames[0]; !f.Runtime && !detect.IsStdlib(f.Function) {
			o.hidden = true
			o.selectShaped = hiddenFrames(s, g) == 2
		}
	}
	return o
}

// hidesRuntimeFrames reports whether the input drops the leading runtime
// frames of every stack (runtime/pprof's debug=1 text).
func hidesRuntimeFrames(s *parse.Snapshot) bool {
	f := s.Source.Format
	return !s.Caps.Has(parse.CapStates) && (f == parse.FormatDebug1 || f == parse.FormatLeakDebug1)
}

// hiddenFrames returns how many leading runtime frames a debug=1 profile
// hid for every member of g (parse.GoroutineExtra.HiddenFrames), or 0 when
// the members disagree or it is unknown.
func hiddenFrames(s *parse.Snapshot, g *parse.Group) int {
	n := -1
	for _, mi := range g.Members {
		h := 0
		if x := s.Goroutines[mi].Extra; x != nil {
			h = x.HiddenFrames
		}
		if n >= 0 && h != n {
			return 0
		}
		n = h
	}
	return max(n, 0)
}
