package parse

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"testing/iotest"
	"time"
)

// TestReadAheadGivesTheSourceBytes: through readAhead, every source gives
// the same bytes and the same error after the same bytes, in reads of
// every size.
func TestReadAheadGivesTheSourceBytes(t *testing.T) {
	data := make([]byte, 3*aheadBlockSize+12345)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	boom := errors.New("boom")
	sources := map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(data) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data[:100000])) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
		"error": func() io.Reader {
			return io.MultiReader(bytes.NewReader(data[:aheadBlockSize+7]), iotest.ErrReader(boom))
		},
		"unexpected": func() io.Reader {
			return io.MultiReader(bytes.NewReader(data[:5]), iotest.ErrReader(io.ErrUnexpectedEOF))
		},
		"empty": func() io.Reader { return bytes.NewReader(nil) },
	}
	for name, src := range sources {
		want, wantErr := readAllChunks(src(), 1000)
		for _, size := range []int{1, 777, 64 << 10, 2 << 20} {
			ra := newReadAhead(src())
			got, gotErr := readAllChunks(ra, size)
			ra.Close()
			if !bytes.Equal(got, want) || !errors.Is(gotErr, wantErr) && gotErr != wantErr {
				t.Errorf("%s, reads of %d: %d bytes and %v; want %d bytes and %v", name, size, len(got), gotErr, len(want), wantErr)
			}
		}
	}
}

// readAllChunks reads r in reads of size until an error, which it returns
// (io.EOF included).
func readAllChunks(r io.Reader, size int) ([]byte, error) {
	var out []byte
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err
		}
	}
}

// TestReadAheadCloseStops: a reader that stops early and closes leaves no
// goroutine behind.
func TestReadAheadCloseStops(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 10 {
		ra := newReadAhead(bytes.NewReader(make([]byte, 16*aheadBlockSize)))
		buf := make([]byte, 10)
		ra.Read(buf)
		ra.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after closing", before, n)
	}
}
