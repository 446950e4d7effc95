package leak_test

import (
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/detecttest"
	"github.com/gorensic/gorensic/detect/leak"
)

// TestFixtures checks the want lines of the captured fixture scenarios.
func TestFixtures(t *testing.T) {
	detecttest.Run(t, "../../fixtures", []*detect.Detector{leak.Detector})
}

// TestDoc checks that the explain text is the package comment, with its
// sections.
func TestDoc(t *testing.T) {
	doc := leak.Detector.Doc
	for _, want := range []string{"Package leak finds", "# What it reports", "stays quiet on", "# Remedy"} {
		if !strings.Contains(doc, want) {
			t.Errorf("Doc lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "//") || strings.Contains(doc, "go:embed") {
		t.Errorf("Doc has comment markers or directives:\n%s", doc)
	}
}
