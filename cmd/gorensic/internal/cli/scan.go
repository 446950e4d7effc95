package cli

import (
	"bufio"
	"context"

	"github.com/gorensic/gorensic/parse"
	"github.com/gorensic/gorensic/report"
	"github.com/spf13/cobra"
)

// ScanOptions are the flags and arguments of "gorensic scan".
type ScanOptions struct {
	Inputs InputOptions
	Format report.Format
	// FailOn is the severity at or above which findings make scan exit 1.
	// It is validated now and applies once the detectors report findings.
	FailOn severityLevel
	Args   []string
}

func newScanCommand(ios IO) *cobra.Command {
	opts := &ScanOptions{Inputs: defaultInputOptions(), Format: report.FormatTable, FailOn: failNever}
	cmd := &cobra.Command{
		Use:   "scan INPUT...",
		Short: "Summarise each input: format, goroutines, states, crash, races, warnings",
		Long: `Scan reads each input and summarises every snapshot in it: its format, Go
version, goroutine count, goroutines by state, what the input can show, the
crash header, race reports, contention totals and the warnings raised while
reading it. A file that holds several dumps is reported per dump ("#index").

` + inputsHelp + `

With --format json the output follows the gorensic/v1 contract:
{"schema": "gorensic/v1", "inputs": [...], "findings": [...], ...}.`,
		Args: func(cmd *cobra.Command, args []string) error {
			return checkInputArgs(cmd.CommandPath(), args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			return runScan(cmd.Context(), opts, ios)
		},
	}
	fs := cmd.Flags()
	fs.Var(formatValue{&opts.Format}, "format", "output format: table or json")
	fs.Var(severityValue{&opts.FailOn}, "fail-on", "exit 1 when a finding is at or above this severity: warning, critical or none")
	opts.Inputs.addFlags(fs)
	return cmd
}

// runScan reads the inputs, summarises each snapshot as it is read (so a
// directory of large dumps is never all in memory) and renders the result.
func runScan(ctx context.Context, opts *ScanOptions, ios IO) error {
	formatter, err := report.New(opts.Format)
	if err != nil {
		return err
	}
	result := &report.Scan{}
	outcome, err := readInputs(ctx, ios, opts.Args, opts.Inputs, func(snaps []*parse.Snapshot) {
		for _, s := range snaps {
			result.Inputs = append(result.Inputs, report.Summarize(s, len(snaps) > 1))
		}
	})
	if err != nil {
		return err
	}
	result.Outcome = outcome
	if err := render(ios, func(w *bufio.Writer) error { return formatter.Scan(w, result) }); err != nil {
		return err
	}
	return inputsResult(outcome, len(result.Inputs))
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
