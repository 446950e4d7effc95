package parse

import (
	"context"
	"io"
	"os"
)

// parallelTraceMin is the smallest execution trace read by several
// goroutines.
const parallelTraceMin = 64 << 20

// readTraceAt reads an execution trace held in a regular file.
func readTraceAt(ctx context.Context, name string, f *os.File, size int64, opts Options) ([]*Snapshot, error) {
	return Read(ctx, name, io.NewSectionReader(f, 0, size), opts)
}
