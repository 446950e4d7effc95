package runaway

import (
	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/census"
	"github.com/gorensic/gorensic/parse"
)

// Detector reports goroutine counts dominated by one creation site. Its
// documentation is the package comment (doc.go).
var Detector = &detect.Detector{
	Name:     census.RunawayName,
	Kinds:    []detect.Kind{detect.KindRunaway},
	Doc:      Doc,
	NeedsAny: parse.CapGoroutineIDs | parse.CapGroupedCounts,
	Run:      run,
}

func run(p *detect.Pass) error {
	for _, f := range census.Analyze(p).Runaways {
		p.Report(f)
	}
	return nil
}
