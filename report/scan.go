package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/gorensic/gorensic/parse"
)

// Scan is the result of "gorensic scan": one summary per snapshot read,
// and the findings of the detectors over all of them, ranked across the
// inputs.
type Scan struct {
	Inputs []InputSummary
	// Findings holds every finding of every input, info included, ranked
	// across the inputs (see Scan.Rank): Findings[i].Rank == i+1.
	Findings []Finding
	Outcome
	// View says how much the table format shows; JSON shows everything.
	View ScanView
}

// ScanView is what the table rendering of a scan shows.
type ScanView struct {
	// All shows info findings too; by default the table shows findings
	// at warning or above and counts the others.
	All bool
	// Evidence is how many of the top findings of the run get their
	// stacks and remedy printed.
	Evidence int
}

// InputSummary is what one snapshot holds, in the few numbers that tell
// the reader what they are looking at.
type InputSummary struct {
	// Label names the snapshot for people: the input name, with "#index"
	// when its input holds several snapshots.
	Label      string
	Source     parse.Source
	Caps       parse.Caps
	Goroutines int
	// States counts goroutines by wait state, biggest first; nil when the
	// input does not record states.
	States     []StateCount
	Crash      *parse.Crash
	Races      int
	Contention *ContentionSummary // nil unless the input is a contention profile
	Warnings   []parse.Warning
	// SkippedDetectors are the detectors that did not run on the snapshot
	// because it cannot show what they look at.
	SkippedDetectors []SkippedDetector
	// DetectError says why the detectors failed on the snapshot, "" when
	// they ran.
	DetectError string
}

// SkippedDetector is a detector left out for one snapshot, and why.
type SkippedDetector struct {
	Detector string
	Reason   string
}

// StateCount is one bar of a states histogram.
type StateCount struct {
	State string
	Count int
}

// ContentionSummary totals a mutex or block profile.
type ContentionSummary struct {
	Kind        parse.Format
	Samples     int
	Contentions int64
	Delay       time.Duration
}

// Label names a snapshot for people: its input name, with "#index" when
// the input holds several snapshots.
func Label(src parse.Source, several bool) string {
	if !several {
		return src.Name
	}
	return src.Name + "#" + itoa(src.Index)
}

// Summarize sums up one snapshot; several says whether its input holds
// more than one.
func Summarize(s *parse.Snapshot, several bool) InputSummary {
	sum := InputSummary{
		Label:      Label(s.Source, several),
		Source:     s.Source,
		Caps:       s.Caps,
		Goroutines: s.GoroutineCount(),
		Crash:      s.Crash,
		Races:      len(s.Races),
		Warnings:   s.Warnings,
	}
	if s.Caps.Has(parse.CapStates) {
		sum.States = stateHistogram(s.Goroutines)
	}
	if c := s.Contention; c != nil {
		cs := &ContentionSummary{Kind: c.Kind, Samples: len(c.Samples)}
		for _, smp := range c.Samples {
			cs.Contentions += smp.Contentions
			cs.Delay += smp.Delay
		}
		sum.Contention = cs
	}
	return sum
}

// stateHistogram counts goroutines by state, biggest first, ties by name.
func stateHistogram(gs []parse.Goroutine) []StateCount {
	counts := make(map[string]int)
	for i := range gs {
		counts[gs[i].State] += gs[i].Count
	}
	out := make([]StateCount, 0, len(counts))
	for st, n := range counts {
		out = append(out, StateCount{State: st, Count: n})
	}
	slices.SortFunc(out, func(a, b StateCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.State, b.State)
	})
	return out
}
