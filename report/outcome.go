package report

// Skipped is an input a run left out on purpose, such as a file in a
// scanned directory that is not a dump, profile or trace.
type Skipped struct {
	Name   string // file name or URL
	Reason string // why, without the name
}

// Failed is an input that could not be read.
type Failed struct {
	Name   string // file name, URL or "-" for stdin
	Reason string // what went wrong, without the name
}

// Outcome is what became of the inputs of a run besides the snapshots
// read from them; it is shared by every result.
type Outcome struct {
	Skipped []Skipped
	Failed  []Failed
}
