// Package detectors lists every detector gorensic runs, in a stable order.
package detectors

import (
	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/blocked"
	"github.com/gorensic/gorensic/detect/contention"
	"github.com/gorensic/gorensic/detect/crash"
	"github.com/gorensic/gorensic/detect/deadlock"
	"github.com/gorensic/gorensic/detect/leak"
	"github.com/gorensic/gorensic/detect/race"
	"github.com/gorensic/gorensic/detect/runaway"
)

// All returns every detector, in the order they run and are listed.
func All() []*detect.Detector {
	return []*detect.Detector{
		leak.Detector,
		runaway.Detector,
		crash.Detector,
		race.Detector,
		blocked.Detector,
		contention.Detector,
		deadlock.Detector,
	}
}

// ByName returns the detector with the given name.
func ByName(name string) (*detect.Detector, bool) {
	for _, d := range All() {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}
