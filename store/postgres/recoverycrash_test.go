package postgres

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// envRecoveryCrashChild holds the database URL and study a re-executed test binary recovers,
// dying inside the recovery transaction.
const envRecoveryCrashChild = "ATTNSEARCH_PG_RECOVERY_CRASH_CHILD"

// TestRecoveryCrashChild is the child side of TestCrashBetweenRecoveryHalves: it recovers every
// RUNNING trial of study "r" and kills itself with SIGKILL between marking them and enqueueing
// their retries, with the transaction open on the server.
func TestRecoveryCrashChild(t *testing.T) {
	url := os.Getenv(envRecoveryCrashChild)
	if url == "" {
		t.Skip("child process of TestCrashBetweenRecoveryHalves only")
	}
	s, err := OpenWith(context.Background(), url, Options{Hooks: store.Hooks{InRecovery: func([]int) error {
		return syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}}})
	must(t, err)
	id, err := s.GetStudyIDFromName("r")
	must(t, err)
	_, err = s.RecoverStale(id, 0)
	t.Fatalf("RecoverStale returned (%v) instead of dying inside", err)
}

// TestCrashBetweenRecoveryHalves kills a process inside its recovery transaction, after it has
// marked two dead trials FAIL and before it has enqueued their retries: the server rolls the
// transaction back, and the next recovery fails and retries each trial once, with its point.
func TestCrashBetweenRecoveryHalves(t *testing.T) {
	s, url := openTest(t, Options{})
	study := storetest.TwoRunningTrials(t, s)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecoveryCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envRecoveryCrashChild+"="+url)
	out, err := cmd.CombinedOutput()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die in its recovery: %v\n%s", err, out)
	}
	// Until the server notices the dead connection, its backend holds the rows' locks and
	// recovery skips them (SKIP LOCKED), as it skips rows a live recoverer holds.
	storetest.CheckRecoveredAfterCrash(t, s, study, func() []goptuna.FrozenTrial {
		var failed []goptuna.FrozenTrial
		for deadline := time.Now().Add(time.Minute); len(failed) < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			more, err := s.RecoverStale(study, 0)
			must(t, err)
			failed = append(failed, more...)
		}
		return failed
	})
}
