package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// walkDir lists the regular files under root, recursively and sorted by
// path. It follows symbolic links, visiting each directory once, so a link
// loop ends instead of recursing. Entries that are not regular files, or
// links that lead nowhere, are passed to skip; directories that cannot be
// listed are passed to fail.
func walkDir(root string, skip, fail func(name string, err error)) []string {
	w := &walker{seen: make(map[string]bool), skip: skip, fail: fail}
	w.dir(root)
	return w.files
}

type walker struct {
	files      []string
	seen       map[string]bool // real paths of the directories visited
	skip, fail func(name string, err error)
}

func (w *walker) dir(dir string) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		w.fail(dir, err)
		return
	}
	if w.seen[real] {
		w.skip(dir, fmt.Errorf("directory already read as %s (symbolic link loop or duplicate)", real))
		return
	}
	w.seen[real] = true
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		w.fail(dir, err)
		return
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		mode := e.Type()
		if mode&os.ModeSymlink != 0 {
			fi, err := os.Stat(path)
			if err != nil {
				w.skip(path, fmt.Errorf("symbolic link that cannot be followed: %w", unwrapPath(err)))
				continue
			}
			mode = fi.Mode().Type()
		}
		switch {
		case mode.IsDir():
			w.dir(path)
		case mode.IsRegular():
			w.files = append(w.files, path)
		default:
			w.skip(path, fmt.Errorf("not a regular file (%s)", modeName(mode)))
		}
	}
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func modeName(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return m.String()
}
