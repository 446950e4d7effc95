package blocked

import (
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
)

// TestCorpus checks the top finding of each real-world dump whose
// pathology SOURCES.md describes, and that every other dump is quiet.
func TestCorpus(t *testing.T) {
	dumptest.CheckCorpus(t, Detector, "../../../shared/corpus", map[string]dumptest.Expect{
		// [syscall, 5352 minutes] in syscall.Wait4 under os/exec.(*Cmd).CombinedOutput: a hung child.
		"dumps/issues/kubernetes-25056-syscall-5352min.txt": {Culprit: "k8s.io/kubernetes/pkg/util/exec.(*cmdWrapper).CombinedOutput", MinSeverity: detect.SeverityCritical},
		// goroutine 201 [select, 1 minutes, locked to thread] in semaphore.Acquire under mdbx BeginRo.
		"dumps/cdk-erigon-129-goroutines-debug2.txt": {Culprit: "github.com/ledgerwatch/erigon-lib/kv/mdbx.(*MdbxKV).BeginRo", MinSeverity: detect.SeverityWarning},
	})
}
