// Package report renders what gorensic found for people and for programs.
//
// It never reads inputs: the commands read them through package parse and
// hand report model values (parse.Snapshot, parse.Group) turned into small
// result values (Scan, Groups). A Formatter renders a result in one output
// format; New returns the Formatter for a Format:
//
//   - table: plain ASCII for an 80-120 column terminal that pastes well
//     into a ticket; stacks as indented lines, never inside table cells.
//   - json: indented, with a stable field order (structs, not maps), and
//     the "gorensic/v1" contract of design.md for scan results.
//
// Each format lives in its own file; table.go is the only file that knows
// the tablewriter API.
package report
