package cputime

import (
	"syscall"
	"time"
	"unsafe"
)

// Process is the CPU time of the whole process, every thread (OpenBLAS's included), from
// CLOCK_PROCESS_CPUTIME_ID; ok false where it cannot be read.
func Process() (d time.Duration, ok bool) {
	var ts syscall.Timespec
	const clockProcessCPUTimeID = 2
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
