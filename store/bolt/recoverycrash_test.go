package bolt

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
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
	study, err := s.CreateNewStudy("r")
	must(t, err)
	for i := 0; i < 2; i++ {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialParam(id, "x", float64(i)/4, goptuna.UniformDistribution{Low: 0, High: 1}))
	}
	must(t, s.Close())
	cmd := childCmd("TestRecoveryCrashChild", envRecoveryCrashChild, path)
	err = cmd.Run()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die in its recovery: %v", err)
	}
	s, err = Open(path, Options{NoSnapshot: true, LockTimeout: 10 * time.Second})
	must(t, err)
	defer s.Close()
	all, err := s.GetAllTrials(study)
	must(t, err)
	if len(all) != 2 || all[0].State != goptuna.TrialStateRunning || all[1].State != goptuna.TrialStateRunning {
		t.Fatalf("after the crash: %+v; want the two RUNNING trials alone", all)
	}
	failed, err := s.RecoverStale(study, 0)
	must(t, err)
	if len(failed) != 2 {
		t.Fatalf("recovery after the crash failed %d trials", len(failed))
	}
	all, err = s.GetAllTrials(study)
	must(t, err)
	if len(all) != 4 {
		t.Fatalf("%d trials after recovery, want 2 failed and 2 retries", len(all))
	}
	for i, w := range all[2:] {
		if w.State != goptuna.TrialStateWaiting || w.SystemAttrs[record.SysRetryOf] != []string{"0", "1"}[i] ||
			w.SystemAttrs[record.SysFixedParams] != []string{`{"x":0}`, `{"x":0.25}`}[i] {
			t.Fatalf("retry %d: %+v", i, w)
		}
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("Requeue after recovery: %d, %v", n, err)
	}
}
