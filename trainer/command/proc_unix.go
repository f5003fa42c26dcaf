//go:build unix && !linux

package command

import (
	"os"
	"syscall"
)

// procAttr puts the command in a process group of its own.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends SIGTERM (or SIGKILL when kill) to p's process group.
func signalGroup(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-p.Pid, sig) // ESRCH: the group is gone already
}

// waitExited cannot wait without reaping here: the group is swept just after the leader is
// reaped.
func waitExited(*os.Process) bool { return false }
