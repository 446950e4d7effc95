package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/spf13/pflag"
)

// writeConfig writes a config file into a temporary directory.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gorensic.json")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigPrecedence checks that a threshold comes from its flag when
// given, else from the config file, else from the defaults.
func TestConfigPrecedence(t *testing.T) {
	file := writeConfig(t, `{"leak_min_count": 25, "syscall_min_wait": "2m", "runaway_min_share": 0.25}`)
	def := detect.DefaultConfig()
	for _, tc := range []struct {
		name string
		args []string
		want func(c *detect.Config)
	}{
		{"defaults", nil, func(c *detect.Config) {}},
		{"file", []string{"--config", file}, func(c *detect.Config) {
			c.LeakMinCount, c.SyscallMinWait, c.RunawayMinShare = 25, detect.Duration(2*time.Minute), 0.25
		}},
		{"flag over file", []string{"--config", file, "--leak-min-count", "7", "--syscall-min-wait", "30s"}, func(c *detect.Config) {
			c.LeakMinCount, c.SyscallMinWait, c.RunawayMinShare = 7, detect.Duration(30*time.Second), 0.25
		}},
		{"flag before the file on the command line", []string{"--leak-min-count", "7", "--config", file}, func(c *detect.Config) {
			c.LeakMinCount, c.SyscallMinWait, c.RunawayMinShare = 7, detect.Duration(2*time.Minute), 0.25
		}},
		{"flag without file", []string{"--contention-min-waiters", "3", "--runaway-min-count", "500"}, func(c *detect.Config) {
			c.ContentionMinWaiters, c.RunawayMinCount = 3, 500
		}},
		{"flag equal to the default still overrides the file", []string{"--config", file, "--leak-min-count", "10"}, func(c *detect.Config) {
			c.LeakMinCount, c.SyscallMinWait, c.RunawayMinShare = 10, detect.Duration(2*time.Minute), 0.25
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := defaultDetectOptions()
			fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
			opts.addFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := opts.config("gorensic scan", fs)
			if err != nil {
				t.Fatal(err)
			}
			want := def
			tc.want(&want)
			if got != want {
				t.Errorf("config = %+v\nwant     %+v", got, want)
			}
		})
	}
}

// TestConfigChangesFindings checks the precedence end to end: the runaway
// spawn fixture (1,500 goroutines from one site) is reported with the
// default threshold (1,000) and not with 2,000, whether that comes from
// the file or a flag, and a flag wins over the file.
func TestConfigChangesFindings(t *testing.T) {
	input := captured(t, "runaway-spawn", "goroutine-debug2.txt")[0]
	high := writeConfig(t, `{"runaway_min_count": 2000}`)
	for _, tc := range []struct {
		name    string
		args    []string
		runaway bool
	}{
		{"defaults", nil, true},
		{"file raises the threshold", []string{"--config", high}, false},
		{"flag raises the threshold", []string{"--runaway-min-count", "2000"}, false},
		{"flag lowers it back over the file", []string{"--config", high, "--runaway-min-count", "1000"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, res := scanFindings(t, append(tc.args, input)...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			found := false
			for _, f := range doc.Findings {
				found = found || f.Kind == "runaway"
			}
			if found != tc.runaway {
				t.Errorf("runaway finding: %v, want %v", found, tc.runaway)
			}
		})
	}
}

// TestConfigErrors checks that bad config files and threshold values are
// usage errors naming what is wrong, before any input is read.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string // file content, "" for no --config
		args   []string
		stderr []string
	}{
		{"missing file", "", []string{"--config", "no-such-config.json"}, []string{"--config: open no-such-config.json"}},
		{"not JSON", "leak_min_count = 3", nil, []string{"--config:", "invalid character"}},
		{"misspelt key", `{"leak_min_cout": 3}`, nil, []string{"--config:", `unknown field "leak_min_cout"`}},
		{"bad duration", `{"leak_min_wait": "soon"}`, nil, []string{"--config:", "soon"}},
		{"zero count in file", `{"leak_min_count": 0}`, nil, []string{`"leak_min_count" in the config file`, "must be 1 or more"}},
		{"negative flag", "", []string{"--syscall-min-wait", "-1m"}, []string{"--syscall-min-wait", "must not be negative"}},
		{"share above 1", "", []string{"--runaway-min-share", "1.5"}, []string{"--runaway-min-share", "from 0 to 1"}},
		{"not a number", "", []string{"--leak-min-count", "many"}, []string{`"--leak-min-count"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"scan"}
			if tc.config != "" {
				args = append(args, "--config", writeConfig(t, tc.config))
			}
			args = append(append(args, tc.args...), testDump)
			res := run(t, nil, args...)
			if res.code != 2 || res.stdout != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing", res.code, res.stdout)
			}
			for _, s := range append(tc.stderr, "Run 'gorensic scan --help'") {
				if !strings.Contains(res.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, res.stderr)
				}
			}
		})
	}
}

// TestThresholdFlagsCoverConfig checks that every detect.Config key has a
// threshold flag, so the flags and the file offer the same settings.
func TestThresholdFlagsCoverConfig(t *testing.T) {
	keys := objectKeys(t, mustJSON(t, detect.DefaultConfig()))
	var flagged []string
	for _, th := range thresholds() {
		flagged = append(flagged, th.key)
		if th.flag != strings.ReplaceAll(th.key, "_", "-") {
			t.Errorf("flag --%s does not match its config key %q", th.flag, th.key)
		}
	}
	if strings.Join(keys, ",") != strings.Join(flagged, ",") {
		t.Errorf("config keys %v, threshold flags for %v", keys, flagged)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
