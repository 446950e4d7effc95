package runaway_test

import (
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/detecttest"
	"github.com/gorensic/gorensic/detect/runaway"
)

// TestFixtures checks the want lines of the captured fixture scenarios.
func TestFixtures(t *testing.T) {
	detecttest.Run(t, "../../fixtures", []*detect.Detector{runaway.Detector})
}

// TestDoc checks that the explain text is the package comment, with its
// sections.
func TestDoc(t *testing.T) {
	doc := runaway.Detector.Doc
	for _, want := range []string{"Package runaway finds", "# What it reports", "stays quiet on", "# Execution traces", "# Remedy"} {
		if !strings.Contains(doc, want) {
			t.Errorf("Doc lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "//") || strings.Contains(doc, "go:embed") {
		t.Errorf("Doc has comment markers or directives:\n%s", doc)
	}
}
