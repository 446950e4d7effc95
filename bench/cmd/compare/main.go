// Command compare measures gorensic's readers side by side with the other
// Go readers of the same inputs, in one run and on the same files, and
// prints one Markdown table with MB/s, peak RSS and gorensic's ratio to
// each, then the ratios issue 5 sets bars on. Run it from bench/:
//
//	go run ./cmd/compare -dumps 100000,1000000
//
// The rows:
//   - goroutine dumps (runtime.Stack(all), the debug=2 text): a bare
//     bufio.Scanner line loop, gostackparse, panicparse, gorensic's
//     parse+group sequential and with every core, gorensic scan;
//   - the same goroutines as a debug=0 goroutine profile: pprof's
//     profile.Parse and gorensic's parse+group;
//   - an execution trace: x/exp/trace's raw ReadEvent loop, gorensic's full
//     read sequential and with every core, gorensic scan, and
//     "go tool trace -pprof=sync".
//
// Every contender runs in a process of its own, one at a time, after its
// file has been read once into the page cache: compare re-executes itself
// for the readers it links (gostackparse, panicparse, pprof, x/exp/trace,
// gorensic's parse package), builds cmd/gorensic from the repository for
// scan, and runs the trace tool's binary from "go tool -n trace" directly.
// Wall time is measured around the child, process start included; peak RSS
// is the child's ru_maxrss from wait4.
//
// Dumps and their profiles are generated with the real runtime by
// internal/cmd/dumpgen and cached in $TMPDIR/gorensic-bench (dump-N.txt,
// the file the parse benchmarks use, and goroutine-N.pb.gz); the trace,
// unless -trace names one, by internal/cmd/tracegen (trace-300MB.trace).
//
// Linux-only in practice: peak RSS, MemAvailable and the load average come
// from wait4 and /proc.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// childEnv, when set, makes this program run the in-process contender it
// names on the file given as its argument, print what it found as JSON and
// exit: how compare gets a fresh process per reader.
const childEnv = "GORENSIC_COMPARE_CHILD"

func main() {
	if key := os.Getenv(childEnv); key != "" {
		os.Exit(childMain(key, os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := compare(ctx, cfg, stderr)
	if rep != nil && len(rep.results) > 0 {
		if werr := rep.write(stdout); err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dumps := fs.String("dumps", "100000,1000000", "comma-separated goroutine counts of the dump scenarios (empty: none)")
	trace := fs.String("trace", "", "execution trace to read (default: generate one of -trace-mb with tracegen, cached)")
	traceMB := fs.Int("trace-mb", 300, "size in MB of the trace to generate when -trace is not given")
	cache := fs.String("cache", filepath.Join(os.TempDir(), "gorensic-bench"), "directory of the generated dumps and traces")
	root := fs.String("root", "..", "the gorensic repository (to build cmd/gorensic, dumpgen and tracegen)")
	skip := fs.String("skip", "", "comma-separated rows to leave out: contender keys ("+strings.Join(contenderKeys(), ", ")+
		"), kinds (dump, debug0, trace) or slow (panicparse and go tool trace)")
	toolTimeout := fs.Duration("tool-timeout", 10*time.Minute, "kill go tool trace after this long (its figures then are bounds)")
	runs := fs.Int("runs", 3, "runs of each contender that takes under 20 s (not panicparse or go tool trace): the row has the median wall time and the largest peak RSS")
	memFloor := fs.Int("mem-floor-mib", 1024, "kill any contender when MemAvailable falls below this many MiB (0: never)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := config{
		cache:       *cache,
		trace:       *trace,
		gen:         traceGen{target: int64(*traceMB) * 1e6, probe: time.Second},
		toolTimeout: *toolTimeout,
		memFloor:    int64(*memFloor) << 20,
		runs:        *runs,
	}
	var err error
	if cfg.root, err = filepath.Abs(*root); err != nil {
		return config{}, err
	}
	if cfg.dumps, err = parseCounts(*dumps); err != nil {
		return config{}, fmt.Errorf("-dumps: %w", err)
	}
	if cfg.skip, err = parseSkip(*skip); err != nil {
		return config{}, fmt.Errorf("-skip: %w", err)
	}
	if cfg.trace != "" {
		// Before minutes of building and generating, not after.
		if _, err := os.Stat(cfg.trace); err != nil {
			return config{}, fmt.Errorf("-trace: %w", err)
		}
	}
	if *runs < 1 {
		return config{}, fmt.Errorf("-runs %d: must be at least 1", *runs)
	}
	if *traceMB <= 0 {
		return config{}, fmt.Errorf("-trace-mb %d: must be positive", *traceMB)
	}
	return cfg, nil
}

func parseCounts(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a goroutine count", f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

func parseSkip(s string) (map[string]bool, error) {
	valid := append(contenderKeys(), string(dumpKind), string(debug0Kind), string(traceKind), "slow")
	skip := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(valid, f) {
			return nil, fmt.Errorf("unknown row %q (known: %s)", f, strings.Join(valid, ", "))
		}
		skip[f] = true
	}
	return skip, nil
}

func contenderKeys() []string {
	var keys []string
	for _, c := range contenders() {
		keys = append(keys, c.key)
	}
	return keys
}

// childMain runs one in-process contender on the file in args and prints
// its counts as JSON on stdout.
func childMain(key string, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "compare child %s: want one file, got %q\n", key, args)
		return 2
	}
	for _, c := range contenders() {
		if c.key != key || c.inProcess == nil {
			continue
		}
		n, err := c.inProcess(context.Background(), args[0])
		if err != nil {
			fmt.Fprintf(stderr, "%s: %s: %v\n", c.name, args[0], err)
			return 1
		}
		b, err := json.Marshal(n)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	fmt.Fprintf(stderr, "compare child: no in-process contender %q\n", key)
	return 2
}
