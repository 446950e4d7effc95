// Command compare runs gorensic's dump reader side by side with other Go
// goroutine-dump parsers on the same files, each in a fresh child process,
// and prints MB/s, peak RSS and gorensic's ratio to each contender.
//
//	cd bench && go run ./cmd/compare -dumps 100000,1000000
//
// Dumps are generated with the real runtime by ../internal/cmd/dumpgen and
// cached in $TMPDIR/gorensic-bench/dump-N.txt (the same cache the parse
// package's benchmarks use).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/DataDog/gostackparse"
	"github.com/gorensic/gorensic/parse"
	"github.com/maruel/panicparse/v2/stack"
)

// A contender reads one file in a child process and returns a short
// description of what it found (to check that everyone read the same thing).
type contender struct {
	name string
	run  func(path string) (string, error) // nil for an external binary
}

// contenders lists what compare runs, in the order it runs them.
func contenders() []contender {
	return []contender{
		{"bufio.Scanner line loop", runLines},
		{"gostackparse v0.7.0 Parse", runGostackparse},
		{panicparse, runPanicparse},
		{gorensic, runGorensic},
		{"gorensic scan --format json", nil},
	}
}

const (
	childFlag  = "compare-child" // hidden: run one contender and exit
	gorensic   = "gorensic parse+group"
	panicparse = "panicparse v2.5.0 ScanSnapshot+Aggregate"
	// panicparseBytesPerByte is panicparse's peak RSS per input byte
	// (measured: 325 MiB on a 16 MB dump of 10k goroutines), used to skip
	// files it cannot hold in the memory available.
	panicparseBytesPerByte = 20
)

func main() {
	child := flag.String(childFlag, "", "")
	dumps := flag.String("dumps", "100000,1000000", "comma-separated goroutine counts of the dumps to compare on")
	root := flag.String("root", "..", "gorensic repository root (to build cmd/gorensic and run dumpgen)")
	flag.Parse()
	if *child != "" {
		if err := runChild(*child, flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := compare(*dumps, *root); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// runChild runs the named contender on path and prints its result line.
func runChild(name, path string) error {
	for _, c := range contenders() {
		if c.name == name && c.run != nil {
			res, err := c.run(path)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", name, path, err)
			}
			fmt.Println(res)
			return nil
		}
	}
	return fmt.Errorf("unknown contender %q", name)
}

func runLines(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
	}
	return fmt.Sprintf("%d lines", n), sc.Err()
}

func runGostackparse(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// gostackparse does not know the labels Go 1.26 can put in goroutine
	// headers (GODEBUG=tracebacklabels=1): it drops those goroutines with an
	// error each, which the result reports.
	gs, errs := gostackparse.Parse(f)
	return fmt.Sprintf("%d goroutines, %d dropped", len(gs), len(errs)), nil
}

func runPanicparse(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// No path guessing, source analysis or argument naming (O(n²)): the
	// cheapest configuration, parsing and grouping only.
	opts := &stack.Opts{}
	s, _, err := stack.ScanSnapshot(f, io.Discard, opts)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if s == nil {
		return "", errors.New("no snapshot found")
	}
	a := s.Aggregate(stack.AnyPointer)
	return fmt.Sprintf("%d goroutines, %d buckets", len(s.Goroutines), len(a.Buckets)), nil
}

func runGorensic(path string) (string, error) {
	snaps, err := parse.ReadFile(context.Background(), path, parse.Options{})
	if err != nil {
		return "", err
	}
	n, groups := 0, 0
	for _, s := range snaps {
		n += len(s.Goroutines)
		groups += len(parse.Aggregate(s))
	}
	return fmt.Sprintf("%d goroutines, %d groups", n, groups), nil
}

type result struct {
	name, file string
	size       int64
	wall       time.Duration
	rss        int64 // bytes
	out        string
	skipped    string
}

func (r result) mbps() float64 { return float64(r.size) / 1e6 / r.wall.Seconds() }

func compare(dumps, root string) error {
	tmp, err := os.MkdirTemp("", "gorensic-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "gorensic")
	if err := goCmd(root, "build", "-o", bin, "./cmd/gorensic").Run(); err != nil {
		return fmt.Errorf("building cmd/gorensic: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var results []result
	for _, field := range strings.Split(dumps, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return fmt.Errorf("-dumps: %q is not a goroutine count", field)
		}
		path, err := dumpFile(root, n)
		if err != nil {
			return err
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		if err := warm(path); err != nil {
			return err
		}
		for _, c := range contenders() {
			r := result{name: c.name, file: filepath.Base(path), size: st.Size()}
			if c.name == panicparse {
				need := panicparseBytesPerByte * st.Size()
				if avail := memAvailable(); avail > 0 && need > avail*8/10 {
					r.skipped = fmt.Sprintf("skipped: needs > %.0f GiB (%.0f GiB available)", float64(need)/(1<<30), float64(avail)/(1<<30))
					results = append(results, r)
					fmt.Fprintf(os.Stderr, "%-42s %s %s\n", c.name, r.file, r.skipped)
					continue
				}
			}
			var cmd *exec.Cmd
			if c.run == nil {
				cmd = exec.Command(bin, "scan", "--format", "json", path)
				cmd.Stdout = io.Discard
			} else {
				cmd = exec.Command(self, "-"+childFlag, c.name, path)
			}
			if err := measure(cmd, &r); err != nil {
				return fmt.Errorf("%s on %s: %w", c.name, path, err)
			}
			fmt.Fprintf(os.Stderr, "%-42s %s %7s MB/s %8s  %s\n", c.name, r.file, rate(r.mbps()), mib(r.rss), r.out)
			results = append(results, r)
		}
	}
	printTable(os.Stdout, results)
	return nil
}

// measure runs cmd and records its wall time, peak RSS (the kernel's
// ru_maxrss for the child) and its result line.
func measure(cmd *exec.Cmd, r *result) error {
	var out, errb bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	r.wall = time.Since(start)
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(errb.String()))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rss = ru.Maxrss << 10 // KiB on Linux
	}
	r.out = strings.TrimSpace(out.String())
	return nil
}

func printTable(w io.Writer, results []result) {
	byFile := map[string]result{}
	for _, r := range results {
		if r.name == gorensic {
			byFile[r.file] = r
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "contender\tfile\tMB/s\tpeak RSS\tgorensic speed ×\tgorensic memory ×\tresult\t")
	for _, r := range results {
		if r.skipped != "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%s\t\n", r.name, r.file, r.skipped)
			continue
		}
		g := byFile[r.file]
		speed, mem := "-", "-"
		if g.wall > 0 && r.name != gorensic {
			speed = fmt.Sprintf("%.2f", g.mbps()/r.mbps())
			mem = fmt.Sprintf("%.2f", float64(g.rss)/float64(r.rss))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, r.file, rate(r.mbps()), mib(r.rss), speed, mem, r.out)
	}
	tw.Flush()
	fmt.Fprintln(w, "\ngorensic speed × = gorensic parse+group MB/s ÷ the row's MB/s (above 1: gorensic faster);")
	fmt.Fprintln(w, "gorensic memory × = gorensic parse+group peak RSS ÷ the row's (below 1: gorensic smaller).")
	fmt.Fprintf(w, "%s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}

func rate(mbps float64) string {
	if mbps < 10 {
		return fmt.Sprintf("%.1f", mbps)
	}
	return fmt.Sprintf("%.0f", mbps)
}

func mib(b int64) string {
	if b >= 10<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", b>>20)
}

// dumpFile returns the cached dump of n goroutines, generating it with the
// real runtime if it is not there yet.
func dumpFile(root string, n int) (string, error) {
	dir := filepath.Join(os.TempDir(), "gorensic-bench")
	path := filepath.Join(dir, fmt.Sprintf("dump-%d.txt", n))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	fmt.Fprintf(os.Stderr, "generating %s with the real runtime\n", path)
	cmd := goCmd(root, "run", "./internal/cmd/dumpgen", "-n", strconv.Itoa(n), "-o", tmp)
	cmd.Env = append(os.Environ(), "GODEBUG=tracebacklabels=1")
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("dumpgen -n %d -o %s: %w", n, tmp, err)
	}
	return path, os.Rename(tmp, path)
}

func goCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	return cmd
}

// warm reads path once so that every contender finds it in the page cache.
func warm(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// memAvailable returns MemAvailable from /proc/meminfo in bytes, 0 if unknown.
func memAvailable() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
