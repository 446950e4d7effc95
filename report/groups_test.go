package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorensic/gorensic/parse"
)

func TestNewGroupSet(t *testing.T) {
	s := workerSnapshot()
	set := NewGroupSet(s, parse.Aggregate(s), false, GroupOptions{IDs: 5})
	if set.TotalGroups != 2 || len(set.Groups) != 2 || set.Goroutines != 8 {
		t.Fatalf("groups: total %d, shown %d, goroutines %d; want 2, 2, 8", set.TotalGroups, len(set.Groups), set.Goroutines)
	}
	send, main := set.Groups[0], set.Groups[1]
	if send.Count != 7 || !slices.Equal(send.IDs, []int64{100, 101, 102, 103, 104}) || send.MoreIDs != 2 {
		t.Errorf("send group: count %d, ids %v +%d; want 7, [100..104] +2", send.Count, send.IDs, send.MoreIDs)
	}
	if want := (WaitRange{0, 31 * time.Minute, 47 * time.Minute}); send.Wait == nil || *send.Wait != want {
		t.Errorf("send wait = %+v, want %+v", send.Wait, want)
	}
	if send.CreatorIDs != 2 || send.CreatorID != 0 {
		t.Errorf("send creators: %d ids, id %d; want 2 and none singled out", send.CreatorIDs, send.CreatorID)
	}
	if send.Crashed || !main.Crashed {
		t.Errorf("crashed: send %v, main %v; want false, true", send.Crashed, main.Crashed)
	}
	if main.Wait != nil {
		t.Errorf("main wait = %+v; want none (it waited under a minute)", main.Wait)
	}
	if main.Flags != parse.FlagLockedToThread {
		t.Errorf("main flags = %v, want locked to thread only (crashed does not split groups)", main.Flags)
	}
	if main.ElidedAt != 3 || main.Elided != 100 {
		t.Errorf("main elision: %d at %d, want 100 at 3", main.Elided, main.ElidedAt)
	}
}

func TestNewGroupSetCuts(t *testing.T) {
	s := workerSnapshot()
	for _, tc := range []struct {
		name            string
		opt             GroupOptions
		groups, hidden  int
		mainFrames, cut int
		elidedAt        int
	}{
		{"all", GroupOptions{}, 2, 0, 4, 0, 3},
		{"top 1", GroupOptions{Top: 1}, 1, 1, -1, -1, -1},
		{"frames cut after the elision", GroupOptions{MaxFrames: 3}, 2, 0, 3, 1, 3},
		{"frames cut before the elision", GroupOptions{MaxFrames: 2}, 2, 0, 2, 2, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := NewGroupSet(s, parse.Aggregate(s), false, tc.opt)
			if len(set.Groups) != tc.groups || set.HiddenGoroutines != tc.hidden || set.TotalGroups != 2 {
				t.Fatalf("shown %d of %d groups, %d goroutines hidden; want %d of 2, %d", len(set.Groups), set.TotalGroups, set.HiddenGoroutines, tc.groups, tc.hidden)
			}
			if tc.mainFrames < 0 {
				return
			}
			main := set.Groups[1]
			if len(main.Frames) != tc.mainFrames || main.CutFrames != tc.cut || main.ElidedAt != tc.elidedAt {
				t.Errorf("main: %d frames, %d cut, elided at %d; want %d, %d, %d", len(main.Frames), main.CutFrames, main.ElidedAt, tc.mainFrames, tc.cut, tc.elidedAt)
			}
		})
	}
}

// TestGroupsTextGroupedProfile checks that a debug=1 style snapshot says
// its states are unknown and lists no IDs or waits.
func TestGroupsTextGroupedProfile(t *testing.T) {
	st := &parse.Stack{Frames: frames("runtime.gopark", "main.worker"), Hash: 3}
	s := &parse.Snapshot{
		Source:     parse.Source{Name: "profile.txt", Format: parse.FormatDebug1},
		Caps:       parse.CapGroupedCounts | parse.CapLabels,
		Goroutines: []parse.Goroutine{{Count: 42, Stack: st}},
	}
	var b strings.Builder
	g := &Groups{Inputs: []GroupSet{NewGroupSet(s, parse.Aggregate(s), false, GroupOptions{IDs: 5})}}
	if err := (textFormatter{}).Groups(&b, g); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"42 goroutines", "(state not recorded in this format)", "main.worker", "(runtime)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"ids:", "waiting", "[]"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("output has %q:\n%s", unwanted, out)
		}
	}
}
