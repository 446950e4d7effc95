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
	for _, f := range census.Analyze(p).Leaks {
		p.Report(f)
	}
	return nil
}
