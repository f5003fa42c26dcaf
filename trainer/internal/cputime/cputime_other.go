//go:build !linux

package cputime

import "time"

// Process is not read off Linux: ok is always false.
func Process() (d time.Duration, ok bool) { return 0, false }
