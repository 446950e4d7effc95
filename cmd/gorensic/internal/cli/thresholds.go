package cli

import (
	"errors"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/spf13/pflag"
)

// threshold is one detect.Config field with its flag: how to bind the
// flag, copy the field and check its value.
type threshold struct {
	flag     string // flag name, "leak-min-count"
	key      string // its key in a config file, "leak_min_count"
	register func(fs *pflag.FlagSet, c *detect.Config)
	copy     func(dst, src *detect.Config)
	check    func(c *detect.Config) error
}

// thresholds lists every threshold flag, in the order of detect.Config.
func thresholds() []threshold {
	return []threshold{
		countThreshold("leak-min-count", "leak_min_count", "goroutines blocked at one site before the leak detector reports it",
			func(c *detect.Config) *int { return &c.LeakMinCount }),
		countThreshold("leak-warn-count", "leak_warn_count", "goroutines at one blocked site for a leak warning",
			func(c *detect.Config) *int { return &c.LeakWarnCount }),
		countThreshold("leak-critical-count", "leak_critical_count", "goroutines at one blocked site for a critical leak",
			func(c *detect.Config) *int { return &c.LeakCriticalCount }),
		durationThreshold("leak-min-wait", "leak_min_wait", "median wait that makes a blocked site suspicious",
			func(c *detect.Config) *detect.Duration { return &c.LeakMinWait }),
		durationThreshold("syscall-min-wait", "syscall_min_wait", "a system call or cgo call this long holds its thread too long",
			func(c *detect.Config) *detect.Duration { return &c.SyscallMinWait }),
		countThreshold("syscall-burst", "syscall_burst", "goroutines in system calls at once that threaten thread exhaustion",
			func(c *detect.Config) *int { return &c.SyscallBurst }),
		countThreshold("contention-min-waiters", "contention_min_waiters", "goroutines waiting on one lock site to report it",
			func(c *detect.Config) *int { return &c.ContentionMinWaiters }),
		durationThreshold("contention-min-delay", "contention_min_delay", "total delay at one site of a mutex or block profile to report it",
			func(c *detect.Config) *detect.Duration { return &c.ContentionMinDelay }),
		countThreshold("runaway-min-count", "runaway_min_count", "goroutines from one creation site to report a runaway",
			func(c *detect.Config) *int { return &c.RunawayMinCount }),
		shareThreshold("runaway-min-share", "runaway_min_share", "share of all goroutines from one creation site to report a runaway (0 to 1)",
			func(c *detect.Config) *float64 { return &c.RunawayMinShare }),
	}
}

// countThreshold is a threshold counted in goroutines or events: at least 1.
func countThreshold(flag, key, usage string, field func(*detect.Config) *int) threshold {
	return threshold{
		flag: flag, key: key,
		register: func(fs *pflag.FlagSet, c *detect.Config) { fs.IntVar(field(c), flag, *field(c), usage) },
		copy:     func(dst, src *detect.Config) { *field(dst) = *field(src) },
		check: func(c *detect.Config) error {
			if *field(c) < 1 {
				return errors.New("must be 1 or more")
			}
			return nil
		},
	}
}

// durationThreshold is a threshold in time: not negative.
func durationThreshold(flag, key, usage string, field func(*detect.Config) *detect.Duration) threshold {
	return threshold{
		flag: flag, key: key,
		register: func(fs *pflag.FlagSet, c *detect.Config) {
			fs.DurationVar((*time.Duration)(field(c)), flag, field(c).D(), usage)
		},
		copy: func(dst, src *detect.Config) { *field(dst) = *field(src) },
		check: func(c *detect.Config) error {
			if field(c).D() < 0 {
				return errors.New("must not be negative")
			}
			return nil
		},
	}
}

// shareThreshold is a threshold that is a fraction: from 0 to 1.
func shareThreshold(flag, key, usage string, field func(*detect.Config) *float64) threshold {
	return threshold{
		flag: flag, key: key,
		register: func(fs *pflag.FlagSet, c *detect.Config) { fs.Float64Var(field(c), flag, *field(c), usage) },
		copy:     func(dst, src *detect.Config) { *field(dst) = *field(src) },
		check: func(c *detect.Config) error {
			if v := *field(c); !(v >= 0 && v <= 1) {
				return errors.New("must be from 0 to 1")
			}
			return nil
		},
	}
}
