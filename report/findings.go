package report

import (
	"slices"

	"github.com/gorensic/gorensic/detect"
)

// Finding is one detector finding as a scan reports it: the detector's
// finding, without the snapshot it points to (a scan keeps summaries, not
// whole snapshots, so a directory of large dumps is never all in memory),
// and the input it was found in.
type Finding struct {
	detect.Finding
	// Input is the index in Scan.Inputs of the snapshot the finding is
	// about.
	Input int
}

// AddInput appends the summary of a snapshot and the result of the
// detectors over it (nil when they did not run). The findings keep their
// evidence but drop their snapshot; Rank orders them once every input is
// in.
func (s *Scan) AddInput(sum InputSummary, res *detect.Result) {
	index := len(s.Inputs)
	if res != nil {
		for _, sk := range res.Skipped {
			sum.SkippedDetectors = append(sum.SkippedDetectors, SkippedDetector{Detector: sk.Detector, Reason: sk.Reason})
		}
		for _, f := range res.Findings {
			f.Snapshot = nil
			s.Findings = append(s.Findings, Finding{Finding: f, Input: index})
		}
	}
	s.Inputs = append(s.Inputs, sum)
}

// Rank orders the findings of every input in the order detect.Rank uses
// for one snapshot (severity, then score, then fingerprint; the same
// finding in several inputs keeps input order) and numbers them from 1.
func (s *Scan) Rank() {
	slices.SortStableFunc(s.Findings, func(a, b Finding) int {
		return detect.CompareRank(&a.Finding, &b.Finding)
	})
	for i := range s.Findings {
		s.Findings[i].Rank = i + 1
	}
}

// AtOrAbove counts the findings at or above a severity.
func (s *Scan) AtOrAbove(level detect.Severity) int {
	n := 0
	for i := range s.Findings {
		if s.Findings[i].Severity >= level {
			n++
		}
	}
	return n
}

// SeverityCounts counts findings by severity.
type SeverityCounts struct {
	Critical int `json:"critical"`
	Warning  int `json:"warning"`
	Info     int `json:"info"`
}

// countSeverities counts the findings fs by severity.
func countSeverities(fs []Finding) SeverityCounts {
	var c SeverityCounts
	for i := range fs {
		c = c.add(fs[i].Severity)
	}
	return c
}

// shown reports whether the table shows f under v.
func (v ScanView) shown(f *Finding) bool {
	return v.All || f.Severity >= detect.SeverityWarning
}

// byInput returns the findings of each input, in rank order.
func (s *Scan) byInput() [][]*Finding {
	out := make([][]*Finding, len(s.Inputs))
	for i := range s.Findings {
		f := &s.Findings[i]
		if f.Input >= 0 && f.Input < len(out) {
			out[f.Input] = append(out[f.Input], f)
		}
	}
	return out
}

// distinctFinding is a finding that stands for every finding of the run
// about the same problem: the same kind at the same culprit function, seen
// in several inputs (several dumps of one process, one process dumped in
// several formats, the same scenario under two Go versions).
type distinctFinding struct {
	*Finding     // the best-ranked one
	Inputs   int // inputs it was found in
}

// problemKey identifies the problem of a finding across inputs: its kind
// and normalised culprit function. It is coarser than the fingerprint,
// whose key may differ between input formats (an operation a profile
// cannot name); without a culprit it is the fingerprint.
func problemKey(f *Finding) string {
	if f.Culprit == nil {
		return "fingerprint\x00" + f.Fingerprint
	}
	return string(f.Kind) + "\x00" + detect.NormalizeFunction(f.Culprit.Function)
}

// distinct returns the shown findings of the run, one per problem (see
// problemKey), in rank order. Findings of one input stay apart even when
// they share a problem key: there the detectors told them apart.
func (s *Scan) distinct() []distinctFinding {
	var out []distinctFinding
	at := make(map[string]int)
	var inputs []map[int]bool
	for i := range s.Findings {
		f := &s.Findings[i]
		if !s.View.shown(f) {
			continue
		}
		key := problemKey(f)
		if j, ok := at[key]; ok && out[j].Input == f.Input && out[j].Fingerprint != f.Fingerprint {
			key += "\x00" + f.Fingerprint
		}
		j, ok := at[key]
		if !ok {
			j = len(out)
			at[key] = j
			out = append(out, distinctFinding{Finding: f})
			inputs = append(inputs, make(map[int]bool))
		}
		inputs[j][f.Input] = true
	}
	for i := range out {
		out[i].Inputs = len(inputs[i])
	}
	return out
}
