//go:build !linux

package fastblas

import "time"

// processCPU is not read off Linux.
func processCPU() (time.Duration, bool) { return 0, false }
