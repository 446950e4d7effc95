//go:build !linux

package parse

import (
	"errors"
	"os"
)

// mapFile is not supported here (only Linux maps files): files are read
// through ReadAt.
func mapFile(*os.File, int64) ([]byte, error) { return nil, errors.ErrUnsupported }

func unmapFile([]byte) {}

func dropPages([]byte, int64, int64) {}
