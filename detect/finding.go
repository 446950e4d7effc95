package detect

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/gorensic/gorensic/parse"
)

// Kind is what a finding is about. The values are part of the JSON contract.
type Kind string

const (
	KindLeak          Kind = "leak"
	KindBlockedThread Kind = "blocked-thread"
	KindContention    Kind = "contention"
	KindRunaway       Kind = "runaway"
	KindDeadlock      Kind = "deadlock"
	KindCrash         Kind = "crash"
	KindRace          Kind = "race"
)

// Severity orders findings; a healthy program yields nothing above Info.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityCritical
)

var severityNames = [...]string{"info", "warning", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads "info", "warning" or "critical".
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or critical)", s)
}

// Confidence says how sure a detector is.
type Confidence int

const (
	ConfidencePossible Confidence = iota // a pattern that is often, not always, a problem
	ConfidenceLikely                     // strong evidence
	ConfidenceCertain                    // the runtime says so (a "(leaked)" goroutine, a deadlock crash)
)

var confidenceNames = [...]string{"possible", "likely", "certain"}

func (c Confidence) String() string {
	if int(c) < len(confidenceNames) {
		return confidenceNames[c]
	}
	return fmt.Sprintf("confidence(%d)", int(c))
}

// weight is the confidence's factor in the score.
func (c Confidence) weight() float64 { return [...]float64{0.5, 0.8, 1}[c] }

// WaitStats summarises how long the goroutines of a finding have waited.
type WaitStats struct {
	Min, Median, Max time.Duration
}

// Evidence is one group of goroutines backing a finding.
type Evidence struct {
	Count        int
	State        string
	Stack        *parse.Stack
	GoroutineIDs []int64         // a few, when the input has IDs
	Labels       []*parse.Labels // distinct label sets seen
	Wait         *WaitStats      // nil when the input has no wait ages
	Note         string          // what this stack is in the finding ("suspected holder", "previous write")
}

// Finding is one problem, with the evidence a reviewer can check.
type Finding struct {
	Kind       Kind
	Detector   string // set by Run
	Severity   Severity
	Confidence Confidence
	// Score in [0, 1] orders findings of one severity; see Score.
	Score     float64
	Title     string // one line, with the numbers in it
	Count     int    // goroutines (or events) the finding covers
	Wait      *WaitStats
	Culprit   *parse.Frame // the first frame in the program's own code doing the blocking, locking or spawning
	CreatedBy *parse.Frame // the creation site of the goroutines, when known
	Stacks    []Evidence   // representative stacks, most important first
	Remedy    string
	// Key distinguishes findings of one detector that share culprit and
	// creator (a lock address class, a state); it goes into the
	// fingerprint and must itself be stable across restarts.
	Key string
	// Metrics are detector-specific numbers (total delay, share of all
	// goroutines, ...), reported as they are.
	Metrics map[string]float64

	Rank        int      // 1-based, set by Run
	Fingerprint string   // set by Run
	Related     []string // fingerprints of related findings, set by detectors or Run
	Snapshot    *parse.Snapshot
}

// Fingerprint hashes what identifies a finding across restarts and
// deploys: detector, kind, key and the normalised culprit and creation
// functions. No IDs, addresses or line numbers go in.
func Fingerprint(detector string, kind Kind, key string, culprit, createdBy *parse.Frame) string {
	h := fnv.New32a()
	write := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	write(detector)
	write(string(kind))
	write(key)
	if culprit != nil {
		write(NormalizeFunction(culprit.Function))
	}
	if createdBy != nil {
		write(NormalizeFunction(createdBy.Function))
	}
	return fmt.Sprintf("%s-%08x", kind, h.Sum32())
}

// NormalizeFunction removes what changes between builds of the same code:
// generic instantiation shapes ("[...]", "[go.shape.int]").
func NormalizeFunction(fn string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(fn); i++ {
		switch c := fn[i]; {
		case c == '[':
			if depth == 0 {
				b.WriteString("[...]")
			}
			depth++
		case c == ']':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}
