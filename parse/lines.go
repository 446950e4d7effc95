package parse

import (
	"bytes"
	"fmt"
	"io"
)

// lineReader yields the lines of a text input one at a time without copying
// the input: a returned line aliases the reader's buffer and is valid only
// until the next call. It strips "\r\n" and "\n", counts lines and bytes, and
// cuts lines longer than max (keeping the first max bytes, discarding the
// rest without holding it in memory).
//
// It reads through its own buffer rather than a bufio.Reader: a line is
// one IndexByte over bytes already in memory, which is most of what
// reading a dump costs per line.
type lineReader struct {
	src  io.Reader
	name string
	max  int
	line int // 1-based number of the line last returned
	// unterminated is true when the line last returned had no newline:
	// the input ended inside it.
	unterminated bool
	offset       int64 // byte offset of the line last returned
	next         int64 // byte offset of the next line

	buf        []byte // buf[start:end] is read but not yet returned
	start, end int
	eof        bool  // src has no more bytes
	err        error // sticky read error other than io.EOF

	long []byte // the kept part of a line longer than buf
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

func newLineReader(name string, src io.Reader, max int) *lineReader {
	return newLineReaderSize(name, src, max, readBufferSize)
}

func newLineReaderSize(name string, src io.Reader, max, size int) *lineReader {
	return newLineReaderBuf(name, src, max, make([]byte, size))
}

// newLineReaderBytes returns a line reader over data itself: its lines
// alias data, nothing is copied.
func newLineReaderBytes(name string, data []byte, max int) *lineReader {
	return &lineReader{name: name, max: max, buf: data, end: len(data), eof: true}
}

// newLineReaderBuf returns a line reader that reads through buf, which
// must not be in use by another reader.
func newLineReaderBuf(name string, src io.Reader, max int, buf []byte) *lineReader {
	return &lineReader{src: src, name: name, max: max, buf: buf}
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
	if i := bytes.IndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
		b := lr.buf[lr.start : lr.start+i]
		lr.start += i + 1
		lr.line++
		lr.offset = lr.next
		lr.next += int64(i + 1)
		lr.unterminated = false
		if i > 0 && b[i-1] == '\r' {
			b = b[:i-1]
		}
		if len(b) > lr.max {
			lr.report(int64(len(b)))
			b = b[:lr.max]
		}
		return b, true
	}
	return lr.slowLine()
}

// slowLine reads a line that is not whole in the buffer: it refills the
// buffer, and keeps the first max bytes of a line longer than the buffer.
func (lr *lineReader) slowLine() ([]byte, bool) {
	var total int64 // bytes of a long line moved out of buf so far
	lr.long = lr.long[:0]
	movedCR := false // the last byte moved out of buf was '\r'
	for {
		if i := bytes.IndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
			return lr.finishLine(lr.buf[lr.start:lr.start+i], total, i+1, false, movedCR), true
		}
		if lr.eof || lr.err != nil {
			if lr.start == lr.end && total == 0 {
				return nil, false
			}
			return lr.finishLine(lr.buf[lr.start:lr.end], total, lr.end-lr.start, true, movedCR), true
		}
		if lr.start > 0 {
			lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
			lr.start = 0
		}
		if lr.end == len(lr.buf) {
			// A line longer than the buffer: keep up to max bytes of it.
			if room := lr.max - len(lr.long); room > 0 {
				lr.long = append(lr.long, lr.buf[:min(lr.end, room)]...)
			}
			total += int64(lr.end)
			movedCR = lr.buf[lr.end-1] == '\r'
			lr.start, lr.end = 0, 0
		}
		n, err := lr.src.Read(lr.buf[lr.end:])
		lr.end += n
		switch {
		case err == io.EOF:
			lr.eof = true
		case err != nil:
			lr.err = err
		}
	}
}

// finishLine returns a line whose last part is tail (in buf, consumed
// bytes long with its newline), after total bytes already moved to long.
// A line is cut when its text, without "\r\n" or "\n", is longer than
// max.
func (lr *lineReader) finishLine(tail []byte, total int64, consumed int, unterminated, movedCR bool) []byte {
	lr.start += consumed
	lr.line++
	lr.offset = lr.next
	lr.next += total + int64(consumed)
	lr.unterminated = unterminated
	b := tail
	if total > 0 {
		if room := lr.max - len(lr.long); room > 0 {
			lr.long = append(lr.long, tail[:min(len(tail), room)]...)
		}
		b = lr.long
	}
	length := total + int64(len(tail))
	if len(tail) > 0 && tail[len(tail)-1] == '\r' || len(tail) == 0 && movedCR {
		length--
		if len(b) > 0 && int64(len(b)) > length {
			b = b[:length]
		}
	}
	if length > int64(lr.max) {
		lr.report(length)
		return b[:min(len(b), lr.max)]
	}
	return b
}

// report tells the cut callback about a line of length bytes.
func (lr *lineReader) report(length int64) {
	if lr.cut != nil {
		lr.cut(lr.line, length)
	}
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
