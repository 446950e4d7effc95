package parse

import (
	"bufio"
	"fmt"
	"io"
)

// lineReader yields the lines of a text input one at a time without copying
// the input: a returned line aliases the reader's buffer and is valid only
// until the next call. It strips "\r\n" and "\n", counts lines and bytes, and
// cuts lines longer than max (keeping the first max bytes, discarding the
// rest without holding it in memory).
type lineReader struct {
	r    *bufio.Reader
	name string
	max  int
	line int // 1-based number of the line last returned
	// unterminated is true when the line last returned had no newline:
	// the input ended inside it.
	unterminated bool
	offset       int64 // byte offset of the line last returned
	next         int64 // byte offset of the next line
	long         []byte
	err          error // sticky read error other than io.EOF
	// cut reports lines that were longer than max.
	cut func(line int, length int64)
	// pushed holds a line handed back with unread.
	pushed    []byte
	hasPushed bool
	pushedBuf []byte
	pushedAt  struct {
		line   int
		offset int64
	}
}

func newLineReader(name string, r *bufio.Reader, max int) *lineReader {
	return &lineReader{r: r, name: name, max: max}
}

// readLine returns the next line without its terminator, and false at the
// end of input or on a read error (see err).
func (lr *lineReader) readLine() ([]byte, bool) {
	if lr.hasPushed {
		lr.hasPushed = false
		lr.line = lr.pushedAt.line
		lr.offset = lr.pushedAt.offset
		return lr.pushed, true
	}
	if lr.err != nil {
		return nil, false
	}
	b, err := lr.r.ReadSlice('\n')
	start := lr.next
	lr.next += int64(len(b))
	var cutAt int64 // length of a line that was cut, 0 when none
	if err == bufio.ErrBufferFull {
		// A line longer than the buffer: keep up to max bytes, skip the rest
		// without holding it in memory.
		lr.long = append(lr.long[:0], b[:min(len(b), lr.max)]...)
		total := int64(len(b))
		for err == bufio.ErrBufferFull {
			b, err = lr.r.ReadSlice('\n')
			lr.next += int64(len(b))
			total += int64(len(b))
			if room := lr.max - len(lr.long); room > 0 {
				lr.long = append(lr.long, b[:min(len(b), room)]...)
			}
		}
		if total > int64(lr.max) {
			cutAt = total
		}
		b = lr.long
	}
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		lr.err = err
		if len(b) == 0 {
			return nil, false
		}
	}
	if len(b) == 0 && err == io.EOF {
		return nil, false
	}
	lr.line++
	lr.offset = start
	lr.unterminated = true
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		lr.unterminated = false
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	if len(b) > lr.max {
		cutAt = int64(len(b))
		b = b[:lr.max]
	}
	if cutAt > 0 && lr.cut != nil {
		lr.cut(lr.line, cutAt)
	}
	return b, true
}

// unread hands line back so the next readLine returns it again. The line is
// copied, since it aliases the read buffer.
func (lr *lineReader) unread(line []byte) {
	lr.pushedBuf = append(lr.pushedBuf[:0], line...)
	lr.pushed = lr.pushedBuf
	lr.hasPushed = true
	lr.pushedAt.line = lr.line
	lr.pushedAt.offset = lr.offset
	lr.line--
}

// failed returns the read error that stopped the reader, if any, as an
// *InputError naming the input.
func (lr *lineReader) failed() error {
	if lr.err == nil {
		return nil
	}
	return &InputError{Name: lr.name, Line: lr.line + 1, Offset: -1, Err: fmt.Errorf("read: %w", wrapReadErr(lr.err))}
}
