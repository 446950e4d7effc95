package parse

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
)

// readText reads a text input: stack dumps (with any text around them),
// debug=1 goroutine profiles and text contention profiles, in any order and
// number within one input.
func readText(ctx context.Context, name string, br *bufio.Reader, in *Interner, opts Options) ([]*Snapshot, error) {
	lr := newLineReader(name, br, opts.maxLine())
	snaps, err := readStackDump(ctx, name, lr, in, opts)
	if err != nil {
		return snaps, err
	}
	if len(snaps) == 0 {
		return nil, &InputError{Name: name, Offset: -1,
			Err: fmt.Errorf("no goroutine dump, goroutine profile, contention profile or race report in %d lines: %w", lr.line, ErrUnrecognized)}
	}
	for i, s := range snaps {
		s.Source.Index = i
	}
	return snaps, nil
}

// profileTextStart reports whether a line starts a text profile that has
// its own reader, and which.
func profileTextStart(t []byte) Format {
	switch {
	case bytes.HasPrefix(t, []byte("goroutine profile: total ")):
		return FormatDebug1
	case bytes.HasPrefix(t, []byte("goroutineleak profile: total ")):
		return FormatLeakDebug1
	case bytes.HasPrefix(t, []byte("--- mutex:")):
		return FormatMutex
	case bytes.HasPrefix(t, []byte("--- contention:")):
		return FormatBlock
	}
	return FormatUnrecognized
}
