package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gorensic/gorensic/parse"
	"github.com/gorensic/gorensic/report"
	"github.com/spf13/pflag"
)

// InputOptions are the flags of every verb that reads inputs.
type InputOptions struct {
	Timeout         time.Duration // per http(s) input
	MaxDecompressed byteSize      // parse.Options.MaxDecompressed
}

// inputsHelp explains INPUT in the help of every verb that reads inputs.
const inputsHelp = `Each INPUT is a file; a directory, read recursively (every regular file,
sorted, each reported on its own; files that are not a dump, profile or trace
are skipped with a note); "-" for stdin; or an http(s) URL of a live
/debug/pprof endpoint, such as
  http://localhost:6060/debug/pprof/goroutine?debug=2
gzip-compressed inputs are read transparently.

When some inputs cannot be read, the others are still reported, the errors
are printed to stderr, and gorensic exits 2.`

func defaultInputOptions() InputOptions {
	return InputOptions{Timeout: 30 * time.Second, MaxDecompressed: parse.DefaultMaxDecompressed}
}

func (o *InputOptions) addFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "time limit for fetching each http(s) input")
	fs.Var(byteSizeValue{&o.MaxDecompressed}, "max-decompressed", `largest size a gzip input may expand to ("8GiB", "512MiB", "unlimited")`)
}

func (o *InputOptions) parseOptions() parse.Options {
	return parse.Options{MaxDecompressed: int64(o.MaxDecompressed)}
}

// checkInputArgs validates the INPUT arguments of a command.
func checkInputArgs(command string, args []string) error {
	if len(args) == 0 {
		return usagef(command, "no input: give files, directories, - for stdin, or http(s) URLs")
	}
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usagef(command, `"-" (stdin) given %d times; it can be read once`, stdin)
	}
	return nil
}

// inputReader reads the inputs of one run, in order, hands their
// snapshots to use, and records what became of those that yielded none.
type inputReader struct {
	ios     IO
	opts    InputOptions
	client  *http.Client
	use     func([]*parse.Snapshot)
	outcome report.Outcome
}

// readInputs reads every input named by args and hands the snapshots of
// each to use, in order. Inputs that fail are printed to stderr and
// recorded in the outcome; the only error returned is the cancellation of
// ctx, which stops the run.
func readInputs(ctx context.Context, ios IO, args []string, opts InputOptions, use func([]*parse.Snapshot)) (report.Outcome, error) {
	r := &inputReader{ios: ios, opts: opts, client: &http.Client{}, use: use}
	for _, arg := range args {
		if err := ctx.Err(); err != nil {
			return r.outcome, err
		}
		switch {
		case arg == "-":
			r.read(ctx, arg, false, func() ([]*parse.Snapshot, error) {
				return parse.Read(ctx, arg, ios.In, opts.parseOptions())
			})
		case isURL(arg):
			r.read(ctx, arg, false, func() ([]*parse.Snapshot, error) {
				return fetch(ctx, r.client, arg, opts.Timeout, opts.parseOptions())
			})
		default:
			r.readPath(ctx, arg)
		}
	}
	return r.outcome, ctx.Err()
}

// readPath reads a file, or every file under a directory.
func (r *inputReader) readPath(ctx context.Context, path string) {
	fi, err := os.Stat(path)
	if err != nil {
		r.fail(path, err)
		return
	}
	if !fi.IsDir() {
		r.readFile(ctx, path, false)
		return
	}
	for _, f := range walkDir(path, r.skip, r.fail) {
		if ctx.Err() != nil {
			return
		}
		r.readFile(ctx, f, true)
	}
}

func (r *inputReader) readFile(ctx context.Context, path string, inDir bool) {
	r.read(ctx, path, inDir, func() ([]*parse.Snapshot, error) {
		defer gcForInput(path, os.LookupEnv)()
		return parse.ReadFile(ctx, path, r.opts.parseOptions())
	})
}

// read runs one input's reader and sorts the result: snapshots go to use;
// inputs found by a directory walk that are not recognised, or recognised
// but not readable by this build, are skipped; anything else fails.
func (r *inputReader) read(ctx context.Context, name string, inDir bool, readIt func() ([]*parse.Snapshot, error)) {
	snaps, err := readIt()
	switch {
	case ctx.Err() != nil:
		// Cancelled: readInputs stops; the input is neither read nor failed.
	case err == nil && len(snaps) > 0:
		r.use(snaps)
	case err == nil:
		r.fail(name, errors.New("no snapshot in the input"))
	case inDir && (errors.Is(err, parse.ErrUnrecognized) || errors.Is(err, parse.ErrUnsupported)):
		r.skip(name, err)
	default:
		r.fail(name, err)
	}
}

// skip notes an input left out on purpose.
func (r *inputReader) skip(name string, err error) {
	reason := reasonOf(err)
	fmt.Fprintf(r.ios.ErrOut, "gorensic: skipped %s: %s\n", name, reason)
	r.outcome.Skipped = append(r.outcome.Skipped, report.Skipped{Name: name, Reason: reason})
}

// fail reports an input that could not be read.
func (r *inputReader) fail(name string, err error) {
	reason := reasonOf(err)
	fmt.Fprintf(r.ios.ErrOut, "gorensic: %s: %s\n", name, reason)
	r.outcome.Failed = append(r.outcome.Failed, report.Failed{Name: name, Reason: reason})
}

// reasonOf renders an input's error without the input's name, which the
// errors of parse and os carry and the caller prints once.
func reasonOf(err error) string {
	switch in := err.(type) {
	case *parse.InputError:
		switch {
		case in.Line > 0:
			return fmt.Sprintf("line %d: %v", in.Line, in.Err)
		case in.Offset > 0:
			return fmt.Sprintf("offset %d: %v", in.Offset, in.Err)
		}
		return in.Err.Error()
	case *fs.PathError:
		return in.Err.Error()
	}
	return err.Error()
}

// isURL reports whether arg names an http(s) input.
func isURL(arg string) bool {
	u, err := url.Parse(arg)
	return err == nil && (strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")) && u.Host != ""
}
