package report

import (
	"time"

	"github.com/gorensic/gorensic/parse"
)

// Groups is the result of "gorensic groups": the goroutine groups of each
// snapshot read.
type Groups struct {
	Inputs []GroupSet
	Outcome
}

// GroupSet is the groups of one snapshot, biggest first, cut to the
// options it was built with.
type GroupSet struct {
	Label      string // see Label
	Source     parse.Source
	Caps       parse.Caps
	Goroutines int
	Crash      *parse.Crash
	Groups     []GroupView // the first Top groups
	// TotalGroups counts every group, shown or not; HiddenGoroutines counts
	// the goroutines of the groups not shown.
	TotalGroups      int
	HiddenGoroutines int
}

// GroupView is one group as shown: the parse.Group cut to what fits on a
// screen.
type GroupView struct {
	Count int
	// State is the wait state; meaningless when the set lacks
	// parse.CapStates (grouped profiles record none).
	State string
	Flags parse.GoroutineFlags // the flags shared by every member
	// Wait is the members' wait age range; nil when the input records no
	// wait ages or every member waited under a minute.
	Wait   *WaitRange
	Labels []*parse.Labels // distinct label sets (parse keeps the first few)
	// Crashed says the crashing goroutine of a crash dump is in this group.
	Crashed bool

	Frames []*parse.Frame // innermost first, at most MaxFrames
	// Elided is the runtime's elision of the stack (see parse.Stack.Elided),
	// shown before Frames[ElidedAt]; ElidedAt is -1 when the marker falls
	// among the frames cut by MaxFrames.
	Elided, ElidedAt int
	CutFrames        int          // frames left out by MaxFrames
	CreatedBy        *parse.Frame // nil when the stack has no creation site
	// CreatorIDs counts the distinct goroutines that created the members,
	// when the input records them; CreatorID is the one when there is one.
	CreatorIDs int
	CreatorID  int64

	IDs     []int64 // the first few member IDs; nil when the input has none
	MoreIDs int     // members not in IDs
}

// WaitRange is the spread of a group's wait ages. Dumps print whole
// minutes, so zero means "under a minute".
type WaitRange struct{ Min, Median, Max time.Duration }

// GroupOptions cut a GroupSet to size.
type GroupOptions struct {
	Top       int // groups to keep, 0 for all
	MaxFrames int // frames to keep per stack, 0 for all
	IDs       int // member IDs to keep per group
}

// NewGroupSet builds the view of groups, the parse.Aggregate of s; several
// says whether the input of s holds more than one snapshot.
func NewGroupSet(s *parse.Snapshot, groups []*parse.Group, several bool, opt GroupOptions) GroupSet {
	set := GroupSet{
		Label:       Label(s.Source, several),
		Source:      s.Source,
		Caps:        s.Caps,
		Goroutines:  s.GoroutineCount(),
		Crash:       s.Crash,
		TotalGroups: len(groups),
	}
	shown := groups
	if opt.Top > 0 && len(groups) > opt.Top {
		shown = groups[:opt.Top]
		for _, g := range groups[opt.Top:] {
			set.HiddenGoroutines += g.Count
		}
	}
	set.Groups = make([]GroupView, 0, len(shown))
	for _, g := range shown {
		set.Groups = append(set.Groups, newGroupView(s, g, opt))
	}
	return set
}

func newGroupView(s *parse.Snapshot, g *parse.Group, opt GroupOptions) GroupView {
	v := GroupView{
		Count:      g.Count,
		State:      g.State,
		Flags:      g.Flags,
		Labels:     g.Labels,
		CreatedBy:  g.Stack.CreatedBy,
		CreatorIDs: g.CreatorIDs,
		Elided:     g.Stack.Elided,
		ElidedAt:   -1,
	}
	if s.Caps.Has(parse.CapWaitAges) && g.WaitMax > 0 {
		v.Wait = &WaitRange{Min: g.WaitMin, Median: g.WaitMedian, Max: g.WaitMax}
	}
	for _, i := range g.Members {
		m := &s.Goroutines[i]
		if m.Has(parse.FlagCrashed) {
			v.Crashed = true
		}
		if g.CreatorIDs == 1 && m.CreatorID != 0 {
			v.CreatorID = m.CreatorID
		}
	}
	v.Frames = g.Stack.Frames
	if opt.MaxFrames > 0 && len(v.Frames) > opt.MaxFrames {
		v.CutFrames = len(v.Frames) - opt.MaxFrames
		v.Frames = v.Frames[:opt.MaxFrames]
	}
	if v.Elided != 0 && g.Stack.ElidedAt <= len(v.Frames) {
		v.ElidedAt = g.Stack.ElidedAt
	}
	if ids := g.IDs(s, opt.IDs); ids != nil {
		v.IDs = ids
		v.MoreIDs = len(g.Members) - len(ids)
	}
	return v
}
