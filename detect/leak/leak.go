package leak

import (
	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/census"
	"github.com/gorensic/gorensic/parse"
)

// Detector reports goroutines that will never wake. Its documentation is
// the package comment (doc.go).
var Detector = &detect.Detector{
	Name:     census.LeakName,
	Kinds:    []detect.Kind{detect.KindLeak},
	Doc:      Doc,
	NeedsAny: parse.CapGoroutineIDs | parse.CapGroupedCounts,
	Run:      run,
}

func run(p *detect.Pass) error {
	reported := map[string]bool{} // culprit functions of findings at warning or above
	for _, f := range census.Analyze(p).Leaks {
		if f.Severity >= detect.SeverityWarning && f.Culprit != nil {
			reported[f.Culprit.Function] = true
		}
		p.Report(f)
	}
	for _, ts := range traceLeaks(p.Snapshot, p.Config) {
		if reported[ts.culprit.Function] {
			continue // the goroutine rules already report the site
		}
		p.Report(traceFinding(p.Snapshot, p.Config, ts))
	}
	return nil
}
