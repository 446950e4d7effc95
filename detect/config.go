package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Config holds the detectors' thresholds. Its zero value is not useful:
// start from DefaultConfig. It can be read from a JSON file (LoadConfig)
// whose keys are the json tags below; flags override single values.
type Config struct {
	// Leaks: goroutines blocked at one channel/sync site.
	LeakMinCount      int      `json:"leak_min_count"`  // at one site, to report at all
	LeakWarnCount     int      `json:"leak_warn_count"` // at one site, for warning
	LeakCriticalCount int      `json:"leak_critical_count"`
	LeakMinWait       Duration `json:"leak_min_wait"` // median wait that makes a blocked site suspicious

	// Blocked threads.
	SyscallMinWait Duration `json:"syscall_min_wait"` // a syscall this long holds its thread too long
	SyscallBurst   int      `json:"syscall_burst"`    // goroutines in syscalls at once that threaten thread exhaustion

	// Contention.
	ContentionMinWaiters int      `json:"contention_min_waiters"` // goroutines waiting on one lock site
	ContentionMinDelay   Duration `json:"contention_min_delay"`   // total delay at one site in a mutex/block profile

	// Runaway spawning.
	RunawayMinCount int     `json:"runaway_min_count"` // goroutines from one creation site
	RunawayMinShare float64 `json:"runaway_min_share"` // share of all goroutines from one site
}

// DefaultConfig returns thresholds that keep healthy programs quiet.
func DefaultConfig() Config {
	return Config{
		LeakMinCount:         10,
		LeakWarnCount:        50,
		LeakCriticalCount:    1000,
		LeakMinWait:          Duration(10 * time.Minute),
		SyscallMinWait:       Duration(5 * time.Minute),
		SyscallBurst:         1000,
		ContentionMinWaiters: 10,
		ContentionMinDelay:   Duration(time.Second),
		RunawayMinCount:      1000,
		RunawayMinShare:      0.5,
	}
}

// LoadConfig reads a JSON config file over the defaults.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt threshold must not be ignored
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Duration is a time.Duration written as "10m" in JSON.
type Duration time.Duration

func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"10m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
