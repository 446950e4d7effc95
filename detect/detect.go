package detect

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/gorensic/gorensic/parse"
)

// Detector is one independent check over a snapshot.
type Detector struct {
	Name  string     // stable ID: "leak", "blocked-thread", ...
	Kinds []Kind     // the kinds of finding it reports
	Doc   string     // from its doc.go: what, evidence, false positives, remedy
	Needs parse.Caps // it is skipped (and listed as skipped) when the snapshot lacks any of these
	// NeedsAny lists caps of which at least one must be present (for
	// example goroutines or contention samples), 0 for none.
	NeedsAny parse.Caps
	Run      func(*Pass) error
}

// Pass is what a detector sees of one snapshot.
type Pass struct {
	Snapshot *parse.Snapshot
	// Groups are the snapshot's goroutines grouped by state, stack and
	// creator, biggest first (parse.Aggregate), computed once for all
	// detectors.
	Groups []*parse.Group
	// Baseline is the older snapshot in a diff or watch, else nil.
	Baseline *parse.Snapshot
	Config   Config
	// Total is the number of goroutines in the snapshot.
	Total  int
	report func(Finding)
	shared map[any]any // analyses shared by the detectors of one Run
}

// Shared returns what compute returns for key, calling it once per Run:
// detectors that start from the same analysis of a snapshot (leak and
// runaway from the goroutine census) share one. key is a comparable value
// of a type private to the package that computes it.
func (p *Pass) Shared(key any, compute func() any) any {
	if v, ok := p.shared[key]; ok {
		return v
	}
	v := compute()
	if p.shared == nil {
		p.shared = map[any]any{}
	}
	p.shared[key] = v
	return v
}

// Report records a finding.
func (p *Pass) Report(f Finding) { p.report(f) }

// Skipped says that a detector did not run on a snapshot, and why.
type Skipped struct {
	Detector string
	Missing  parse.Caps // caps the snapshot lacked
	Reason   string
}

// Result is what Run found in one snapshot.
type Result struct {
	Snapshot *parse.Snapshot
	Findings []Finding // ranked
	Skipped  []Skipped
}

// Run runs every detector over s and returns the ranked findings.
func Run(ctx context.Context, s *parse.Snapshot, detectors []*Detector, cfg Config, baseline *parse.Snapshot) (*Result, error) {
	res := &Result{Snapshot: s}
	groups := parse.Aggregate(s)
	total := s.GoroutineCount()
	shared := map[any]any{}
	for _, d := range detectors {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if missing := d.Needs &^ s.Caps; missing != 0 {
			res.Skipped = append(res.Skipped, Skipped{Detector: d.Name, Missing: missing,
				Reason: fmt.Sprintf("the input does not show %s", missing)})
			continue
		}
		if d.NeedsAny != 0 && s.Caps&d.NeedsAny == 0 {
			res.Skipped = append(res.Skipped, Skipped{Detector: d.Name, Missing: d.NeedsAny,
				Reason: fmt.Sprintf("the input shows none of %s", d.NeedsAny)})
			continue
		}
		pass := &Pass{
			Snapshot: s,
			Groups:   groups,
			Baseline: baseline,
			Config:   cfg,
			Total:    total,
			shared:   shared,
			report: func(f Finding) {
				f.Detector = d.Name
				f.Snapshot = s
				if math.IsNaN(f.Score) {
					f.Score = 0
				}
				f.Score = min(max(f.Score, 0), 1)
				f.Fingerprint = Fingerprint(d.Name, f.Kind, f.Key, f.Culprit, f.CreatedBy)
				res.Findings = append(res.Findings, f)
			},
		}
		if err := d.Run(pass); err != nil {
			return nil, fmt.Errorf("detector %s on %s: %w", d.Name, s.Source.Name, err)
		}
	}
	Rank(res.Findings)
	return res, nil
}

// Rank orders findings by severity, then score, then fingerprint (so the
// order is deterministic), and numbers them from 1.
func Rank(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int { return CompareRank(&a, &b) })
	for i := range fs {
		fs[i].Rank = i + 1
	}
}

// CompareRank is the ranking order of Rank: it returns a negative number
// when a ranks before b (higher severity, then higher score, then the
// smaller fingerprint), a positive one when after, and 0 for a tie. It
// lets callers rank findings gathered from several snapshots in the same
// order.
func CompareRank(a, b *Finding) int {
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.Fingerprint, b.Fingerprint)
}

// Score is the documented ranking score of a finding, in [0, 1]:
//
//	score = confidence × (0.5·size + 0.3·age + 0.2·share)
//
// where size = log10(count+1)/4 (capped at 1: 10,000 goroutines or events
// score full), age = the median wait over an hour (capped at 1; 0 when the
// input shows no ages), and share = the fraction of all goroutines the
// finding covers. Confidence weighs 1 (certain), 0.8 (likely), 0.5
// (possible).
func Score(c Confidence, count int, medianWait float64, share float64) float64 {
	size := math.Min(1, math.Log10(float64(count)+1)/4)
	age := math.Min(1, medianWait/3600)
	share = math.Min(1, math.Max(0, share))
	return c.weight() * (0.5*size + 0.3*age + 0.2*share)
}
