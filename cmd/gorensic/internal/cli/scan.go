package cli

import (
	"bufio"
	"context"
	"fmt"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
	"github.com/gorensic/gorensic/report"
	"github.com/spf13/cobra"
)

// defaultEvidence is how many top findings the table shows in full.
const defaultEvidence = 3

// ScanOptions are the flags and arguments of "gorensic scan".
type ScanOptions struct {
	Inputs InputOptions
	Detect DetectOptions
	Format report.Format
	// FailOn is the severity at or above which findings make scan exit 1.
	FailOn severityLevel
	// All shows info findings in the table; JSON always has them.
	All bool
	// Evidence is how many of the top findings the table shows in full.
	Evidence int
	Args     []string
}

func newScanCommand(ios IO) *cobra.Command {
	opts := &ScanOptions{
		Inputs:   defaultInputOptions(),
		Detect:   defaultDetectOptions(),
		Format:   report.FormatTable,
		FailOn:   failNever,
		Evidence: defaultEvidence,
	}
	cmd := &cobra.Command{
		Use:   "scan INPUT...",
		Short: "Run the detectors over each input and report ranked findings",
		Long: `Scan reads each input, runs every detector over each snapshot in it (a file
that holds several dumps is reported per dump, "#index") and reports the
findings, ranked across all inputs: by severity (critical, warning, info),
then score, then fingerprint.

The table shows one input with its summary (format, Go version, goroutines,
states, crash, warnings), its findings, the detectors that were skipped (the
input cannot show what they look at), and the evidence of the top findings
(--evidence): their stacks as "gorensic groups" shows them, with wait ages,
goroutine IDs, labels, creation sites and notes, and the remedy. Several
inputs get one line each, a findings table under those that have findings,
the evidence of the top findings of the run, and a run summary at the end:
the top findings, one per kind and culprit, with the inputs they were seen in
(scan one input for its full summary and skipped detectors). Info findings
(healthy patterns, or too weak to act on) are counted but not listed in the
table unless --all is given.

With --format json the output follows the gorensic/v1 contract:
{"schema": "gorensic/v1", "inputs": [...], "findings": [...], ...}. Every
finding is there, info included, in rank order (rank 1..n across all inputs),
with "input", the index of its snapshot in "inputs", and "input_name". The
contract fields are always present: "wait" is null when the finding has no
wait ages (the input records none, as goroutine and contention profiles, or
the finding is not about waiting, as a crash), "culprit" and "created_by"
are null when unknown; durations are Go duration strings ("12m0s"). Each input lists the detectors skipped on it in
"skipped_detectors"; "counts" counts the findings by severity.

` + detectHelp + `

` + inputsHelp + `

Exit codes: 0 success; 1 a finding at or above --fail-on (after printing
everything); 2 a usage error or an input that could not be read, which wins
over 1.`,
		Args: func(cmd *cobra.Command, args []string) error {
			return checkInputArgs(cmd.CommandPath(), args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if opts.Evidence < 0 {
				return usagef(cmd.CommandPath(), "--evidence must be 0 (none) or more, not %d", opts.Evidence)
			}
			dets, err := opts.Detect.detectors(cmd.CommandPath())
			if err != nil {
				return err
			}
			cfg, err := opts.Detect.config(cmd.CommandPath(), cmd.Flags())
			if err != nil {
				return err
			}
			return runScan(cmd.Context(), opts, dets, cfg, ios)
		},
	}
	fs := cmd.Flags()
	fs.Var(formatValue{&opts.Format}, "format", "output format: table or json")
	fs.Var(severityValue{&opts.FailOn}, "fail-on", "exit 1 when a finding is at or above this severity: warning, critical or none")
	fs.BoolVar(&opts.All, "all", false, "list info findings in the table too (JSON always has them)")
	fs.IntVar(&opts.Evidence, "evidence", opts.Evidence, "show the stacks and remedy of the N top findings in the table (0: none)")
	opts.Detect.addFlags(fs)
	opts.Inputs.addFlags(fs)
	return cmd
}

// runScan reads the inputs and runs the detectors over each snapshot as
// it is read, keeping only summaries and findings (so a directory of large
// dumps is never all in memory), then ranks the findings across inputs
// and renders the result.
func runScan(ctx context.Context, opts *ScanOptions, dets []*detect.Detector, cfg detect.Config, ios IO) error {
	formatter, err := report.New(opts.Format)
	if err != nil {
		return err
	}
	result := &report.Scan{View: report.ScanView{All: opts.All, Evidence: opts.Evidence}}
	detectFailures := 0
	outcome, err := readInputs(ctx, ios, opts.Args, opts.Inputs, func(snaps []*parse.Snapshot) {
		for _, s := range snaps {
			sum := report.Summarize(s, len(snaps) > 1)
			res, err := detect.Run(ctx, s, dets, cfg, nil)
			if err != nil && ctx.Err() == nil {
				fmt.Fprintf(ios.ErrOut, "gorensic: %v\n", err) // detect.Run names the detector and the input
				sum.DetectError = err.Error()
				detectFailures++
			}
			result.AddInput(sum, res)
		}
	})
	if err != nil {
		return err
	}
	result.Outcome = outcome
	result.Rank()
	if err := render(ios, func(w *bufio.Writer) error { return formatter.Scan(w, result) }); err != nil {
		return err
	}
	if err := inputsResult(outcome, len(result.Inputs)); err != nil {
		return err
	}
	if detectFailures > 0 {
		return fmt.Errorf("the detectors failed on %d input(s); the output covers the others", detectFailures)
	}
	return findingsResult(result, opts.FailOn)
}

// findingsResult is the FindingsError a scan ends with when a finding is
// at or above the --fail-on level.
func findingsResult(result *report.Scan, failOn severityLevel) error {
	if failOn == failNever {
		return nil
	}
	level, err := detect.ParseSeverity(string(failOn))
	if err != nil {
		return err
	}
	if n := result.AtOrAbove(level); n > 0 {
		return &FindingsError{Count: n, Severity: string(failOn)}
	}
	return nil
}

// render writes a result through a buffer and flushes it.
func render(ios IO, write func(*bufio.Writer) error) error {
	w := bufio.NewWriter(ios.Out)
	if err := write(w); err != nil {
		return err
	}
	return w.Flush()
}

// inputsResult is the error a run ends with when inputs failed or none
// held a snapshot.
func inputsResult(o report.Outcome, read int) error {
	if len(o.Failed) > 0 || read == 0 {
		return &inputsError{read: read, skipped: len(o.Skipped), failed: len(o.Failed)}
	}
	return nil
}
