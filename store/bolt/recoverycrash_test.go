package bolt

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/storetest"
	"github.com/c-bata/goptuna"
)

// envRecoveryCrashChild names the store file a re-executed test binary recovers, dying inside
// the recovery transaction.
const envRecoveryCrashChild = "ATTNSEARCH_STORE_RECOVERY_CRASH_CHILD"

// TestRecoveryCrashChild is the child side of TestCrashBetweenRecoveryHalves: it opens the store
// with recovery at Open and kills itself with SIGKILL between marking the dead trials and
// enqueueing their retries.
func TestRecoveryCrashChild(t *testing.T) {
	childSide(t, envRecoveryCrashChild, "TestCrashBetweenRecoveryHalves", func(path string) error {
		_, err := Open(path, Options{RecoverOnOpen: true, Hooks: store.Hooks{InRecovery: func([]int) error {
			return syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}}})
		return err
	})
}

// TestCrashBetweenRecoveryHalves kills a process inside its recovery transaction, after it has
// marked two dead trials FAIL and before it has enqueued their retries: the file holds neither
// half, and the next recovery fails and retries each trial once, with its point.
func TestCrashBetweenRecoveryHalves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := Open(path, Options{NoSnapshot: true})
	must(t, err)
	study := storetest.TwoRunningTrials(t, s)
	must(t, s.Close())
	cmd := childCmd("TestRecoveryCrashChild", envRecoveryCrashChild, path)
	err = cmd.Run()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die in its recovery: %v", err)
	}
	s, err = Open(path, Options{NoSnapshot: true, LockTimeout: 10 * time.Second})
	must(t, err)
	defer s.Close()
	storetest.CheckRecoveredAfterCrash(t, s, study, func() []goptuna.FrozenTrial {
		failed, err := s.RecoverStale(study, 0)
		must(t, err)
		return failed
	})
}
