package leak_test

import (
	"path/filepath"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
	"github.com/gorensic/gorensic/detect/leak"
)

const corpus = "../../../shared/corpus"

// TestCorpus checks the leak detector against real dumps whose pathology
// is known (corpus SOURCES.md): what it must find, and the healthy or
// foreign dumps on which it must report nothing at warning or above.
func TestCorpus(t *testing.T) {
	dumptest.Corpus(t, corpus)
	tests := []struct {
		file    string
		sev     detect.Severity // of the top leak finding; -1: none at warning or above
		culprit string
		count   int
	}{
		// Leaked shell-relay goroutines: a sender blocked 12 minutes whose
		// creator returned, with its blocked siblings.
		{"dumps/issues/emp3r0r-34-chan-send-receive-12min.txt", detect.SeverityWarning, "github.com/jm33-m0/emp3r0r/core/lib/cc.reverseBash.func2.1", 1},
		// A deadlock crash: the deadlock detector's.
		{"dumps/issues/git-hound-73-deadlock-chan-send.txt", -1, "", 0},
		{"dumps/issues/dockerize-2-go1.3-deadlock.txt", -1, "", 0},
		// 851 per-connection outbound loops idle in chan receive after a
		// panic: not a leak.
		{"dumps/mhub-go1.3-send-on-closed-channel.txt", -1, "", 0},
		// 54 worker loops in chan receive: healthy pools.
		{"dumps/nzbrex-go1.24.3.txt", -1, "", 0},
		{"dumps/cdk-erigon-129-goroutines-debug2.txt", -1, "", 0},
		{"dumps/kvstore-raft-go124-windows.txt", -1, "", 0},
		{"dumps/goleak-http.txt", -1, "", 0},
		{"dumps/felixge-goroutine-debug2.txt", -1, "", 0},
		// 12,096 in sync.Cond.Wait, debug=1: the runaway finding owns the
		// count; no wait ages or creators say they are stuck.
		{"goroutine-pprof/erigon-20161-goroutines-debug1.txt", -1, "", 0},
		// Per-entity fan-out, not a leak.
		{"goroutine-pprof/nats-jetstream-7046-goroutines-debug1.txt", -1, "", 0},
		// Healthy baselines.
		{"goroutine-pprof/kubedb-pg-coordinator-2025-10-27.pb.gz", -1, "", 0},
		{"goroutine-pprof/kubedb-pg-coordinator-2025-12-04.pb.gz", -1, "", 0},
		{"goroutine-pprof/node-exporter-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/service-courier-2026-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/cdk-erigon-134-goroutines-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/cortex-2020-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/scorestack-dynamicbeat-1481-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/ztsfc-http-pep-401-debug0.pb.gz", -1, "", 0},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			fs := dumptest.Findings(t, leak.Detector, filepath.Join(corpus, tt.file))
			dumptest.CheckTop(t, fs, "leak", tt.sev, tt.culprit, tt.count)
		})
	}
}
