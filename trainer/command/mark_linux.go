//go:build linux

package command

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// KillMarked sends SIGKILL to every process it may signal whose environment carries
// MarkEnv=mark: what is left of a trial command whose runner died (its leader dies with the
// runner, see Pdeathsig, but processes the command started may not). It returns their pids.
// Processes that cleared their environment are not found.
func KillMarked(mark string) ([]int, error) {
	if mark == "" {
		return nil, fmt.Errorf("command: kill marked: empty mark")
	}
	want := []byte("\x00" + MarkEnv + "=" + mark + "\x00")
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("command: kill marked: %w", err)
	}
	self := os.Getpid()
	var killed []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !bytes.Contains(append([]byte{0}, env...), want) {
			continue // gone, another user's, or not marked
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err == nil {
			killed = append(killed, pid)
		}
	}
	return killed, nil
}
