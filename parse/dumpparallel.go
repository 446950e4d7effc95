package parse

import (
	"context"
	"io"
	"os"
)

// parallelDumpMin is the smallest text input read by several goroutines.
const parallelDumpMin = 32 << 20

// readDumpAt reads a text input held in a regular file.
func readDumpAt(ctx context.Context, name string, f *os.File, size int64, opts Options) ([]*Snapshot, error) {
	return Read(ctx, name, io.NewSectionReader(f, 0, size), opts)
}
