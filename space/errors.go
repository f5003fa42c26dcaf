package space

import (
	"errors"
	"fmt"
)

// ErrStructural marks a point that breaks a structural rule of attention
// (d_model % heads == 0, heads % kv_heads == 0).
var ErrStructural = errors.New("structural rule of attention broken")

// Error is a problem in a space file, located by file, line, column and dotted field path.
type Error struct {
	File   string // space file name as given to Parse
	Line   int    // 1-based line, 0 when unknown
	Column int    // 1-based column, 0 when unknown
	Field  string // dotted field path ("budget.max_params"), "" for the whole file
	Msg    string // what is wrong
	Err    error  // underlying error, if any (e.g. fs.ErrNotExist for a missing corpus)
}

// Error renders "file:line:col: field: message".
func (e *Error) Error() string {
	loc := e.File
	if loc == "" {
		loc = "<space>"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
		if e.Column > 0 {
			loc = fmt.Sprintf("%s:%d", loc, e.Column)
		}
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
