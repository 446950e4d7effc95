package runaway_test

import (
	"path/filepath"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/dumptest"
	"github.com/gorensic/gorensic/detect/runaway"
)

const corpus = "../../../shared/corpus"

// TestCorpus checks the runaway detector against real dumps whose pathology
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
		// 12,096 goroutines (60%) started in webseedPeer.requester, all in
		// sync.Cond.Wait: a goroutine explosion.
		{"goroutine-pprof/erigon-20161-goroutines-debug1.txt", detect.SeverityCritical, "github.com/anacrolix/torrent.(*webseedPeer).requester", 12096},
		// Per-entity fan-out (7 goroutines x 1,000 consumers): info only.
		{"goroutine-pprof/nats-jetstream-7046-goroutines-debug1.txt", -1, "", 0},
		// 1,733 goroutines from an MQTT broker's accept loop: one reader
		// and one writer per connection, a capacity fact.
		{"dumps/mhub-go1.3-send-on-closed-channel.txt", -1, "", 0},
		// A leak, not a runaway; a deadlock.
		{"dumps/issues/emp3r0r-34-chan-send-receive-12min.txt", -1, "", 0},
		{"dumps/issues/git-hound-73-deadlock-chan-send.txt", -1, "", 0},
		// Healthy programs, some with hundreds of connections.
		{"dumps/nzbrex-go1.24.3.txt", -1, "", 0},
		{"dumps/cdk-erigon-129-goroutines-debug2.txt", -1, "", 0},
		{"dumps/kvstore-raft-go124-windows.txt", -1, "", 0},
		{"dumps/goleak-http.txt", -1, "", 0},
		{"goroutine-pprof/kubedb-pg-coordinator-2025-10-27.pb.gz", -1, "", 0},
		{"goroutine-pprof/kubedb-pg-coordinator-2025-12-04.pb.gz", -1, "", 0},
		{"goroutine-pprof/node-exporter-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/service-courier-2026-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/cdk-erigon-134-goroutines-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/cortex-2020-debug0.pb.gz", -1, "", 0},
		// 733 pooled HTTP client connections (readLoop + writeLoop).
		{"goroutine-pprof/scorestack-dynamicbeat-1481-debug0.pb.gz", -1, "", 0},
		{"goroutine-pprof/ztsfc-http-pep-401-debug0.pb.gz", -1, "", 0},
		// Execution traces: 6,491 goroutines created and 6,483 exited in
		// one second is churn; 10,101 spawned in a burst of which 10,000
		// exit is a finished burst, info only.
		{"traces/real-world/go1.23-service-courier-6538-goroutines.trace", -1, "", 0},
		{"traces/real-world/go1.11fmt-goto-many-goroutines.trace", -1, "", 0},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			fs := dumptest.Findings(t, runaway.Detector, filepath.Join(corpus, tt.file))
			dumptest.CheckTop(t, fs, "runaway", tt.sev, tt.culprit, tt.count)
		})
	}
}
