package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// config is one comparison's settings, from the flags.
type config struct {
	root        string // the gorensic repository
	cache       string // where generated dumps and traces are kept
	dumps       []int  // goroutine counts of the dump scenarios
	trace       string // the trace to read; "" generates one
	gen         traceGen
	skip        map[string]bool // contender keys, kinds and "slow"
	toolTimeout time.Duration
	memFloor    int64
	runs        int // runs of each contender but the slow ones; the row has the median
}

// skips says whether -skip leaves c out.
func (cfg config) skips(c contender) bool {
	return cfg.skip[c.key] || cfg.skip[string(c.kind)] || (c.slow && cfg.skip["slow"])
}

// result is one row of the table.
type result struct {
	key, name string
	kind      kind
	file      string // base name
	size      int64
	outcome
	counts  counts
	skipped string // why it did not run
	failed  string // why it did not finish
	runs    int    // runs measured: wall is their median, rss their largest
}

// measured says whether the row has figures: it finished, or it was killed
// and its figures are bounds.
func (r result) measured() bool { return r.skipped == "" && r.failed == "" }

func (r result) mbps() float64 { return float64(r.size) / 1e6 / r.wall.Seconds() }

// report is everything one run prints.
type report struct {
	results               []result
	notes                 []string // how inputs were made, what -skip left out
	start, end            time.Time
	loadBefore, loadAfter string
	memBefore             int64
	gorensicVersion       string
	runs                  int // -runs
}

// compare runs every selected contender on the files of cfg, one child
// process at a time, logging each row to log as it completes. On an error
// (an interrupt, an input it could not make) the report still holds the
// rows measured before it: a long run's work is not thrown away.
func compare(ctx context.Context, cfg config, log io.Writer) (*report, error) {
	rep := &report{start: time.Now(), loadBefore: loadAverage(), runs: cfg.runs}
	rep.memBefore, _ = memAvailable()
	tmp, err := os.MkdirTemp("", "gorensic-compare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	t, err := buildTools(ctx, cfg.root, tmp, log)
	if err != nil {
		return nil, err
	}
	rep.gorensicVersion = gitDescribe(ctx, cfg.root)
	byKind := map[kind][]contender{}
	var skipped []string
	for _, c := range contenders() {
		if cfg.skips(c) {
			skipped = append(skipped, c.key)
			continue
		}
		byKind[c.kind] = append(byKind[c.kind], c)
	}
	if len(skipped) > 0 {
		rep.note("left out by -skip: " + strings.Join(skipped, ", "))
	}
	r := runner{cfg: cfg, tools: t, tmp: tmp, log: log}
	err = r.dumps(ctx, rep, byKind)
	if err == nil {
		err = r.traces(ctx, rep, byKind[traceKind])
	}
	rep.end = time.Now()
	rep.loadAfter = loadAverage()
	return rep, err
}

// runner runs the rows of one comparison.
type runner struct {
	cfg   config
	tools tools
	tmp   string // scratch for captured outputs
	log   io.Writer
}

// dumps runs the dump and debug=0 rows of every dump scenario.
func (r runner) dumps(ctx context.Context, rep *report, byKind map[kind][]contender) error {
	text, debug0 := byKind[dumpKind], byKind[debug0Kind]
	if len(text) == 0 && len(debug0) == 0 {
		return nil
	}
	for _, n := range r.cfg.dumps {
		files, note, err := ensureDump(ctx, r.tools, r.cfg.cache, n, len(debug0) > 0, r.log)
		if err != nil {
			return err
		}
		rep.note(note)
		if err := r.rows(ctx, rep, files.text, text); err != nil {
			return err
		}
		if err := r.rows(ctx, rep, files.debug0, debug0); err != nil {
			return err
		}
	}
	return nil
}

// traces runs the trace rows on the given or generated trace.
func (r runner) traces(ctx context.Context, rep *report, cs []contender) error {
	if len(cs) == 0 {
		return nil
	}
	path := r.cfg.trace
	if path != "" {
		rep.note(filepath.Base(path) + " given by -trace " + path)
	} else {
		var note string
		var err error
		path, note, err = ensureTrace(ctx, r.tools, r.cfg.cache, r.cfg.gen, r.log)
		if err != nil {
			return err
		}
		rep.note(note)
	}
	return r.rows(ctx, rep, path, cs)
}

// rows warms path into the page cache and runs cs on it in turn.
func (r runner) rows(ctx context.Context, rep *report, path string, cs []contender) error {
	if len(cs) == 0 {
		return nil
	}
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	if err := warm(path); err != nil {
		return err
	}
	for _, c := range cs {
		res, err := r.one(ctx, c, path, size)
		if err != nil {
			return fmt.Errorf("%s on %s: %w", c.name, path, err)
		}
		logRow(r.log, res)
		rep.results = append(rep.results, res)
	}
	return nil
}

// one measures c on path. Its error stops the run (a child that cannot
// start, an interrupt); a contender that fails only fails its row.
func (r runner) one(ctx context.Context, c contender, path string, size int64) (result, error) {
	res := result{key: c.key, name: c.name, kind: c.kind, file: filepath.Base(path), size: size}
	if why := r.tooBig(c, size); why != "" {
		res.skipped = why
		return res, nil
	}
	lim := limits{memFloor: r.cfg.memFloor}
	if c.limited {
		lim.timeout = r.cfg.toolTimeout
	}
	runs := max(r.cfg.runs, 1)
	if c.slow {
		runs = 1
	}
	var walls []time.Duration
	var peak int64
	for i := range runs {
		o, counts, failed, err := r.run(ctx, c, path, lim)
		if err != nil {
			return res, err
		}
		res.outcome, res.counts, res.failed = o, counts, failed
		if o.killed != "" || failed != "" {
			return res, nil // a failed or killed run is the row
		}
		walls = append(walls, o.wall)
		peak = max(peak, o.rss)
		if i == 0 && o.wall > repeatUnder {
			break // long enough that one run's noise matters little
		}
	}
	res.runs = len(walls)
	slices.Sort(walls)
	res.wall, res.rss = walls[len(walls)/2], peak
	return res, nil
}

// repeatUnder is the wall time below which a contender runs -runs times:
// the short runs are the ones one scheduling hiccup or collection moves
// by a third.
const repeatUnder = 20 * time.Second

// run runs c on path once. Its error stops the run; failed says why the
// contender's run failed.
func (r runner) run(ctx context.Context, c contender, path string, lim limits) (o outcome, cs counts, failed string, err error) {
	cmd, capture, err := r.command(c, path)
	if err != nil {
		return o, cs, err.Error(), nil
	}
	if capture != nil {
		defer capture.Close()
	}
	o, err = measure(ctx, cmd, lim)
	if err != nil || o.killed != "" {
		return o, cs, "", err
	}
	if o.exit != 0 && !(o.exit == 1 && c.exit1OK) {
		return o, cs, fmt.Sprintf("exit %d: %s", o.exit, lastLine(o.stderr)), nil
	}
	if cs, err = r.counts(c, cmd, capture); err != nil {
		return o, cs, err.Error(), nil
	}
	return o, cs, "", nil
}

// tooBig says why c is skipped on a file of size bytes: its estimated
// peak RSS would take MemAvailable below -mem-floor-mib, where it would be
// killed anyway. "" when it may run.
func (r runner) tooBig(c contender, size int64) string {
	if c.memPerByte == 0 {
		return ""
	}
	avail, ok := memAvailable()
	need := int64(c.memPerByte * float64(size))
	if !ok || need <= avail-r.cfg.memFloor {
		return ""
	}
	return fmt.Sprintf("skipped: needs ~%s (%.0f× the file), %s available", mib(need), c.memPerByte, mib(avail))
}

// command returns the child process for c on path and, for an external
// program whose output is decoded, the file its standard output goes to.
func (r runner) command(c contender, path string) (*exec.Cmd, *os.File, error) {
	if c.inProcess != nil {
		cmd := exec.Command(r.tools.self, path)
		cmd.Env = append(os.Environ(), childEnv+"="+c.key)
		cmd.Stdout = new(bytes.Buffer)
		return cmd, nil, nil
	}
	argv, err := c.command(r.tools, path)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	// A file, not a pipe: the child writes straight to it, and compare
	// does no copying while it is timed.
	name := os.DevNull
	if c.decode != nil {
		name = filepath.Join(r.tmp, c.key+".out")
	}
	out, err := os.Create(name)
	if err != nil {
		return nil, nil, err
	}
	cmd.Stdout = out
	return cmd, out, nil
}

// counts reads what a finished child found.
func (r runner) counts(c contender, cmd *exec.Cmd, capture *os.File) (counts, error) {
	var n counts
	switch {
	case c.inProcess != nil:
		out := cmd.Stdout.(*bytes.Buffer)
		if err := json.Unmarshal(out.Bytes(), &n); err != nil {
			return n, fmt.Errorf("reading the child's result %q: %w", out.String(), err)
		}
	case c.decode != nil:
		if _, err := capture.Seek(0, io.SeekStart); err != nil {
			return n, err
		}
		return c.decode(capture)
	}
	return n, nil
}

func (rep *report) note(s string) {
	if s != "" {
		rep.notes = append(rep.notes, s)
	}
}

// logRow prints a row as it completes, for a run that takes minutes.
func logRow(w io.Writer, r result) {
	fmt.Fprintf(w, "%-48s %-20s %8s %10s MB/s %10s  %s\n", r.name, r.file, fmtWall(r.wall), fmtRate(r.mbps()), mib(r.rss), resultText(r))
}

// gitDescribe names the gorensic commit measured, "unknown" outside git.
func gitDescribe(ctx context.Context, root string) string {
	cmd := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
