package bolt

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Tests that need a second process re-execute the test binary, running only their child test,
// with the store file in an environment variable.

// childSide runs child on the store file named by env when the test binary was re-executed by
// parent (childCmd); otherwise it skips. A child that fails prints "error …" and exits 3.
func childSide(t *testing.T, env, parent string, child func(path string) error) {
	path := os.Getenv(env)
	if path == "" {
		t.Skip("child process of " + parent + " only")
	}
	if err := child(path); err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
}

// childCmd re-executes the test binary to run only the test called child on the store file path,
// passed in env; its stderr is the parent's.
func childCmd(child, env, path string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+path)
	cmd.Stderr = os.Stderr
	return cmd
}
