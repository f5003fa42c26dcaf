package postgres

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
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
	study, err := s.CreateNewStudy("r")
	must(t, err)
	for i := 0; i < 2; i++ {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialParam(id, "x", float64(i)/4, goptuna.UniformDistribution{Low: 0, High: 1}))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecoveryCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envRecoveryCrashChild+"="+url)
	out, err := cmd.CombinedOutput()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die in its recovery: %v\n%s", err, out)
	}
	all, err := s.GetAllTrials(study)
	must(t, err)
	if len(all) != 2 || all[0].State != goptuna.TrialStateRunning || all[1].State != goptuna.TrialStateRunning {
		t.Fatalf("after the crash: %+v; want the two RUNNING trials alone", all)
	}
	// Until the server notices the dead connection, its backend holds the rows' locks and
	// recovery skips them (SKIP LOCKED), as it skips rows a live recoverer holds.
	var failed []goptuna.FrozenTrial
	for deadline := time.Now().Add(time.Minute); len(failed) < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		more, err := s.RecoverStale(study, 0)
		must(t, err)
		failed = append(failed, more...)
	}
	if len(failed) != 2 || failed[0].ID == failed[1].ID {
		t.Fatalf("recovery after the crash failed %+v, want each trial once", failed)
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
