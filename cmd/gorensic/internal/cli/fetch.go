package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorensic/gorensic/parse"
)

// fetch reads a live /debug/pprof endpoint: one GET, within timeout, whose
// body goes through parse.Read. A non-2xx status is an error quoting the
// start of the body, which usually says what is wrong.
func fetch(ctx context.Context, client *http.Client, rawURL string, timeout time.Duration, opts parse.Options) ([]*parse.Snapshot, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "gorensic")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fetchError(ctx, timeout, "no response", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("HTTP %s%s", resp.Status, bodyHint(resp.Body))
	}
	snaps, err := parse.Read(ctx, rawURL, resp.Body, opts)
	if err != nil && ctx.Err() != nil {
		return nil, fetchError(ctx, timeout, "response incomplete", err)
	}
	return snaps, err
}

// fetchError explains a failed request: a timeout names the flag that sets
// it; other errors drop the URL that *url.Error repeats.
func fetchError(ctx context.Context, timeout time.Duration, what string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s within %s (--timeout)", what, timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// bodyHint returns ": " and the first line of an error response body,
// quoted and cut short, or "" when there is none.
func bodyHint(body io.Reader) string {
	line, _ := bufio.NewReader(io.LimitReader(body, 512)).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "" {
		return ""
	}
	if len(line) > 120 {
		line = line[:120] + "..."
	}
	return ": " + strconv.Quote(line)
}
