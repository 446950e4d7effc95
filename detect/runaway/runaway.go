package runaway

import (
	"fmt"

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
	// The trace rule cites rates and time ranges; where the goroutine
	// rules judge the same site, the trace finding replaces theirs, no
	// more severe than they found it (a capacity fact stays one).
	byFrame := map[string]*traceSite{}
	traced := traceRunaways(p.Snapshot, p.Config)
	for _, ts := range traced {
		if !ts.entry {
			byFrame[frameKey(ts.frame)] = ts
		}
	}
	var related = map[*traceSite][]string{}
	for _, f := range census.Analyze(p).Runaways {
		if f.Culprit != nil && f.Key == "" {
			if ts := byFrame[frameKey(f.Culprit)]; ts != nil {
				ts.sev = min(ts.sev, f.Severity)
				related[ts] = f.Related
				continue
			}
		}
		p.Report(f)
	}
	for _, ts := range traced {
		f := traceFinding(p.Snapshot, ts)
		f.Related = related[ts]
		p.Report(f)
	}
	return nil
}

func frameKey(f *parse.Frame) string {
	return fmt.Sprintf("%s:%d", f.Function, f.Line)
}
