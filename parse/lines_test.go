package parse

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// refLines is what lineReader must return for in: the lines without "\n"
// and one trailing "\r", each cut to max bytes, with the lengths of those
// that were cut.
func refLines(in []byte, max int) (lines []string, cut []int64, offsets []int64) {
	off := int64(0)
	for len(in) > 0 {
		line := in
		n := len(in)
		if i := bytes.IndexByte(in, '\n'); i >= 0 {
			line, n = in[:i], i+1
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > max {
			cut = append(cut, int64(len(line)))
			line = line[:max]
		}
		lines = append(lines, string(line))
		offsets = append(offsets, off)
		off += int64(n)
		in = in[n:]
	}
	return lines, cut, offsets
}

// TestLineReaderMatchesReference reads random inputs (short and long
// lines, "\r\n", "\r" alone, no final newline) through buffers and reads
// of many sizes and compares every line, offset and cut with refLines.
func TestLineReaderMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "goroutine 1 [running]:", "\t/x.go:1 +0x1", "\r", "\n", "\r\n", "\n\n", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
	for iter := 0; iter < 3000; iter++ {
		var in bytes.Buffer
		for range rng.IntN(40) {
			p := pieces[rng.IntN(len(pieces))]
			for range 1 + rng.IntN(3) {
				in.WriteString(p)
			}
		}
		size := 1 + rng.IntN(64)
		max := 1 + rng.IntN(80)
		var src = bytes.NewReader(in.Bytes())
		var r interface{ Read([]byte) (int, error) } = src
		if iter%2 == 0 {
			r = iotest.OneByteReader(src)
		}
		lr := newLineReaderSize("in", r, max, size)
		var cut []int64
		lr.cut = func(_ int, n int64) { cut = append(cut, n) }
		var got []string
		var offs []int64
		for {
			b, ok := lr.readLine()
			if !ok {
				break
			}
			got = append(got, string(b))
			offs = append(offs, lr.offset)
			if lr.line != len(got) {
				t.Fatalf("line count %d after %d lines", lr.line, len(got))
			}
		}
		want, wantCut, wantOffs := refLines(in.Bytes(), max)
		ctx := fmt.Sprintf("input %q, buffer %d, max %d", in.String(), size, max)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s:\n got %q\nwant %q", ctx, got, want)
		}
		if fmt.Sprint(cut) != fmt.Sprint(wantCut) || fmt.Sprint(offs) != fmt.Sprint(wantOffs) {
			t.Fatalf("%s: cut %v offsets %v, want %v %v", ctx, cut, offs, wantCut, wantOffs)
		}
		if lr.next != int64(in.Len()) {
			t.Fatalf("%s: next %d, want %d", ctx, lr.next, in.Len())
		}
		last := in.Bytes()
		if wantTerm := len(last) == 0 || last[len(last)-1] == '\n'; lr.unterminated == wantTerm && len(got) > 0 {
			t.Fatalf("%s: unterminated = %v", ctx, lr.unterminated)
		}
	}
}
