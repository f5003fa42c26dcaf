// Package command runs one trial as an external command — a user's own training script — and
// speaks the trial-command protocol with it:
//
//   - The command is started with its argv in a given directory, with extra environment
//     variables, in a process group of its own.
//   - It receives one JSON object on stdin, then end of file:
//     {"trial": <number>, "seed": <int>, "params": {<name>: <value>, ...}}
//     Integer parameters are JSON integers, floats always carry a fraction or an exponent
//     (1.0, not 1), categorical parameters are their declared values (string, number, bool).
//   - Every stdout line that is a JSON object is a protocol line. Zero or more progress lines
//     {"step": <int>, "values": {<name>: <number>, ...}} with strictly increasing steps go to
//     Command.OnProgress, which can stop the command (pruning) by returning an error. The last
//     protocol line, {"values": {<name>: <number>, ...}}, is the result. Stdout lines that are not
//     JSON objects are the trial's log (the last Command.LogLines are kept); stderr is kept as a
//     tail of its last lines for failure reasons. Values may be written as Python's json module
//     writes them, NaN and Infinity included; a non-finite value in the result fails the trial.
//   - The trial fails (a *Failure, with its reason and the last lines of stderr) on a non-zero
//     exit, a missing result line, a missing required value, a non-finite result value, a protocol
//     error, or the timeout.
//
// Stopping (pruning, timeout, protocol error, cancellation) sends SIGTERM to the whole process
// group and SIGKILL after Command.Grace. When the command exits on its own, what is left of its
// process group is killed, so no process of a trial outlives it. On Linux the command also gets
// SIGKILL when the process that started it dies (Pdeathsig), so a killed search leaves no
// trainer running; processes the command starts itself should exit with their parent. A
// cancelled context stops the command and Run returns an error wrapping ErrInterrupted, distinct
// from a failure, so that the caller can retry the point.
//
// The package knows processes and the protocol only; what the values mean (objectives,
// constraints, pruning decisions, storage) belongs to its caller.
package command
