package command

import (
	"errors"
	"strings"
)

// ErrInterrupted is wrapped by the error Run returns when its context was cancelled before the
// command finished: the trial did not fail, it was stopped, and its point can be tried again.
var ErrInterrupted = errors.New("command: interrupted")

// FailureKind says why a trial command failed.
type FailureKind int

// Failure kinds.
const (
	FailStart        FailureKind = iota // the command could not be started
	FailExit                            // it exited with a non-zero status or was killed by a signal
	FailNoResult                        // it exited 0 without a result line
	FailMissingValue                    // the result lacks a required value
	FailNonFinite                       // a result value is NaN or infinite
	FailProtocol                        // a JSON object line broke the protocol
	FailTimeout                         // it ran past the timeout
)

// String names the kind as reports show it.
func (k FailureKind) String() string {
	switch k {
	case FailStart:
		return "start"
	case FailExit:
		return "exit"
	case FailNoResult:
		return "no result"
	case FailMissingValue:
		return "missing value"
	case FailNonFinite:
		return "non-finite value"
	case FailProtocol:
		return "protocol"
	case FailTimeout:
		return "timeout"
	}
	return "unknown"
}

// Failure is a trial command's failure: the trial fails, the study goes on.
type Failure struct {
	Kind   FailureKind // why
	Detail string      // what happened, e.g. "exit status 2" or "no value \"f2\" in the result line 7"
	Stderr []string    // the last lines of the command's stderr
}

// stderrInError is how many of the last stderr lines Error includes.
const stderrInError = 5

// Error is the detail followed by the last few stderr lines, on one line.
func (f *Failure) Error() string {
	var b strings.Builder
	b.WriteString("command: ")
	b.WriteString(f.Detail)
	if n := len(f.Stderr); n > 0 {
		b.WriteString("; stderr: ")
		b.WriteString(strings.Join(f.Stderr[max(0, n-stderrInError):], " | "))
	}
	return b.String()
}
