// Package detect runs independent detectors over a parse.Snapshot and ranks
// what they find.
//
// A detector is a value, in the spirit of golang.org/x/tools/go/analysis: a
// stable name, its documentation (which `gorensic explain NAME` prints), the
// input capabilities it needs (it is skipped, and listed as skipped, when the
// snapshot lacks them) and a Run function that reports Findings through its
// Pass. Detectors never print and never read inputs; they look only at the
// model, mostly at its groups (goroutines with the same state, stack and
// creator), so their cost grows with distinct stacks rather than with
// goroutines.
//
// Run ranks findings by severity, then by score, then by fingerprint, so the
// order is deterministic. A fingerprint hashes the detector, the kind and
// the normalised culprit and creation functions: no goroutine IDs,
// addresses or line numbers, so it is stable across restarts and deploys and
// can be used in baselines.
package detect
