//go:build !linux

package trainer

import "time"

// processCPU is not read off Linux.
func processCPU() (time.Duration, bool) { return 0, false }
