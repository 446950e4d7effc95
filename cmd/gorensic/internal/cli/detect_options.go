package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/detectors"
	"github.com/spf13/pflag"
)

// DetectOptions choose the detectors a scan runs and their thresholds.
// Thresholds come from the defaults, then the --config file, then the
// threshold flags that were given: a flag overrides the file, which
// overrides the defaults.
type DetectOptions struct {
	ConfigFile string   // --config: a JSON file of detect.Config keys
	Only       []string // --detectors: run only these (empty: all)
	Skip       []string // --skip-detectors: leave these out
	// flagged holds the values of the threshold flags; only those whose
	// flag was given are applied.
	flagged detect.Config
}

func defaultDetectOptions() DetectOptions {
	return DetectOptions{flagged: detect.DefaultConfig()}
}

// detectHelp explains the detector options in the help of scan.
const detectHelp = `Thresholds start from the defaults (shown with each flag), then the JSON
file given to --config (keys such as "leak_min_count": 10 and
"syscall_min_wait": "5m"; gorensic detectors lists the detectors), then the
threshold flags given on the command line: a flag overrides the file, which
overrides the defaults.`

func (o *DetectOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.ConfigFile, "config", "", "read detector thresholds from this JSON file")
	fs.StringSliceVar(&o.Only, "detectors", nil, "run only these detectors (comma-separated names, see gorensic detectors)")
	fs.StringSliceVar(&o.Skip, "skip-detectors", nil, "do not run these detectors (comma-separated names)")
	for _, th := range thresholds() {
		th.register(fs, &o.flagged)
	}
}

// detectors returns the detectors to run, in the order of detectors.All,
// each guarded so that a panicking detector fails its input instead of
// the whole run.
func (o *DetectOptions) detectors(command string) ([]*detect.Detector, error) {
	all := detectors.All()
	for _, flag := range []struct {
		name  string
		names []string
	}{{"--detectors", o.Only}, {"--skip-detectors", o.Skip}} {
		for _, n := range flag.names {
			if _, ok := detectors.ByName(n); !ok {
				return nil, usagef(command, "%s: unknown detector %q (known: %s)", flag.name, n, strings.Join(detectorNames(), ", "))
			}
		}
	}
	var out []*detect.Detector
	for _, d := range all {
		if (len(o.Only) == 0 || slices.Contains(o.Only, d.Name)) && !slices.Contains(o.Skip, d.Name) {
			out = append(out, guard(d))
		}
	}
	if len(out) == 0 {
		return nil, usagef(command, "--detectors and --skip-detectors leave no detector to run")
	}
	return out, nil
}

// guard returns a copy of d whose Run turns a panic into an error, which
// detect.Run names with the detector and the input.
func guard(d *detect.Detector) *detect.Detector {
	g := *d
	g.Run = func(p *detect.Pass) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return d.Run(p)
	}
	return &g
}

// detectorNames lists the names of every detector.
func detectorNames() []string {
	var names []string
	for _, d := range detectors.All() {
		names = append(names, d.Name)
	}
	return names
}

// config returns the thresholds: the defaults, overridden by the --config
// file, overridden by the threshold flags set in fs.
func (o *DetectOptions) config(command string, fs *pflag.FlagSet) (detect.Config, error) {
	cfg := detect.DefaultConfig()
	if o.ConfigFile != "" {
		var err error
		if cfg, err = loadConfig(o.ConfigFile); err != nil {
			return cfg, usagef(command, "--config: %w", err)
		}
	}
	for _, th := range thresholds() {
		if fs.Changed(th.flag) {
			th.copy(&cfg, &o.flagged)
		}
	}
	for _, th := range thresholds() {
		if err := th.check(&cfg); err != nil {
			return cfg, usagef(command, "--%s (or %q in the config file): %w", th.flag, th.key, err)
		}
	}
	return cfg, nil
}

// loadConfig reads a config file with detect.LoadConfig, and rejects keys
// it does not know, which LoadConfig ignores: a misspelt threshold must
// not silently keep its default.
func loadConfig(path string) (detect.Config, error) {
	cfg, err := detect.LoadConfig(path)
	if err != nil {
		return cfg, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var strict detect.Config
	if err := dec.Decode(&strict); err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}
