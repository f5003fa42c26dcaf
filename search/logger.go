package search

import (
	"fmt"
	"strings"

	"github.com/c-bata/goptuna"
)

// quietLogger replaces goptuna's default logger (colour debug lines on stdout): it drops debug
// and info lines and hands warnings and errors to warn, if set.
type quietLogger struct {
	warn func(msg string)
}

var _ goptuna.Logger = quietLogger{}

// Debug drops the message.
func (quietLogger) Debug(string, ...interface{}) {}

// Info drops the message.
func (quietLogger) Info(string, ...interface{}) {}

// Warn forwards the message.
func (l quietLogger) Warn(msg string, fields ...interface{}) {
	l.emit("goptuna warning: ", msg, fields)
}

// Error forwards the message.
func (l quietLogger) Error(msg string, fields ...interface{}) { l.emit("goptuna error: ", msg, fields) }

// emit formats one line for warn.
func (l quietLogger) emit(prefix, msg string, fields []interface{}) {
	if l.warn == nil {
		return
	}
	parts := []string{prefix + msg}
	for _, f := range fields {
		parts = append(parts, fmt.Sprint(f))
	}
	l.warn(strings.Join(parts, " "))
}
