package report

import (
	"math"
	"slices"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// A finding of the gorensic/v1 document. The fields from Rank to Remedy
// are the contract of design.md, in its order, and always present: Wait
// is null when the finding has no wait ages (the input records none, or
// the finding is not about waiting, as a crash), Culprit and CreatedBy are
// null when unknown, lists are never null. The fields after Remedy are
// additive and omitted when empty.
type (
	jsonFinding struct {
		Rank        int         `json:"rank"`
		Fingerprint string      `json:"fingerprint"`
		Kind        detect.Kind `json:"kind"`
		Detector    string      `json:"detector"`
		Severity    string      `json:"severity"`
		Confidence  string      `json:"confidence"`
		Score       float64     `json:"score"`
		Title       string      `json:"title"`
		Count       int         `json:"count"`
		Wait        *jsonWait   `json:"wait"`
		Culprit     *jsonFrame  `json:"culprit"`
		CreatedBy   *jsonFrame  `json:"created_by"`
		Stacks      []jsonStack `json:"stacks"`
		Remedy      string      `json:"remedy"`

		// Input is the index of the finding's snapshot in "inputs";
		// InputName is that input's name, with "#index" when its file
		// holds several snapshots.
		Input     int                 `json:"input"`
		InputName string              `json:"input_name"`
		Labels    []map[string]string `json:"labels,omitempty"`
		Metrics   map[string]float64  `json:"metrics,omitempty"`
		Related   []string            `json:"related,omitempty"`
	}
	jsonStack struct {
		Count        int         `json:"count"`
		State        string      `json:"state"`
		GoroutineIDs []int64     `json:"goroutine_ids"`
		Frames       []jsonFrame `json:"frames"`

		Note      string              `json:"note,omitempty"`
		Wait      *jsonWait           `json:"wait,omitempty"`
		Labels    []map[string]string `json:"labels,omitempty"`
		CreatedBy *jsonFrame          `json:"created_by,omitempty"`
		// Elided is the runtime's elision, as in the groups document: -1
		// for "additional frames elided", N for "N frames elided", before
		// Frames[ElidedAt].
		Elided   int  `json:"elided,omitempty"`
		ElidedAt *int `json:"elided_at,omitempty"`
	}
	jsonSkippedDetector struct {
		Detector string `json:"detector"`
		Reason   string `json:"reason"`
	}
)

func jsonFindingOf(s *Scan, f *Finding) jsonFinding {
	j := jsonFinding{
		Rank:        f.Rank,
		Fingerprint: f.Fingerprint,
		Kind:        f.Kind,
		Detector:    f.Detector,
		Severity:    f.Severity.String(),
		Confidence:  f.Confidence.String(),
		Score:       jsonScore(f.Score),
		Title:       f.Title,
		Count:       f.Count,
		Wait:        jsonWaitOf(f.Wait),
		Culprit:     jsonFrameOf(f.Culprit),
		CreatedBy:   jsonFrameOf(f.CreatedBy),
		Stacks:      make([]jsonStack, 0, len(f.Stacks)),
		Remedy:      f.Remedy,
		Input:       f.Input,
		Metrics:     jsonMetrics(f.Metrics),
		Related:     f.Related,
	}
	if f.Input >= 0 && f.Input < len(s.Inputs) {
		j.InputName = s.Inputs[f.Input].Label
	}
	var labels []*parse.Labels
	for i := range f.Stacks {
		e := &f.Stacks[i]
		j.Stacks = append(j.Stacks, jsonStackOf(e))
		for _, l := range e.Labels {
			if !slices.ContainsFunc(labels, func(m *parse.Labels) bool { return m.String() == l.String() }) {
				labels = append(labels, l)
			}
		}
	}
	j.Labels = jsonLabels(labels)
	return j
}

func jsonStackOf(e *detect.Evidence) jsonStack {
	j := jsonStack{
		Count:        e.Count,
		State:        e.State,
		GoroutineIDs: append([]int64{}, e.GoroutineIDs...),
		Frames:       []jsonFrame{},
		Note:         e.Note,
		Wait:         jsonWaitOf(e.Wait),
		Labels:       jsonLabels(e.Labels),
	}
	if st := e.Stack; st != nil {
		for _, fr := range st.Frames {
			j.Frames = append(j.Frames, *jsonFrameOf(fr))
		}
		j.CreatedBy = jsonFrameOf(st.CreatedBy)
		if st.Elided != 0 {
			j.Elided = st.Elided
			at := st.ElidedAt
			j.ElidedAt = &at
		}
	}
	return j
}

func jsonWaitOf(w *detect.WaitStats) *jsonWait {
	if w == nil {
		return nil
	}
	return &jsonWait{Min: w.Min.String(), Median: w.Median.String(), Max: w.Max.String()}
}

func jsonLabels(ls []*parse.Labels) []map[string]string {
	var out []map[string]string
	for _, l := range ls {
		if l == nil {
			continue
		}
		m := make(map[string]string, len(l.Pairs))
		for _, p := range l.Pairs {
			m[p.Key] = p.Value
		}
		out = append(out, m)
	}
	return out
}

// jsonScore rounds a score to three decimals, enough to read and to
// compare, and stable in golden files; a NaN or infinite score (which JSON
// cannot hold) is 0.
func jsonScore(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1000) / 1000
}

// jsonMetrics drops the values JSON cannot hold (NaN, infinities).
func jsonMetrics(m map[string]float64) map[string]float64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

func jsonSkippedDetectors(sk []SkippedDetector) []jsonSkippedDetector {
	out := make([]jsonSkippedDetector, 0, len(sk))
	for _, s := range sk {
		out = append(out, jsonSkippedDetector(s))
	}
	return out
}
