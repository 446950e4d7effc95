// Package report renders what gorensic found for people and for programs.
//
// It never reads inputs and never detects: the commands read inputs
// through package parse and run package detect, and hand report model
// values (parse.Snapshot, parse.Group, detect.Result) turned into small
// result values (Scan, Groups, DetectorInfo). A Scan keeps one summary per
// snapshot and the findings of all of them, ranked across the inputs with
// detect's order (Scan.Rank), not the snapshots themselves. A Formatter
// renders a result in one output format; New returns the Formatter for a
// Format:
//
//   - table: plain text kept to 100 columns, for a terminal and a ticket;
//     stacks as indented lines, never inside table cells; info findings
//     counted but listed only on request (ScanView).
//   - json: indented, with a stable field order (structs, not maps), and
//     the "gorensic/v1" contract of design.md for scan results: every
//     finding, contract fields always present (null when unknown), additive
//     fields after them.
//
// Each format lives in its own file; table.go is the only file that knows
// the tablewriter API.
package report
