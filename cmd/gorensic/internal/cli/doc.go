// Package cli holds gorensic's commands: one file per verb, each with an
// Options struct its flags are bound to and a run function that takes the
// options and an IO, so tests run commands in-process with buffers.
//
// There is no global root command and no init wiring: Run builds the
// command tree for each invocation, and maps the error it ends with to the
// exit code in one place (see exitCode).
package cli
