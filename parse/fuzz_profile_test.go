package parse

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkSnapshot checks what every snapshot a reader returns must satisfy.
func checkSnapshot(s *Snapshot) error {
	if s == nil {
		return errors.New("nil snapshot")
	}
	if s.Source.Format == FormatUnrecognized {
		return errors.New("no format")
	}
	labels := false
	sum := 0
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		if g.Count <= 0 {
			return fmt.Errorf("goroutine %d: count %d", i, g.Count)
		}
		if err := checkStack(g.Stack); err != nil {
			return fmt.Errorf("goroutine %d: %v", i, err)
		}
		if g.Labels != nil {
			labels = true
			if len(g.Labels.Pairs) == 0 {
				return fmt.Errorf("goroutine %d: empty non-nil labels", i)
			}
		}
		if sum+g.Count < sum {
			return fmt.Errorf("goroutine counts overflow")
		}
		sum += g.Count
	}
	if sum != s.GoroutineCount() {
		return fmt.Errorf("GoroutineCount %d, sum %d", s.GoroutineCount(), sum)
	}
	switch s.Source.Format {
	case FormatDebug0, FormatLeakDebug0, FormatDebug1, FormatLeakDebug1:
		if !s.Caps.Has(CapGroupedCounts) {
			return fmt.Errorf("grouped profile without CapGroupedCounts: %s", s.Caps)
		}
		if s.Caps&(CapGoroutineIDs|CapStates|CapWaitAges|CapContention) != 0 {
			return fmt.Errorf("grouped profile claims %s", s.Caps)
		}
		if labels != s.Caps.Has(CapLabels) {
			return fmt.Errorf("labels present %v, caps %s", labels, s.Caps)
		}
		leak := s.Source.Format == FormatLeakDebug0 || s.Source.Format == FormatLeakDebug1
		for i := range s.Goroutines {
			if g := &s.Goroutines[i]; g.ID != 0 || g.State != "" || g.Has(FlagLeaked) != leak {
				return fmt.Errorf("goroutine %d: id %d state %q flags %b", i, g.ID, g.State, g.Flags)
			}
		}
		declaresTotal := s.Source.Format == FormatDebug1 || s.Source.Format == FormatLeakDebug1
		if !declaresTotal && s.Total != sum {
			return fmt.Errorf("total %d, goroutines %d", s.Total, sum)
		}
		if declaresTotal && s.Total != sum && !hasWarning(s, WarnCountMismatch, WarnTruncated, WarnMalformed) {
			return fmt.Errorf("total %d, goroutines %d, and no warning says why", s.Total, sum)
		}
		if s.Contention != nil {
			return errors.New("goroutine profile with contention")
		}
	case FormatMutex, FormatBlock:
		c := s.Contention
		if c == nil || c.Kind != s.Source.Format {
			return fmt.Errorf("contention %+v for format %s", c, s.Source.Format)
		}
		if s.Caps != CapContention || len(s.Goroutines) != 0 || s.Total != 0 {
			return fmt.Errorf("contention profile with caps %s, %d goroutines, total %d", s.Caps, len(s.Goroutines), s.Total)
		}
		for i, smp := range c.Samples {
			if err := checkStack(smp.Stack); err != nil {
				return fmt.Errorf("contention sample %d: %v", i, err)
			}
			if smp.Contentions < 0 || smp.Delay < 0 {
				return fmt.Errorf("contention sample %d: %d contentions, delay %v", i, smp.Contentions, smp.Delay)
			}
		}
	}
	for _, w := range s.Warnings {
		if w.Line < 0 || w.Kind == "" || w.Message == "" {
			return fmt.Errorf("bad warning %+v", w)
		}
	}
	return nil
}

func checkStack(st *Stack) error {
	if st == nil {
		return errors.New("nil stack")
	}
	for j, f := range st.Frames {
		if f == nil {
			return fmt.Errorf("frame %d is nil", j)
		}
	}
	return nil
}

func hasWarning(s *Snapshot, kinds ...WarningKind) bool {
	for _, w := range s.Warnings {
		for _, k := range kinds {
			if w.Kind == k {
				return true
			}
		}
	}
	return false
}

// fuzzSeeds returns the bytes of the corpus and fixture files matching
// patterns (relative to the package directory) no larger than max,
// decompressed when decompress is set. Missing files are skipped.
func fuzzSeeds(f *testing.F, max int, decompress bool, patterns ...string) [][]byte {
	var out [][]byte
	for _, pat := range patterns {
		paths, _ := filepath.Glob(pat)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil || len(b) > max {
				continue
			}
			if decompress && len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
				zr, err := gzip.NewReader(bytes.NewReader(b))
				if err != nil {
					continue
				}
				if b, err = io.ReadAll(zr); err != nil {
					continue
				}
			}
			out = append(out, b)
		}
	}
	return out
}

const corpusGlob = "../../shared/corpus/"

// FuzzReadProfile feeds inputs through Read, so that sniffing, gzip and the
// protobuf reader are all exercised, with protobuf profiles as seeds (both
// gzipped and not).
func FuzzReadProfile(f *testing.F) {
	for _, compressed := range []bool{false, true} {
		for _, b := range fuzzSeeds(f, 64<<10, !compressed,
			corpusGlob+"goroutine-pprof/*.pb.gz",
			"testdata/profiles/*/*.pb.gz",
			"../fixtures/captured/*/*/*.pb.gz") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		snaps, err := Read(ctx, "fuzz", bytes.NewReader(data), Options{MaxProfile: 1 << 20, MaxDecompressed: 4 << 20})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Name != "fuzz" {
				t.Fatalf("error %v does not name the input", err)
			}
			return
		}
		for _, s := range snaps {
			if err := checkSnapshot(s); err != nil {
				t.Fatalf("snapshot %d (%s): %v", s.Source.Index, s.Source.Format, err)
			}
		}
	})
}

// FuzzReadDebug1 calls readDebug1 on inputs that start with a profile
// header and checks the stop-and-unread contract: what the reader leaves
// is still readable, line by line, from where it stopped.
func FuzzReadDebug1(f *testing.F) {
	for _, b := range fuzzSeeds(f, 32<<10, true,
		corpusGlob+"goroutine-pprof/*debug1*.txt",
		"testdata/profiles/*/*debug1*.txt",
		"testdata/profiles/edge/*debug1*",
		"../fixtures/captured/*/*/goroutine*debug1*.txt") {
		f.Add(b)
	}
	f.Add([]byte("goroutine profile: total 2\n1 @ 0x1\n#\t0x1\tmain.f+0x1\t/x.go:1\n\nnot a profile\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("goroutine profile: total ")) && !bytes.HasPrefix(data, []byte("goroutineleak profile: total ")) {
			data = append([]byte("goroutine profile: total 1\n"), data...)
		}
		fuzzTextReader(t, data, readDebug1)
	})
}

// FuzzReadContentionText is FuzzReadDebug1 for text contention profiles.
func FuzzReadContentionText(f *testing.F) {
	for _, b := range fuzzSeeds(f, 32<<10, true,
		"testdata/profiles/*/*-debug1.txt",
		"testdata/profiles/edge/*contention*",
		"../fixtures/captured/*/*/mutex-debug1.txt",
		"../fixtures/captured/*/*/block-debug1.txt") {
		if bytes.HasPrefix(b, []byte("--- ")) {
			f.Add(b)
		}
	}
	f.Add([]byte("--- contention:\ncycles/second=1000\n5 1 @ 0x1\n#\t0x0\tmain.f+0x0\t/x.go:1\n\nafter\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("--- mutex:")) && !bytes.HasPrefix(data, []byte("--- contention:")) {
			data = append([]byte("--- mutex:\n"), data...)
		}
		fuzzTextReader(t, data, readContentionText)
	})
}

type textReaderFunc func(context.Context, string, *lineReader, *Interner) (*Snapshot, error)

// fuzzTextReader runs a text profile reader over data and checks its
// result and the line reader it leaves.
func fuzzTextReader(t *testing.T, data []byte, read textReaderFunc) {
	lr := newLineReader("fuzz", bufio.NewReaderSize(bytes.NewReader(data), 4096), 1024)
	s, err := read(context.Background(), "fuzz", lr, NewInterner())
	if err != nil {
		var ie *InputError
		if !errors.As(err, &ie) || ie.Name != "fuzz" {
			t.Fatalf("error %v does not name the input", err)
		}
		return
	}
	if s != nil {
		if err := checkSnapshot(s); err != nil {
			t.Fatal(err)
		}
		if s.Source.Line != 1 || s.Source.Offset != 0 || s.Source.Bytes < 0 || s.Source.Bytes > int64(len(data)) {
			t.Fatalf("source %+v for %d bytes of input", s.Source, len(data))
		}
	}
	// The rest of the input must read on from where the reader stopped:
	// the lines left are exactly the input's lines after the ones read.
	stopped := lr.line
	rest := 0
	for {
		line, ok := lr.readLine()
		if !ok {
			break
		}
		rest++
		if lr.line != stopped+rest {
			t.Fatalf("line %d read after the reader stopped at %d, want %d", lr.line, stopped, stopped+rest)
		}
		_ = line
	}
	if total := strings.Count(string(data), "\n") + 1; lr.line > total {
		t.Fatalf("read %d lines from %d", lr.line, total)
	}
	// The same input through Read, where the text dump reader hands the
	// profile to the reader and reads on after it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	snaps, err := Read(ctx, "fuzz", bytes.NewReader(data), Options{MaxLine: 1024})
	if err != nil {
		var ie *InputError
		if !errors.As(err, &ie) || ie.Name != "fuzz" {
			t.Fatalf("Read error %v does not name the input", err)
		}
		return
	}
	for _, s := range snaps {
		if err := checkSnapshot(s); err != nil {
			t.Fatalf("Read: snapshot %d (%s): %v", s.Source.Index, s.Source.Format, err)
		}
	}
}
