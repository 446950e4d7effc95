package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1 // findings at or above --fail-on
	exitError    = 2 // usage error, or an input that could not be read
)

// usageError is a command line gorensic cannot run: a bad flag, a missing
// argument. It exits 2 with a pointer to the help.
type usageError struct {
	err     error
	command string // "gorensic scan"
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError for cmd.
func usagef(command, format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), command: command}
}

// FindingsError ends a scan that reported findings at or above the
// --fail-on severity; it exits 1.
type FindingsError struct {
	Count    int    // findings at or above the level
	Severity string // the --fail-on level
}

func (e *FindingsError) Error() string {
	return fmt.Sprintf("%d finding(s) at or above %s", e.Count, e.Severity)
}

// inputsError ends a run in which some inputs could not be read, or none
// held anything to show. The reasons were printed as they happened.
type inputsError struct {
	read, skipped, failed int
}

func (e *inputsError) Error() string {
	if e.read > 0 {
		return fmt.Sprintf("%d input(s) could not be read; the output covers the others", e.failed)
	}
	var parts []string
	if e.skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", e.skipped))
	}
	if e.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", e.failed))
	}
	return fmt.Sprintf("no input could be read (%s)", strings.Join(parts, ", "))
}

// exitCode prints err, if any, to stderr and returns the exit code it maps
// to. It is the one place errors become exit codes.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var (
		usage    *usageError
		findings *FindingsError
	)
	switch {
	case errors.As(err, &findings):
		fmt.Fprintf(stderr, "gorensic: %v\n", err)
		return exitFindings
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "gorensic: %v\nRun '%s --help' for usage.\n", err, usage.command)
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "gorensic: interrupted")
	default:
		fmt.Fprintf(stderr, "gorensic: %v\n", err)
	}
	return exitError
}
