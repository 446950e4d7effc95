package contention

import (
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

// TestCorpus checks the top finding of each real-world dump whose
// pathology SOURCES.md describes, and that every other dump is quiet.
func TestCorpus(t *testing.T) {
	dumptest.CheckCorpus(t, Detector, "../../../shared/corpus", map[string]dumptest.Expect{
		// [sync.RWMutex.RLock, 495 minutes] in tsdb.(*stripeSeries).getByID.
		"dumps/issues/prometheus-13619-rwmutex-rlock-495min.txt": {Culprit: "github.com/prometheus/prometheus/tsdb.(*stripeSeries).getByID", MinSeverity: detect.SeverityCritical},
		// [semacquire, 8 minutes] in sync.(*Mutex).Lock from a closure under daemon.(*Daemon).Containers.
		"dumps/issues/moby-13885-no-indent-semacquire.txt": {Culprit: "github.com/docker/docker/daemon.func·028", MinSeverity: detect.SeverityWarning},
		// nine goroutines [select, 1 minutes] in semaphore.(*Weighted).Acquire under mdbx BeginRo.
		"dumps/cdk-erigon-129-goroutines-debug2.txt": {Culprit: "github.com/ledgerwatch/erigon-lib/kv/mdbx.(*MdbxKV).BeginRo", MinSeverity: detect.SeverityWarning},
	})
}
