package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/gorensic/gorensic/parse"
)

// Schemas name the shape of each JSON document. ScanSchema is the contract
// of design.md: fields are only ever added to it, never renamed or removed.
const (
	ScanSchema   = "gorensic/v1"
	GroupsSchema = "gorensic/groups/v1"
)

// jsonFormatter renders results as indented JSON. Documents are structs,
// so field order is stable; lists the contract names are never null.
type jsonFormatter struct{}

func encode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// The scan document. The first five input fields and "findings" are the
// contract (see jsonFinding for a finding's); the rest are additive.
type (
	jsonScan struct {
		Schema   string        `json:"schema"`
		Inputs   []jsonInput   `json:"inputs"`
		Findings []jsonFinding `json:"findings"`
		Skipped  []jsonSkipped `json:"skipped"`
		Errors   []jsonError   `json:"errors"`
		// Counts counts the findings by severity.
		Counts SeverityCounts `json:"counts"`
	}
	jsonInput struct {
		Name       string          `json:"name"`
		Format     parse.Format    `json:"format"`
		GoVersion  string          `json:"go_version"`
		Goroutines int             `json:"goroutines"`
		Warnings   []jsonWarning   `json:"warnings"`
		Index      int             `json:"index"`
		Line       int             `json:"line,omitempty"`
		Compressed bool            `json:"compressed,omitempty"`
		Taken      *time.Time      `json:"taken,omitempty"`
		Caps       []string        `json:"caps"`
		States     []jsonState     `json:"states,omitempty"`
		Crash      *jsonCrash      `json:"crash,omitempty"`
		Races      int             `json:"races"`
		Contention *jsonContention `json:"contention,omitempty"`
		// SkippedDetectors are the detectors that did not run on this
		// input, with the reason; never null.
		SkippedDetectors []jsonSkippedDetector `json:"skipped_detectors"`
		// DetectError says why the detectors failed on this input.
		DetectError string `json:"detect_error,omitempty"`
	}
	jsonWarning struct {
		Kind    parse.WarningKind `json:"kind"`
		Line    int               `json:"line,omitempty"`
		Message string            `json:"message"`
	}
	jsonState struct {
		State string `json:"state"`
		Count int    `json:"count"`
	}
	jsonCrash struct {
		Kind        parse.CrashKind `json:"kind"`
		Message     string          `json:"message"`
		Signal      string          `json:"signal,omitempty"`
		GoroutineID int64           `json:"goroutine_id,omitempty"`
		Panics      []jsonPanic     `json:"panics,omitempty"`
		Line        int             `json:"line,omitempty"`
	}
	jsonPanic struct {
		Message    string `json:"message"`
		Recovered  bool   `json:"recovered,omitempty"`
		Repanicked bool   `json:"repanicked,omitempty"`
	}
	jsonContention struct {
		Kind        parse.Format `json:"kind"`
		Samples     int          `json:"samples"`
		Contentions int64        `json:"contentions"`
		Delay       string       `json:"delay"`
	}
	jsonSkipped struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	}
	jsonError struct {
		Name  string `json:"name"`
		Error string `json:"error"`
	}
)

// Scan renders a scan as the gorensic/v1 document.
func (jsonFormatter) Scan(w io.Writer, s *Scan) error {
	doc := jsonScan{
		Schema:   ScanSchema,
		Inputs:   make([]jsonInput, 0, len(s.Inputs)),
		Findings: make([]jsonFinding, 0, len(s.Findings)),
		Counts:   countSeverities(s.Findings),
	}
	doc.Skipped, doc.Errors = jsonOutcome(s.Outcome)
	for _, in := range s.Inputs {
		doc.Inputs = append(doc.Inputs, jsonInputOf(&in))
	}
	for i := range s.Findings {
		doc.Findings = append(doc.Findings, jsonFindingOf(s, &s.Findings[i]))
	}
	return encode(w, doc)
}

func jsonInputOf(in *InputSummary) jsonInput {
	j := jsonInput{
		Name:       in.Source.Name,
		Format:     in.Source.Format,
		GoVersion:  in.Source.GoVersion,
		Goroutines: in.Goroutines,
		Warnings:   make([]jsonWarning, 0, len(in.Warnings)),
		Index:      in.Source.Index,
		Line:       in.Source.Line,
		Compressed: in.Source.Compressed,
		Caps:       append([]string{}, in.Caps.Names()...),
		Crash:      jsonCrashOf(in.Crash),
		Races:      in.Races,

		SkippedDetectors: jsonSkippedDetectors(in.SkippedDetectors),
		DetectError:      in.DetectError,
	}
	if !in.Source.Taken.IsZero() {
		j.Taken = &in.Source.Taken
	}
	for _, wn := range in.Warnings {
		j.Warnings = append(j.Warnings, jsonWarning{Kind: wn.Kind, Line: wn.Line, Message: wn.Message})
	}
	for _, st := range in.States {
		j.States = append(j.States, jsonState(st))
	}
	if c := in.Contention; c != nil {
		j.Contention = &jsonContention{Kind: c.Kind, Samples: c.Samples, Contentions: c.Contentions, Delay: c.Delay.String()}
	}
	return j
}

func jsonCrashOf(c *parse.Crash) *jsonCrash {
	if c == nil {
		return nil
	}
	j := &jsonCrash{Kind: c.Kind, Message: c.Message, GoroutineID: c.GoroutineID, Line: c.Line}
	if c.Signal != c.Message {
		j.Signal = c.Signal
	}
	for _, p := range c.Panics {
		j.Panics = append(j.Panics, jsonPanic{Message: p.Message, Recovered: p.Recovered, Repanicked: p.Repanicked})
	}
	return j
}

func jsonOutcome(o Outcome) ([]jsonSkipped, []jsonError) {
	skipped := make([]jsonSkipped, 0, len(o.Skipped))
	for _, s := range o.Skipped {
		skipped = append(skipped, jsonSkipped(s))
	}
	errs := make([]jsonError, 0, len(o.Failed))
	for _, f := range o.Failed {
		errs = append(errs, jsonError{Name: f.Name, Error: f.Reason})
	}
	return skipped, errs
}

// The groups document.
type (
	jsonGroups struct {
		Schema  string         `json:"schema"`
		Inputs  []jsonGroupSet `json:"inputs"`
		Skipped []jsonSkipped  `json:"skipped"`
		Errors  []jsonError    `json:"errors"`
	}
	jsonGroupSet struct {
		Name       string       `json:"name"`
		Index      int          `json:"index"`
		Format     parse.Format `json:"format"`
		GoVersion  string       `json:"go_version"`
		Goroutines int          `json:"goroutines"`
		Caps       []string     `json:"caps"`
		Crash      *jsonCrash   `json:"crash,omitempty"`
		// GroupsTotal counts every group; Groups holds the first --top.
		GroupsTotal      int         `json:"groups_total"`
		HiddenGoroutines int         `json:"hidden_goroutines,omitempty"`
		Groups           []jsonGroup `json:"groups"`
	}
	jsonGroup struct {
		Count int `json:"count"`
		// State is absent when the format records none (grouped profiles).
		State        string              `json:"state,omitempty"`
		Wait         *jsonWait           `json:"wait,omitempty"`
		Flags        []string            `json:"flags,omitempty"`
		Crashed      bool                `json:"crashed,omitempty"`
		Labels       []map[string]string `json:"labels,omitempty"`
		GoroutineIDs []int64             `json:"goroutine_ids,omitempty"`
		MoreIDs      int                 `json:"more_goroutine_ids,omitempty"`
		Frames       []jsonFrame         `json:"frames"`
		// FramesElided is the runtime's elision: -1 for "additional frames
		// elided", N for "N frames elided", before Frames[ElidedAt].
		FramesElided      int        `json:"frames_elided,omitempty"`
		ElidedAt          *int       `json:"elided_at,omitempty"`
		FramesNotShown    int        `json:"frames_not_shown,omitempty"`
		CreatedBy         *jsonFrame `json:"created_by,omitempty"`
		CreatorID         int64      `json:"creator_id,omitempty"`
		CreatorGoroutines int        `json:"creator_goroutines,omitempty"`
	}
	jsonWait struct {
		Min    string `json:"min"`
		Median string `json:"median"`
		Max    string `json:"max"`
	}
	jsonFrame struct {
		Function string `json:"function"`
		File     string `json:"file"`
		Line     int    `json:"line"`
		Runtime  bool   `json:"runtime,omitempty"`
		Cgo      bool   `json:"cgo,omitempty"`
	}
)

// Groups renders groups as the gorensic/groups/v1 document.
func (jsonFormatter) Groups(w io.Writer, g *Groups) error {
	doc := jsonGroups{Schema: GroupsSchema, Inputs: make([]jsonGroupSet, 0, len(g.Inputs))}
	doc.Skipped, doc.Errors = jsonOutcome(g.Outcome)
	for i := range g.Inputs {
		set := &g.Inputs[i]
		js := jsonGroupSet{
			Name:             set.Source.Name,
			Index:            set.Source.Index,
			Format:           set.Source.Format,
			GoVersion:        set.Source.GoVersion,
			Goroutines:       set.Goroutines,
			Caps:             append([]string{}, set.Caps.Names()...),
			Crash:            jsonCrashOf(set.Crash),
			GroupsTotal:      set.TotalGroups,
			HiddenGoroutines: set.HiddenGoroutines,
			Groups:           make([]jsonGroup, 0, len(set.Groups)),
		}
		for j := range set.Groups {
			js.Groups = append(js.Groups, jsonGroupOf(set, &set.Groups[j]))
		}
		doc.Inputs = append(doc.Inputs, js)
	}
	return encode(w, doc)
}

func jsonGroupOf(set *GroupSet, g *GroupView) jsonGroup {
	j := jsonGroup{
		Count:             g.Count,
		Flags:             flagWords(g.Flags),
		Crashed:           g.Crashed,
		GoroutineIDs:      g.IDs,
		MoreIDs:           g.MoreIDs,
		Frames:            make([]jsonFrame, 0, len(g.Frames)),
		FramesElided:      g.Elided,
		FramesNotShown:    g.CutFrames,
		CreatedBy:         jsonFrameOf(g.CreatedBy),
		CreatorID:         g.CreatorID,
		CreatorGoroutines: g.CreatorIDs,
	}
	if set.Caps.Has(parse.CapStates) {
		j.State = g.State
	}
	if g.Wait != nil {
		j.Wait = &jsonWait{Min: g.Wait.Min.String(), Median: g.Wait.Median.String(), Max: g.Wait.Max.String()}
	}
	if g.ElidedAt >= 0 {
		j.ElidedAt = &g.ElidedAt
	}
	for _, l := range g.Labels {
		m := make(map[string]string, len(l.Pairs))
		for _, p := range l.Pairs {
			m[p.Key] = p.Value
		}
		j.Labels = append(j.Labels, m)
	}
	for _, f := range g.Frames {
		j.Frames = append(j.Frames, *jsonFrameOf(f))
	}
	return j
}

func jsonFrameOf(f *parse.Frame) *jsonFrame {
	if f == nil {
		return nil
	}
	return &jsonFrame{Function: f.Function, File: f.File, Line: f.Line, Runtime: f.Runtime, Cgo: f.Cgo}
}
