package blocked

import (
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/detecttest"
)

// TestFixtures checks the want files of the captured fixture scenarios.
func TestFixtures(t *testing.T) {
	detecttest.Run(t, "../../fixtures", []*detect.Detector{Detector})
}
