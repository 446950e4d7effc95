package race

import (
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/detecttest"
)

func TestFixtures(t *testing.T) {
	detecttest.Run(t, "../../fixtures", []*detect.Detector{Detector})
}
