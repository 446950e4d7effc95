package blocked

import (
	"strings"
	"testing"
)

// The Doc that `gorensic explain` prints is the package comment.
func TestDoc(t *testing.T) {
	if !strings.HasPrefix(Detector.Doc, "Package blocked ") {
		t.Errorf("Doc does not start with the package comment: %.60q", Detector.Doc)
	}
	for _, section := range []string{"# What it finds", "# Severity and confidence", "# Execution traces", "# False positives it avoids", "# Remedy"} {
		if !strings.Contains(Detector.Doc, section) {
			t.Errorf("Doc lacks the section %q", section)
		}
	}
}
