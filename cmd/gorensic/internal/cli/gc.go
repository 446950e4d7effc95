package cli

import (
	"io"
	"os"
	"runtime/debug"

	"github.com/gorensic/gorensic/parse"
)

// traceGCPercent is the collector's target while an execution trace is
// read, unless GOGC is set. x/exp/trace's reader makes about three bytes
// of garbage for each byte of trace, so at the default target (100) the
// heap grows to twice its live size between collections. On a 296 MB
// trace, scan's peak RSS fell from 462-491 MB to 338-356 MB at 50, in the
// same time (4.54-4.78 s against 4.58-4.66 s, three runs each, alternated).
// Goroutine dumps keep the default: there the collector's extra work cost
// ~10% of the time for ~15% of the memory.
const traceGCPercent = 50

// gcForInput sets the collector's target for reading the file at path and
// returns what restores it. Inputs are read one at a time, so the setting
// holds for one input only.
func gcForInput(path string, lookupEnv func(string) (string, bool)) (restore func()) {
	if _, set := lookupEnv("GOGC"); set || !startsTrace(path) {
		return func() {}
	}
	old := debug.SetGCPercent(traceGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// startsTrace reports whether the file at path begins like an execution
// trace; a file that cannot be read is left to the reader to report.
func startsTrace(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	return parse.IsTrace(head[:n])
}
