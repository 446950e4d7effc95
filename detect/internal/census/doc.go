// Package census counts goroutines by the two sites that explain most
// goroutine pile-ups, and decides which of the leak and runaway detectors
// owns each pile-up:
//
//   - blocking sites (the culprit frame and the channel or sync operation
//     it blocks in, grouped across stacks that differ below it, as Uber's
//     LeakProf does), which the leak detector reports;
//   - creation sites (the "created by" frame, or the entry function where
//     the input records no creators), which the runaway detector reports.
//
// Both detectors run the same analysis, so each can name the other's
// finding in Related and neither reports at warning or above what the other
// already reports: a finding with leak-specific evidence (the runtime's
// "(leaked)" mark, an operation that never wakes, long wait ages, a creator
// that returned) belongs to leak; a finding whose only evidence is the
// number of goroutines belongs to runaway once the runaway thresholds are
// met. The rules are documented in detect/leak and detect/runaway, whose
// package comments are the detectors' explain text.
package census
