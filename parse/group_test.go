package parse

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"
)

// TestAggregateTallies checks, on every real text input, that each
// group's wait histogram and creator counts are those of its members, and
// that the median is the middle member's wait.
func TestAggregateTallies(t *testing.T) {
	checked := 0
	for path, data := range eachTextInput(t) {
		snaps, err := Read(context.Background(), path, bytes.NewReader(data), Options{})
		if err != nil {
			continue
		}
		for _, s := range snaps {
			for _, grp := range Aggregate(s) {
				var waits []time.Duration
				waitCount := map[time.Duration]int{}
				creators := map[int64]int{}
				for _, i := range grp.Members {
					g := &s.Goroutines[i]
					waits = append(waits, g.Wait)
					waitCount[g.Wait] += g.Count
					if g.CreatorID != 0 {
						creators[g.CreatorID] += g.Count
					}
				}
				slices.Sort(waits)
				if grp.WaitMin != waits[0] || grp.WaitMax != waits[len(waits)-1] {
					t.Fatalf("%s: group %s: waits %v..%v, members %v", path, grp.State, grp.WaitMin, grp.WaitMax, waits)
				}
				if grp.Count == len(grp.Members) && grp.WaitMedian != waits[len(waits)/2] {
					t.Fatalf("%s: group %s: median %v, members %v", path, grp.State, grp.WaitMedian, waits)
				}
				if len(grp.Waits) != len(waitCount) || len(grp.Creators) != len(creators) || grp.CreatorIDs != len(creators) {
					t.Fatalf("%s: group %s: %d waits, %d creators; members have %d and %d", path, grp.State, len(grp.Waits), len(grp.Creators), len(waitCount), len(creators))
				}
				for i, w := range grp.Waits {
					if waitCount[w.Wait] != w.Count || i > 0 && grp.Waits[i-1].Wait >= w.Wait {
						t.Fatalf("%s: group %s: waits %v, members %v", path, grp.State, grp.Waits, waitCount)
					}
				}
				for i, c := range grp.Creators {
					if creators[c.ID] != c.Count || i > 0 && grp.Creators[i-1].ID >= c.ID {
						t.Fatalf("%s: group %s: creators %v, members %v", path, grp.State, grp.Creators, creators)
					}
				}
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d groups checked", checked)
	}
}
