package detectors_test

import (
	"testing"

	"github.com/gorensic/gorensic/detect/detectors"
)

func TestAllAndByName(t *testing.T) {
	all := detectors.All()
	if len(all) == 0 {
		t.Fatal("no detectors")
	}
	seen := map[string]bool{}
	for _, d := range all {
		switch {
		case d.Name == "" || d.Run == nil || d.Doc == "":
			t.Errorf("detector %q lacks a name, a Run or a Doc", d.Name)
		case seen[d.Name]:
			t.Errorf("two detectors named %q", d.Name)
		}
		seen[d.Name] = true
		if got, ok := detectors.ByName(d.Name); !ok || got != d {
			t.Errorf("ByName(%q) = %v, %v", d.Name, got, ok)
		}
	}
	if _, ok := detectors.ByName("no-such-detector"); ok {
		t.Error("ByName found a detector that does not exist")
	}
	again := detectors.All()
	for i := range all {
		if again[i] != all[i] {
			t.Fatalf("All is not stable: %s then %s at %d", all[i].Name, again[i].Name, i)
		}
	}
}
