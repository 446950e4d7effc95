package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// outcome is what one child process did.
type outcome struct {
	wall   time.Duration
	rss    int64  // bytes: the kernel's ru_maxrss for the child (wait4)
	exit   int    // exit status; -1 when a signal ended it
	killed string // why compare killed it; "" when it ended on its own
	stderr string
}

// limits bound a child.
type limits struct {
	timeout time.Duration // kill after this long; 0: never
	// memFloor kills the child when the machine's MemAvailable falls below
	// it: the memory estimates that decide what to skip are rough, and the
	// machine is shared, so a reader must not push it into the OOM killer.
	memFloor int64
}

// watchEvery is how often a running child's limits are checked.
const watchEvery = 200 * time.Millisecond

// measure runs cmd to its end and returns its wall time and peak RSS. The
// wall time includes process start, as a user running the tool would see.
// The error is for a child that could not start or a cancelled ctx; a child
// that fails or is killed is reported in the outcome.
func measure(ctx context.Context, cmd *exec.Cmd, lim limits) (outcome, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return outcome{}, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait() // the exit status is read from ProcessState below
		close(done)
	}()
	o, err := watch(ctx, cmd, lim, done)
	o.wall = time.Since(start)
	o.stderr = stderr.String()
	if ps := cmd.ProcessState; ps != nil {
		o.exit = ps.ExitCode()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			o.rss = ru.Maxrss * maxrssUnit()
		}
	}
	return o, err
}

// watch waits for done, killing the child when it outlives lim or ctx.
func watch(ctx context.Context, cmd *exec.Cmd, lim limits, done <-chan struct{}) (outcome, error) {
	var o outcome
	var deadline <-chan time.Time
	if lim.timeout > 0 {
		t := time.NewTimer(lim.timeout)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(watchEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return o, nil
		case <-ctx.Done():
			cmd.Process.Kill()
			<-done
			return o, ctx.Err()
		case <-deadline:
			o.killed = fmt.Sprintf("killed after %s", lim.timeout)
			cmd.Process.Kill()
			deadline = nil
		case <-tick.C:
			if o.killed != "" || lim.memFloor <= 0 {
				continue
			}
			if avail, ok := memAvailable(); ok && avail < lim.memFloor {
				o.killed = fmt.Sprintf("killed: MemAvailable fell below %s", mib(lim.memFloor))
				cmd.Process.Kill()
			}
		}
	}
}

// maxrssUnit is the unit of ru_maxrss: kilobytes on Linux, bytes on the BSDs
// and macOS.
func maxrssUnit() int64 {
	if runtime.GOOS == "linux" {
		return 1 << 10
	}
	return 1
}

// memAvailable returns the kernel's estimate of the memory available for
// new work (MemAvailable in /proc/meminfo), false where there is none.
func memAvailable() (int64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}

// loadAverage returns the 1, 5 and 15 minute load averages as the kernel
// prints them, "unknown" where there are none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
