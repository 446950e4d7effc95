package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// outcome is what one in-process run of gorensic printed and returned.
type outcome struct {
	stdout, stderr string
	code           int
}

// run runs gorensic in-process with args, reading stdin (nil for none).
func run(t *testing.T, stdin io.Reader, args ...string) outcome {
	t.Helper()
	return runContext(t, context.Background(), stdin, args...)
}

func runContext(t *testing.T, ctx context.Context, stdin io.Reader, args ...string) outcome {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	code := Run(ctx, args, IO{In: stdin, Out: &out, ErrOut: &errOut})
	return outcome{stdout: out.String(), stderr: errOut.String(), code: code}
}

// repoRoot returns the directory of the module's go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for root := wd; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatalf("no go.mod above %s", wd)
		}
		root = parent
	}
}

// corpusDir returns the shared corpus, which lives beside the repository
// (../shared/corpus from its root), or skips the test when it is absent.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Clean(filepath.Join(repoRoot(t), "..", "shared", "corpus"))
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus not found at %s (it lives beside the repository as ../shared/corpus): %v", dir, err)
	}
	return dir
}

// corpusFile returns a file of the shared corpus, skipping the test when
// the corpus or the file is absent.
func corpusFile(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(corpusDir(t), rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("corpus file %s not found: %v", rel, err)
	}
	return p
}

// checkGolden compares got with testdata/golden/name, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("%s differs from the output at line %d:\n got: %q\nwant: %q\n(run go test -run '%s' -update if the change is intended)", path, i+1, g, w, t.Name())
			return
		}
	}
}
