package parse

import (
	"context"
	"fmt"
	"io"
	"os"
)

// readFileAt reads a regular file of known size. Uncompressed dumps and
// execution traces large enough to gain from it are read by several
// goroutines (readDumpAt, readTraceAt); everything else goes through Read.
func readFileAt(ctx context.Context, name string, f *os.File, size int64, opts Options) ([]*Snapshot, error) {
	head := make([]byte, min(size, sniffSize))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, &InputError{Name: name, Offset: 0, Err: fmt.Errorf("read: %w", err)}
	}
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		// gzip: one stream, read in order.
	case size >= opts.parallelDumpMin() && sniff(head) == kindText:
		return readDumpAt(ctx, name, f, size, opts)
	case size >= parallelTraceMin && sniff(head) == kindTrace:
		return readTraceAt(ctx, name, f, size, opts)
	}
	return Read(ctx, name, io.NewSectionReader(f, 0, size), opts)
}
