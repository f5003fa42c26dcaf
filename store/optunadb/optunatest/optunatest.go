package optunatest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Python is Debian's python3, the one that sees python3-optuna.
const Python = "/usr/bin/python3"

// Need skips tb when Python cannot import optuna (fails it under CI).
func Need(tb testing.TB) {
	tb.Helper()
	if err := exec.Command(Python, "-c", "import optuna").Run(); err != nil {
		if os.Getenv("CI") == "" {
			tb.Skipf("python3-optuna not installed (%v)", err)
		}
		tb.Fatalf("python3-optuna is required under CI: %v", err)
	}
}

// Run runs Python with args (a script and its arguments, or -c and code) and returns its output;
// a failure fails tb with the output.
func Run(tb testing.TB, args ...string) string {
	tb.Helper()
	Need(tb)
	out, err := exec.Command(Python, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("python %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
