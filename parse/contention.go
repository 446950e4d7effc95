package parse

import "context"

// readContentionText is being written (placeholder so the package builds).
func readContentionText(ctx context.Context, name string, lr *lineReader, in *Interner) (*Snapshot, error) {
	return nil, &InputError{Name: name, Line: lr.line, Offset: -1, Err: ErrUnsupported}
}
