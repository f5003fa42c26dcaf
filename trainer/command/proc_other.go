//go:build !unix

package command

import (
	"os"
	"syscall"
)

// procAttr has no process groups to set up here.
func procAttr() *syscall.SysProcAttr { return nil }

// signalGroup kills the command itself: without process groups there is no gentler stop.
func signalGroup(p *os.Process, _ bool) { _ = p.Kill() }

// waitExited cannot wait without reaping here.
func waitExited(*os.Process) bool { return false }
