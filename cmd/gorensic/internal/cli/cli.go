package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// IO is where a command reads and writes: the process's standard streams
// in Main, buffers in tests.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Main runs gorensic with the process's arguments and streams, and returns
// its exit code. The first Ctrl-C (or SIGTERM) cancels the run; a second
// one kills the process.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore the default handlers: the next signal kills
	}()
	return Run(ctx, os.Args[1:], IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
}

// Run runs gorensic with args (without the program name) and returns the
// exit code; errors are printed to ios.ErrOut.
func Run(ctx context.Context, args []string, ios IO) int {
	root := newRootCommand(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return exitCode(err, ios.ErrOut)
}

func newRootCommand(ios IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "gorensic",
		Short: "Goroutine dump, profile and trace forensics",
		Long: `gorensic reads goroutine dumps (debug=2, crash output, SIGQUIT dumps, race
reports), goroutine profiles and execution traces, shows what the goroutines
of a Go program were doing, and runs detectors (leaks, runaway spawning,
blocked threads, lock contention, deadlocks, crashes, data races) that report
ranked findings with their stack evidence.

Exit codes: 0 success; 1 findings at or above --fail-on; 2 usage error or an
input that could not be read.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{err: err, command: c.CommandPath()}
	})
	root.AddCommand(
		newScanCommand(ios),
		newGroupsCommand(ios),
		newDetectorsCommand(ios),
		newExplainCommand(ios),
		newVersionCommand(ios),
	)
	return root
}
