package parse

import (
	"cmp"
	"slices"
	"time"
)

// Group is a set of goroutines with the same state, stack (including its
// creation site) and thread/leak flags: the view people read a large dump
// through.
type Group struct {
	State   string
	Stack   *Stack
	Flags   GoroutineFlags // the grouping flags shared by every member (locked to thread, leaked)
	Count   int            // goroutines, counting grouped samples by their Count
	Members []int          // indices into Snapshot.Goroutines, in input order
	// WaitMin, WaitMedian and WaitMax summarise the members' wait ages;
	// they are meaningful only when the snapshot has CapWaitAges.
	WaitMin, WaitMedian, WaitMax time.Duration
	Labels                       []*Labels // distinct label sets, at most maxGroupLabels
	CreatorIDs                   int       // distinct creator goroutine IDs
	// Waits is the members' wait ages with how many members waited each,
	// shortest first: dumps print whole minutes, so it is short.
	Waits []WaitCount
	// Creators are the distinct creator goroutine IDs of the members (0,
	// unknown, left out) with how many members each started, in ID order.
	// Detectors tally these rather than the members one by one.
	Creators []CreatorCount

	index int32 // position while grouping
	size  int   // members, while grouping
}

// WaitCount is how many goroutines of a group have waited Wait.
type WaitCount struct {
	Wait  time.Duration
	Count int
}

// CreatorCount is how many goroutines of a group goroutine ID started.
type CreatorCount struct {
	ID    int64
	Count int
}

const maxGroupLabels = 8

// groupingFlags are the goroutine flags that split groups.
const groupingFlags = FlagLockedToThread | FlagLeaked | FlagDurable | FlagStackUnavailable

// Aggregate groups the snapshot's goroutines by state, stack and creation
// site in one pass (hash-based, linear in the number of goroutines) and
// returns the groups biggest first; ties are ordered by state and stack
// content so the order is deterministic.
func Aggregate(s *Snapshot) []*Group {
	// Goroutines are found their group by stack first (a pointer, cheap to
	// hash), then by state and flags among the few groups of that stack;
	// the last group found is tried first, as neighbours often share one.
	byStack := make(map[*Stack][]*Group)
	var groups []*Group
	of := make([]int32, len(s.Goroutines)) // each goroutine's group, by index in groups
	var last *Group
	lastIndex := int32(-1)
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		flags := g.Flags & groupingFlags
		grp, gi := last, lastIndex
		if grp == nil || grp.Stack != g.Stack || grp.Flags != flags || grp.State != g.State {
			grp = nil
			for _, c := range byStack[g.Stack] {
				if c.Flags == flags && c.State == g.State {
					grp = c
					break
				}
			}
			if grp == nil {
				grp = &Group{State: g.State, Stack: g.Stack, Flags: flags}
				byStack[g.Stack] = append(byStack[g.Stack], grp)
				groups = append(groups, grp)
				grp.index = int32(len(groups) - 1)
			}
			gi = grp.index
			last, lastIndex = grp, gi
		}
		of[i] = gi
		grp.Count += g.Count
		grp.size++
		if g.Labels != nil && len(grp.Labels) < maxGroupLabels && !slices.Contains(grp.Labels, g.Labels) {
			grp.Labels = append(grp.Labels, g.Labels)
		}
	}
	// Members in one allocation, each group's in input order.
	members := make([]int, len(s.Goroutines))
	at := 0
	for _, grp := range groups {
		grp.Members = members[at : at : at+grp.size]
		at += grp.size
	}
	for i, gi := range of {
		grp := groups[gi]
		grp.Members = append(grp.Members, i)
	}
	waits := make(map[time.Duration]int)
	creators := make(map[int64]int)
	for _, grp := range groups {
		clear(waits)
		clear(creators)
		lastWait, run := time.Duration(0), 0 // members often share a wait: count runs first
		for _, i := range grp.Members {
			g := &s.Goroutines[i]
			if g.Wait != lastWait {
				if run > 0 {
					waits[lastWait] += run
				}
				lastWait, run = g.Wait, 0
			}
			run += g.Count
			if g.CreatorID != 0 {
				creators[g.CreatorID] += g.Count
			}
		}
		waits[lastWait] += run
		grp.Waits = make([]WaitCount, 0, len(waits))
		for w, n := range waits {
			grp.Waits = append(grp.Waits, WaitCount{Wait: w, Count: n})
		}
		slices.SortFunc(grp.Waits, func(a, b WaitCount) int { return cmp.Compare(a.Wait, b.Wait) })
		grp.WaitMin, grp.WaitMax = grp.Waits[0].Wait, grp.Waits[len(grp.Waits)-1].Wait
		grp.WaitMedian = medianWait(grp.Waits, grp.Count)
		if len(creators) > 0 {
			grp.Creators = make([]CreatorCount, 0, len(creators))
			for id, n := range creators {
				grp.Creators = append(grp.Creators, CreatorCount{ID: id, Count: n})
			}
			slices.SortFunc(grp.Creators, func(a, b CreatorCount) int { return cmp.Compare(a.ID, b.ID) })
		}
		grp.CreatorIDs = len(grp.Creators)
	}
	slices.SortStableFunc(groups, func(a, b *Group) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(a.State, b.State); c != 0 {
			return c
		}
		return cmp.Compare(a.Stack.Hash, b.Stack.Hash)
	})
	return groups
}

// medianWait is the wait of the member in the middle of a group of n
// sorted by wait, from its histogram: the (n/2)-th, counting from 0, as
// sorting the members' waits and indexing gives.
func medianWait(hist []WaitCount, n int) time.Duration {
	seen := 0
	for _, w := range hist {
		seen += w.Count
		if seen > n/2 {
			return w.Wait
		}
	}
	return hist[len(hist)-1].Wait
}

// IDs returns up to n goroutine IDs of the group's members, in input order;
// it returns nil when the snapshot has no goroutine IDs.
func (grp *Group) IDs(s *Snapshot, n int) []int64 {
	if !s.Caps.Has(CapGoroutineIDs) {
		return nil
	}
	ids := make([]int64, 0, min(n, len(grp.Members)))
	for _, i := range grp.Members {
		if len(ids) == n {
			break
		}
		ids = append(ids, s.Goroutines[i].ID)
	}
	return ids
}
