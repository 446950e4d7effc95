package parse

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

const smallDump = "goroutine 1 [chan receive, 3 minutes]:\nmain.main()\n\t/src/m.go:3 +0x1\n"

func gzipped(t *testing.T, parts ...io.Reader) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	for _, p := range parts {
		if _, err := io.Copy(zw, p); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	return buf.Bytes()
}

func TestGzipIsDetectedByContent(t *testing.T) {
	z := gzipped(t, strings.NewReader(smallDump))
	snaps, err := Read(context.Background(), "dump.txt", bytes.NewReader(z), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := snaps[0]; s.GoroutineCount() != 1 || !s.Source.Compressed || s.Goroutines[0].State != "chan receive" {
		t.Errorf("got %+v", s.Source)
	}
}

// zeros yields n zero bytes without holding them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	m := min(int64(len(p)), z.n)
	clear(p[:m])
	z.n -= m
	return int(m), nil
}

// repeat yields line over and over, n bytes in all.
type repeat struct {
	line string
	n    int64
	off  int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	m := 0
	for m < len(p) && int64(m) < r.n {
		c := copy(p[m:], r.line[r.off:])
		m += c
		r.off = (r.off + c) % len(r.line)
	}
	if int64(m) > r.n {
		m = int(r.n)
	}
	r.n -= int64(m)
	return m, nil
}

func TestBinaryAfterGzipIsRejected(t *testing.T) {
	z := gzipped(t, &zeros{n: 1 << 20})
	_, err := Read(context.Background(), "zeros.gz", bytes.NewReader(z), Options{})
	if !errors.Is(err, ErrUnrecognized) || !strings.Contains(err.Error(), "binary") {
		t.Fatalf("err = %v, want binary data unrecognised", err)
	}
}

func TestGzipBombStopsAtTheCap(t *testing.T) {
	// 256 MiB of log lines after a dump compress to a few hundred KiB.
	z := gzipped(t, strings.NewReader(smallDump), &repeat{line: "level=info msg=ok\n", n: 256 << 20})
	_, err := Read(context.Background(), "bomb.gz", bytes.NewReader(z), Options{MaxDecompressed: 16 << 20})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if !strings.Contains(err.Error(), "bomb.gz") || !strings.Contains(err.Error(), "--max-decompressed") {
		t.Errorf("error %q should name the input and the flag that raises the cap", err)
	}
	// Raising the cap reads it: the zeros are not text, but the dump before them is kept.
	z = gzipped(t, strings.NewReader(smallDump+"\n"), strings.NewReader(strings.Repeat("log line\n", 1000)))
	if _, err := Read(context.Background(), "ok.gz", bytes.NewReader(z), Options{MaxDecompressed: 1 << 20}); err != nil {
		t.Fatalf("under the cap: %v", err)
	}
}

// oneLongLine yields "log: " followed by n bytes without a newline, then a dump.
type longLine struct {
	n    int64
	tail *strings.Reader
}

func (l *longLine) Read(p []byte) (int, error) {
	if l.n > 0 {
		m := min(int64(len(p)), l.n)
		for i := range p[:m] {
			p[i] = 'x'
		}
		l.n -= m
		return int(m), nil
	}
	return l.tail.Read(p)
}

func TestHugeLineDoesNotExhaustMemory(t *testing.T) {
	const lineLen = 512 << 20 // 512 MiB on one line
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := &longLine{n: lineLen, tail: strings.NewReader("\n" + smallDump)}
	snaps, err := Read(context.Background(), "huge.log", r, Options{MaxLine: 1 << 20})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if snaps[0].GoroutineCount() != 1 {
		t.Errorf("goroutines = %d, want the dump after the huge line", snaps[0].GoroutineCount())
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("allocated %d MiB reading a %d MiB line; want memory bounded by the line cap", alloc>>20, lineLen>>20)
	}
}

func TestTraceHeadersAreRecognised(t *testing.T) {
	for _, tt := range []struct {
		head string
		want string
	}{
		{"go 1.5 trace\x00\x00\x00\x00", "older than Go 1.11"},
		{"go 1.27 trace\x00\x00\x00", "go 1.27"},
	} {
		_, err := Read(context.Background(), "t.out", strings.NewReader(tt.head+strings.Repeat("\x01", 64)), Options{})
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want ErrUnsupported mentioning %q", tt.head, err, tt.want)
		}
	}
}

func TestCorruptSmallGzipKeepsWhatWasRead(t *testing.T) {
	z := gzipped(t, strings.NewReader(smallDump+"\n"+smallDump))
	z = z[:len(z)-12] // lose the tail and the checksum
	snaps, err := Read(context.Background(), "cut.gz", bytes.NewReader(z), Options{})
	if err != nil {
		t.Fatalf("err = %v, want the readable part and a warning", err)
	}
	s := snaps[len(snaps)-1]
	if len(s.Warnings) == 0 || s.Warnings[len(s.Warnings)-1].Kind != WarnTruncated {
		t.Errorf("warnings = %v, want truncated", s.Warnings)
	}
}
