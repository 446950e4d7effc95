package detect

import (
	"context"
	"testing"

	"github.com/gorensic/gorensic/parse"
)

// TestSharedComputesOncePerRun: detectors of one Run that ask for the same
// shared analysis get one computation; another Run computes it anew.
func TestSharedComputesOncePerRun(t *testing.T) {
	type key struct{}
	computed := 0
	var got []any
	use := func(p *Pass) error {
		got = append(got, p.Shared(key{}, func() any { computed++; return &computed }))
		return nil
	}
	dets := []*Detector{{Name: "a", Run: use}, {Name: "b", Run: use}}
	s := &parse.Snapshot{}
	for run := 1; run <= 2; run++ {
		if _, err := Run(context.Background(), s, dets, DefaultConfig(), nil); err != nil {
			t.Fatal(err)
		}
		if computed != run {
			t.Fatalf("after run %d: computed %d times", run, computed)
		}
	}
	if len(got) != 4 || got[0] != got[1] {
		t.Fatalf("shared values %v", got)
	}
}
