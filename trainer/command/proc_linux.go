//go:build linux

package command

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// procAttr puts the command in a process group of its own and kills it when the thread that
// started it dies (the Go runtime does not end its threads, so: when this process dies).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends SIGTERM (or SIGKILL when kill) to p's process group.
func signalGroup(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-p.Pid, sig) // ESRCH: the group is gone already
}

// waitExited blocks until p has exited, leaving it unreaped so that its pid, and with it the
// process group ID, cannot be reused before the group is swept; it reports whether it could.
func waitExited(p *os.Process) bool {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, p.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil
	}
}
