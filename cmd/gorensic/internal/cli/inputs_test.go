package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const testDump = "testdata/scan-dir/api/goroutines-debug2.txt"

// scanInput is the part of a gorensic/v1 input the input tests look at.
type scanInput struct {
	Name       string `json:"name"`
	Index      int    `json:"index"`
	Format     string `json:"format"`
	Goroutines int    `json:"goroutines"`
	Compressed bool   `json:"compressed"`
}

type scanDoc struct {
	Inputs  []scanInput `json:"inputs"`
	Skipped []struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	} `json:"skipped"`
	Errors []struct {
		Name  string `json:"name"`
		Error string `json:"error"`
	} `json:"errors"`
}

// scanJSON runs "scan --format json" and decodes its output.
func scanJSON(t *testing.T, stdin []byte, args ...string) (scanDoc, outcome) {
	t.Helper()
	res := run(t, bytes.NewReader(stdin), append([]string{"scan", "--format", "json"}, args...)...)
	var doc scanDoc
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("output is not JSON (%v); exit %d\nstdout:\n%s\nstderr:\n%s", err, res.code, res.stdout, res.stderr)
	}
	return doc, res
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStdin(t *testing.T) {
	for _, tc := range []struct {
		name       string
		stdin      []byte
		compressed bool
	}{
		{"plain", readFile(t, testDump), false},
		{"gzip", gzipped(t, readFile(t, testDump)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, res := scanJSON(t, tc.stdin, "-")
			want := []scanInput{{Name: "-", Format: "goroutine-debug2", Goroutines: 11, Compressed: tc.compressed}}
			if res.code != 0 || !slices.Equal(doc.Inputs, want) {
				t.Errorf("exit %d, inputs %+v; want 0, %+v\nstderr: %s", res.code, doc.Inputs, want, res.stderr)
			}
		})
	}
}

// TestStdinTrace reads an execution trace from stdin, as from a pipe or
// the live endpoint (with two Ps: the streamed read, decoder and summary
// on two goroutines), and from its file with one P (one goroutine): the
// JSON reports are the same but for the input's name.
func TestStdinTrace(t *testing.T) {
	path := filepath.Join("..", "..", "..", "..", "fixtures", "captured", "go1.26.8", "hot-lock", "flightrecorder.trace")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	fromFile := run(t, nil, "scan", "--format", "json", path)
	runtime.GOMAXPROCS(2)
	fromStdin := run(t, bytes.NewReader(readFile(t, path)), "scan", "--format", "json", "-")
	if fromFile.code != fromStdin.code || fromFile.code > 1 {
		t.Fatalf("exit %d from the file, %d from stdin\nstderr: %s%s", fromFile.code, fromStdin.code, fromFile.stderr, fromStdin.stderr)
	}
	want := strings.ReplaceAll(fromFile.stdout, strconv.Quote(path), `"-"`)
	if fromStdin.stdout != want || !strings.Contains(want, `"findings"`) {
		t.Errorf("report from stdin differs from the file's:\n%s\nwant:\n%s", fromStdin.stdout, want)
	}
}

func TestGzipFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "felixge.txt.gz")
	writeFile(t, path, gzipped(t, readFile(t, corpusFile(t, "dumps/felixge-goroutine-debug2.txt"))))
	doc, res := scanJSON(t, nil, path)
	want := []scanInput{{Name: path, Format: "goroutine-debug2", Goroutines: 10, Compressed: true}}
	if res.code != 0 || !slices.Equal(doc.Inputs, want) {
		t.Errorf("exit %d, inputs %+v; want 0, %+v\nstderr: %s", res.code, doc.Inputs, want, res.stderr)
	}
}

// TestGzipBomb checks that an input expanding beyond --max-decompressed
// is a clear error naming the input and the flag, and exits 2.
func TestGzipBomb(t *testing.T) {
	var dump bytes.Buffer
	for id := 1; dump.Len() < 8<<20; id++ {
		fmt.Fprintf(&dump, "goroutine %d [chan receive]:\nmain.worker()\n\t/src/main.go:10 +0x1d\n\n", id)
	}
	bomb := gzipped(t, dump.Bytes())
	path := filepath.Join(t.TempDir(), "bomb.gz")
	writeFile(t, path, bomb)
	for _, tc := range []struct {
		name string
		max  string
		code int
	}{
		{"under the limit", "64MiB", 0},
		{"over the limit", "1MiB", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, nil, "scan", "--max-decompressed", tc.max, path)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, tc.code, res.stderr)
			}
			if tc.code == 2 && (!strings.Contains(res.stderr, path+": ") || !strings.Contains(res.stderr, "exceeds the limit") || !strings.Contains(res.stderr, "--max-decompressed")) {
				t.Errorf("stderr does not name the input, the limit and the flag:\n%s", res.stderr)
			}
		})
	}
}

func TestURL(t *testing.T) {
	dump := readFile(t, testDump)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/goroutine", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("debug") != "2" {
			http.Error(w, "want debug=2", http.StatusBadRequest)
			return
		}
		w.Write(dump)
	})
	mux.HandleFunc("/gz", func(w http.ResponseWriter, r *http.Request) { w.Write(gzipped(t, dump)) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		inputs int
		stderr string
	}{
		{name: "debug=2 endpoint", args: []string{srv.URL + "/debug/pprof/goroutine?debug=2"}, code: 0, inputs: 1},
		{name: "gzip body", args: []string{srv.URL + "/gz"}, code: 0, inputs: 1},
		{name: "HTTP error", args: []string{srv.URL + "/debug/pprof/goroutine?debug=1"}, code: 2,
			stderr: "gorensic: " + srv.URL + "/debug/pprof/goroutine?debug=1: HTTP 400 Bad Request: \"want debug=2\""},
		{name: "not found", args: []string{srv.URL + "/nope", srv.URL + "/gz"}, code: 2, inputs: 1,
			stderr: "gorensic: " + srv.URL + "/nope: HTTP 404 Not Found"},
		{name: "timeout", args: []string{"--timeout", "200ms", srv.URL + "/slow"}, code: 2,
			stderr: "gorensic: " + srv.URL + "/slow: no response within 200ms (--timeout)"},
		{name: "connection refused", args: []string{"http://127.0.0.1:1/debug/pprof/goroutine?debug=2"}, code: 2,
			stderr: "gorensic: http://127.0.0.1:1/debug/pprof/goroutine?debug=2: no response: dial tcp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, res := scanJSON(t, nil, tc.args...)
			if res.code != tc.code || len(doc.Inputs) != tc.inputs || !strings.Contains(res.stderr, tc.stderr) {
				t.Errorf("exit %d, %d inputs, stderr %q; want %d, %d, containing %q", res.code, len(doc.Inputs), res.stderr, tc.code, tc.inputs, tc.stderr)
			}
			for _, in := range doc.Inputs {
				if !strings.HasPrefix(in.Name, srv.URL) || in.Goroutines != 11 {
					t.Errorf("input %+v, want the URL with 11 goroutines", in)
				}
			}
		})
	}
}

// TestDirectoryWalk checks the walk of a directory: every regular file,
// sorted, recursively, through symbolic links but not around their loops,
// with what cannot be used skipped and what cannot be read failed.
func TestDirectoryWalk(t *testing.T) {
	dump := readFile(t, testDump)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b.txt"), dump)
	writeFile(t, filepath.Join(dir, "a", "z.txt.gz"), gzipped(t, dump))
	writeFile(t, filepath.Join(dir, "a", "notes.md"), []byte("# notes\n"))
	writeFile(t, filepath.Join(dir, "c", "empty"), nil)
	for _, link := range []struct{ target, name string }{
		{"..", "a/loop"},                // a loop back to the top
		{"../b.txt", "a/same-dump.txt"}, // a file read twice, under two names
		{"nowhere", "a/dangling"},
		{"self", "c/self"}, // a link to itself
	} {
		if err := os.Symlink(link.target, filepath.Join(dir, link.name)); err != nil {
			t.Skipf("symbolic links not available: %v", err)
		}
	}
	doc, res := scanJSON(t, nil, dir)
	if res.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", res.code, res.stderr)
	}
	var names []string
	for _, in := range doc.Inputs {
		names = append(names, strings.TrimPrefix(in.Name, dir+"/"))
	}
	if want := []string{"a/same-dump.txt", "a/z.txt.gz", "b.txt"}; !slices.Equal(names, want) {
		t.Errorf("inputs %q, want %q", names, want)
	}
	skipped := map[string]string{}
	for _, s := range doc.Skipped {
		skipped[strings.TrimPrefix(s.Name, dir+"/")] = s.Reason
	}
	for name, reason := range map[string]string{
		"a/loop":     "already read",
		"a/dangling": "symbolic link that cannot be followed",
		"c/self":     "symbolic link that cannot be followed",
		"a/notes.md": "no goroutine dump",
		"c/empty":    "empty input",
	} {
		if !strings.Contains(skipped[name], reason) {
			t.Errorf("skipped[%s] = %q, want it to say %q", name, skipped[name], reason)
		}
		if !strings.Contains(res.stderr, "gorensic: skipped "+filepath.Join(dir, name)+": ") {
			t.Errorf("stderr has no note for %s:\n%s", name, res.stderr)
		}
	}
	if len(doc.Skipped) != 5 || len(doc.Errors) != 0 {
		t.Errorf("%d skipped, %d errors; want 5, 0: %+v %+v", len(doc.Skipped), len(doc.Errors), doc.Skipped, doc.Errors)
	}
}

func TestUnreadableFileInDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions do not stop reads")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "good.txt"), readFile(t, testDump))
	locked := filepath.Join(dir, "locked.txt")
	writeFile(t, locked, readFile(t, testDump))
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	doc, res := scanJSON(t, nil, dir)
	if res.code != 2 || len(doc.Inputs) != 1 || len(doc.Errors) != 1 || !strings.Contains(res.stderr, locked+": permission denied") {
		t.Errorf("exit %d, %d inputs, errors %+v, stderr %q; want 2, 1, locked.txt permission denied", res.code, len(doc.Inputs), doc.Errors, res.stderr)
	}
}

// TestScanCapturedFixtures scans every artifact the fixture programs
// captured: dumps, profiles and traces. Whatever this build cannot read
// yet must be skipped, never fail or abort the run.
func TestScanCapturedFixtures(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "fixtures", "captured")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no captured fixtures at %s (go generate ./fixtures writes them): %v", dir, err)
	}
	doc, res := scanJSON(t, nil, dir)
	if res.code != 0 || len(doc.Errors) != 0 {
		t.Errorf("exit %d, errors %+v; want 0 and none", res.code, doc.Errors)
	}
	if len(doc.Inputs) == 0 {
		t.Errorf("no snapshot read from %s; stderr:\n%s", dir, res.stderr)
	}
}
