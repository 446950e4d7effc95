package parse

import (
	"bufio"
	"context"
)

// readProfile is being written (placeholder so the package builds).
func readProfile(ctx context.Context, name string, br *bufio.Reader, in *Interner, opts Options) ([]*Snapshot, error) {
	return nil, &InputError{Name: name, Offset: 0, Err: ErrUnsupported}
}
