package parse

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
)

// traceVersion reads the Go version from an execution trace header,
// "go 1.22 trace\x00\x00\x00", and returns the minor version.
func traceVersion(head []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(head, []byte("go 1."))
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ' ')
	if end <= 0 || end > 3 {
		return 0, false
	}
	minor, err := strconv.Atoi(string(rest[:end]))
	if err != nil {
		return 0, false
	}
	return minor, true
}

// readTrace reads a runtime execution trace.
func readTrace(ctx context.Context, name string, br *bufio.Reader, in *Interner, opts Options) ([]*Snapshot, error) {
	head, _ := br.Peek(16)
	minor, ok := traceVersion(head)
	if !ok {
		return nil, &InputError{Name: name, Offset: 0, Err: fmt.Errorf("malformed execution trace header %q: %w", head, ErrUnrecognized)}
	}
	if minor < 11 {
		return nil, &InputError{Name: name, Offset: 0, Err: fmt.Errorf("execution trace of Go 1.%d: traces older than Go 1.11 cannot be read (the Go project dropped their parser): %w", minor, ErrUnsupported)}
	}
	return nil, &InputError{Name: name, Offset: 0, Err: fmt.Errorf("execution trace (go 1.%d format): trace analysis is not built yet: %w", minor, ErrUnsupported)}
}
