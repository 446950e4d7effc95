package deadlock

import (
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

// TestCorpus checks the top finding of each real-world dump whose
// pathology SOURCES.md describes, and that every other dump is quiet.
func TestCorpus(t *testing.T) {
	dumptest.CheckCorpus(t, Detector, "../../../shared/corpus", map[string]dumptest.Expect{
		// main in [semacquire] WaitGroup.Wait with nobody left to call Done.
		"dumps/issues/dockerize-2-go1.3-deadlock.txt": {Culprit: "main.main", MinSeverity: detect.SeverityCritical},
		// main and workers all [chan send] in (*WorkerPool).Submit.
		"dumps/issues/git-hound-73-deadlock-chan-send.txt": {Culprit: "github.com/tillson/git-hound/internal/app.(*WorkerPool).Submit", MinSeverity: detect.SeverityCritical},
	})
}
