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
}

const maxGroupLabels = 8

// groupingFlags are the goroutine flags that split groups.
const groupingFlags = FlagLockedToThread | FlagLeaked | FlagDurable | FlagStackUnavailable

type groupKey struct {
	state string
	stack *Stack
	flags GoroutineFlags
}

// Aggregate groups the snapshot's goroutines by state, stack and creation
// site in one pass (hash-based, linear in the number of goroutines) and
// returns the groups biggest first; ties are ordered by state and stack
// content so the order is deterministic.
func Aggregate(s *Snapshot) []*Group {
	byKey := make(map[groupKey]*Group)
	var groups []*Group
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		k := groupKey{state: g.State, stack: g.Stack, flags: g.Flags & groupingFlags}
		grp := byKey[k]
		if grp == nil {
			grp = &Group{State: g.State, Stack: g.Stack, Flags: k.flags}
			byKey[k] = grp
			groups = append(groups, grp)
		}
		grp.Count += g.Count
		grp.Members = append(grp.Members, i)
		if g.Labels != nil && len(grp.Labels) < maxGroupLabels && !slices.Contains(grp.Labels, g.Labels) {
			grp.Labels = append(grp.Labels, g.Labels)
		}
	}
	var waits []time.Duration
	creators := make(map[int64]struct{})
	for _, grp := range groups {
		waits = waits[:0]
		clear(creators)
		for _, i := range grp.Members {
			g := &s.Goroutines[i]
			waits = append(waits, g.Wait)
			if g.CreatorID != 0 {
				creators[g.CreatorID] = struct{}{}
			}
		}
		slices.Sort(waits)
		grp.WaitMin, grp.WaitMax = waits[0], waits[len(waits)-1]
		grp.WaitMedian = waits[len(waits)/2]
		grp.CreatorIDs = len(creators)
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
