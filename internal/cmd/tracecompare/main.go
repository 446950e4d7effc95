// Command tracecompare measures, in one run on one execution trace, the
// wall time and peak RSS of four readers, each a child process:
//
//   - raw: the bare golang.org/x/exp/trace ReadEvent loop (the baseline);
//   - read: gorensic's full read, parse.ReadFile (summary and timeline);
//   - scan: "gorensic scan --format json FILE" end to end, output discarded;
//   - go tool trace: "go tool trace -pprof=sync FILE", output discarded,
//     killed after -timeout.
//
// It prints a Markdown table and the ratios issue 4 sets bars on: the full
// read against the raw read (at most 1.5x) and gorensic against go tool
// trace (at least 5x faster, under 1/50 of its memory).
//
//	go run ./internal/cmd/tracecompare /tmp/big.trace
//
// Peak RSS is the child's ru_maxrss from wait4 (it includes descendants it
// reaped). The gorensic binary is built into a temporary directory and the
// trace tool is run directly from the path "go tool -n trace" gives, so no
// go command sits between the measurement and the tool.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gorensic/gorensic/parse"
	"golang.org/x/exp/trace"
)

func main() {
	mode := flag.String("mode", "", "internal: run one reader in this process (raw or read)")
	timeout := flag.Duration("timeout", 600*time.Second, "kill go tool trace after this long")
	skipTool := flag.Bool("skip-tool", false, "do not run go tool trace")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tracecompare [-timeout 600s] [-skip-tool] FILE")
		os.Exit(2)
	}
	path := flag.Arg(0)
	var err error
	switch *mode {
	case "raw":
		err = rawRead(path)
	case "read":
		err = fullRead(path)
	case "":
		err = compare(path, *timeout, *skipTool)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracecompare:", err)
		os.Exit(1)
	}
}

func rawRead(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := trace.NewReader(f)
	if err != nil {
		return err
	}
	n := 0
	for {
		_, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n++
	}
	fmt.Fprintf(os.Stderr, "raw: %d events\n", n)
	return nil
}

func fullRead(path string) error {
	snaps, err := parse.ReadFile(context.Background(), path, parse.Options{})
	if err != nil {
		return err
	}
	g := 0
	for _, s := range snaps {
		g += len(s.Goroutines)
	}
	fmt.Fprintf(os.Stderr, "read: %d snapshots, %d goroutines\n", len(snaps), g)
	runtime.KeepAlive(snaps)
	return nil
}

type result struct {
	name    string
	cmd     string
	wall    time.Duration
	maxRSS  int64 // bytes
	err     error
	timeout bool
}

func compare(path string, timeout time.Duration, skipTool bool) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tracecompare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "gorensic")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gorensic/gorensic/cmd/gorensic").CombinedOutput(); err != nil {
		return fmt.Errorf("build gorensic: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "-n", "trace").Output()
	if err != nil {
		return fmt.Errorf("go tool -n trace: %v", err)
	}
	tool := strings.TrimSpace(string(out))

	runs := []struct {
		name string
		args []string
		max  time.Duration
	}{
		{"raw x/exp/trace ReadEvent loop", []string{self, "-mode", "raw", path}, 0},
		{"gorensic full read (parse.ReadFile)", []string{self, "-mode", "read", path}, 0},
		{"gorensic scan --format json", []string{bin, "scan", "--format", "json", path}, 0},
	}
	if !skipTool {
		runs = append(runs, struct {
			name string
			args []string
			max  time.Duration
		}{"go tool trace -pprof=sync", []string{tool, "-pprof=sync", path}, timeout})
	}
	var res []result
	for _, r := range runs {
		x := measure(r.args, r.max)
		x.name = r.name
		res = append(res, x)
		status := "ok"
		if x.timeout {
			status = "TIMEOUT"
		} else if x.err != nil {
			status = x.err.Error()
		}
		fmt.Fprintf(os.Stderr, "%-40s %8.1f s %9.1f MiB  %s\n", r.name, x.wall.Seconds(), mib(x.maxRSS), status)
	}

	mb := float64(st.Size()) / 1e6
	fmt.Printf("Trace: %s, %d bytes (%.0f MB); %s, %s/%s, GOMAXPROCS %d\n\n",
		path, st.Size(), mb, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Println("| reader | wall (s) | MB/s | peak RSS (MiB) | status |")
	fmt.Println("|---|---:|---:|---:|---|")
	for _, x := range res {
		status := "ok"
		if x.timeout {
			status = fmt.Sprintf("killed at %s timeout", timeout)
		} else if x.err != nil {
			status = "error: " + x.err.Error()
		}
		fmt.Printf("| %s | %.2f | %.1f | %.0f | %s |\n", x.name, x.wall.Seconds(), mb/x.wall.Seconds(), mib(x.maxRSS), status)
	}
	raw, read, scan := res[0], res[1], res[2]
	fmt.Println()
	fmt.Printf("- full read / raw read: time %.2fx (bar <= 1.5x), peak RSS %.2fx\n",
		ratio(read.wall, raw.wall), float64(read.maxRSS)/float64(raw.maxRSS))
	fmt.Printf("- scan / raw read: time %.2fx, peak RSS %.2fx\n",
		ratio(scan.wall, raw.wall), float64(scan.maxRSS)/float64(raw.maxRSS))
	if len(res) > 3 {
		t := res[3]
		qual := ""
		if t.timeout {
			qual = " (go tool trace was killed: its figures are lower bounds)"
		}
		for _, g := range []result{read, scan} {
			fmt.Printf("- go tool trace vs %s: %.1fx the time (bar >= 5x), %.1fx the memory (bar > 50x)%s\n",
				g.name, ratio(t.wall, g.wall), float64(t.maxRSS)/float64(g.maxRSS), qual)
		}
	}
	return nil
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// measure runs args as a child with its output discarded and returns its
// wall time and peak RSS; max > 0 kills it after that long.
func measure(args []string, max time.Duration) result {
	ctx := context.Background()
	if max > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, max)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{cmd: strings.Join(args, " "), wall: time.Since(start)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss << 10 // KiB on Linux
		}
	}
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.timeout = true
	} else if err != nil {
		// gorensic scan exits 1 when it reports findings at or above
		// --fail-on: a finished run, not a failure.
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 && filepath.Base(args[0]) == "gorensic" {
			r.err = nil
		} else {
			r.err = fmt.Errorf("%v: %s", err, lastLine(stderr.String()))
		}
	}
	fmt.Fprint(os.Stderr, stderr.String())
	return r
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
