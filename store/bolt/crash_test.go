package bolt

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// envCrashChild names the store file a re-executed test binary writes to until it is killed.
const envCrashChild = "ATTNSEARCH_STORE_CRASH_CHILD"

// crashValue is the objective value the crash child stores for internal parameter x.
func crashValue(x float64) float64 { return math.Sin(x*7) / (x + 0.1) }

// TestCrashChild is the child side of TestCrashRecovery; it does nothing unless re-executed by it.
func TestCrashChild(t *testing.T) {
	childSide(t, envCrashChild, "TestCrashRecovery", crashChild)
}

// crashChild resumes the study like a restarted worker would, then writes trials durably until killed,
// printing "done <trialID> <value bits>" after each trial's completion has returned.
func crashChild(path string) error {
	s, err := Open(path, Options{LockTimeout: 10 * time.Second, SnapshotInterval: 20 * time.Millisecond, RecoverOnOpen: true})
	if err != nil {
		return err
	}
	study, err := s.GetStudyIDFromName("crash")
	if err != nil {
		if study, err = s.CreateNewStudy("crash"); err != nil {
			return err
		}
	}
	// Open has already failed and requeued the RUNNING trials of the killed process.
	fmt.Println("ready")
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	for n := 0; ; n++ {
		id, ok, err := s.PopWaitingTrial(study)
		if err != nil {
			return err
		}
		x := float64(n%97) / 97
		if ok {
			ft, err := s.GetTrial(id)
			if err != nil {
				return err
			}
			var fixed map[string]float64
			if err := json.Unmarshal([]byte(ft.SystemAttrs[record.SysFixedParams]), &fixed); err != nil {
				return err
			}
			if v, has := fixed["x"]; has {
				x = v
			}
		} else if id, err = s.CreateNewTrial(study); err != nil {
			return err
		}
		if err := s.SetTrialParam(id, "x", x, dist); err != nil {
			return err
		}
		for step := 0; step < 3; step++ {
			if err := s.SetTrialIntermediateValue(id, step, x*float64(step)); err != nil {
				return err
			}
			if err := s.Heartbeat(id); err != nil {
				return err
			}
		}
		v := crashValue(x)
		if err := s.SetTrialValue(id, v); err != nil {
			return err
		}
		if err := s.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
			return err
		}
		fmt.Printf("done %d %d\n", id, math.Float64bits(v))
	}
}

// TestCrashRecovery kills a writing child process with SIGKILL at random moments, at least 20 times
// (8 with -short), and after each kill reopens the file and checks that every trial the child
// reported complete is there and that recovery leaves no RUNNING trial.
func TestCrashRecovery(t *testing.T) {
	kills := 24
	if testing.Short() {
		kills = 8
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewSource(20261129))
	reported := map[int]uint64{} // trial ID -> value bits, over all children
	totalStale := 0
	for k := 0; k < kills; k++ {
		cmd := childCmd("TestCrashChild", envCrashChild, path)
		out, err := cmd.StdoutPipe()
		must(t, err)
		must(t, cmd.Start())
		lines := make(chan string, 1<<16)
		firstDone := make(chan struct{})
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			done := false
			for sc.Scan() {
				if sc.Text() == "ready" {
					continue
				}
				if !done && strings.HasPrefix(sc.Text(), "done ") {
					done = true
					close(firstDone)
				}
				lines <- sc.Text()
			}
		}()
		// Every fourth kill lands at a random moment from process start (possibly inside Open or
		// recovery); the others at a random moment after the child has completed a trial, while
		// it writes the next ones.
		delay := time.Duration(rng.Intn(100)) * time.Millisecond
		if k%4 == 0 {
			time.Sleep(delay)
		} else {
			select {
			case <-firstDone:
			case <-time.After(60 * time.Second):
				t.Fatalf("kill %d: child completed no trial", k)
			}
			time.Sleep(delay)
		}
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		var got []string
		for l := range lines {
			got = append(got, l)
		}
		werr := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: child ended by itself (%v), output %q", k, werr, got)
		}
		for _, l := range got {
			f := strings.Fields(l)
			if len(f) != 3 || f[0] != "done" {
				t.Fatalf("kill %d: child said %q", k, l)
			}
			id, _ := strconv.Atoi(f[1])
			bits, _ := strconv.ParseUint(f[2], 10, 64)
			reported[id] = bits
		}
		totalStale = verifyAfterCrash(t, k, path, reported)
	}
	if len(reported) < kills*3/4 {
		t.Fatalf("only %d trials completed over %d kills", len(reported), kills)
	}
	t.Logf("%d kills, %d trials reported complete, %d stale trials recovered and requeued", kills, len(reported), totalStale)
}

// verifyAfterCrash reopens the store after a kill, checks every reported trial, recovers stale trials
// and checks that none stays RUNNING and that each stale failure, a retry or not, was retried exactly once.
func verifyAfterCrash(t *testing.T, k int, path string, reported map[int]uint64) int {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) && len(reported) == 0 {
		return 0 // killed before it created the file
	}
	s, err := Open(path, Options{LockTimeout: 10 * time.Second, NoSnapshot: true, RecoverOnOpen: true})
	if err != nil {
		t.Fatalf("kill %d: reopen: %v", k, err)
	}
	defer func() { must(t, s.Close()) }()
	study, err := s.GetStudyIDFromName("crash")
	if err != nil {
		if len(reported) == 0 {
			return 0
		}
		t.Fatalf("kill %d: %v", k, err)
	}
	for id, bits := range reported {
		ft, err := s.GetTrial(id)
		if err != nil {
			t.Fatalf("kill %d: reported trial %d: %v", k, id, err)
		}
		if ft.State != goptuna.TrialStateComplete || math.Float64bits(ft.Value) != bits || len(ft.IntermediateValues) != 3 ||
			math.Float64bits(crashValue(ft.InternalParams["x"])) != bits {
			t.Fatalf("kill %d: reported trial %d stored as %+v", k, id, ft)
		}
	}
	for _, r := range s.RecoveredAtOpen() {
		if r.Trial.State != goptuna.TrialStateFail || r.Trial.SystemAttrs[record.SysFailReason] != record.ReasonStale {
			t.Fatalf("kill %d: recovered trial %+v", k, r.Trial)
		}
	}
	if again, err := s.RecoverStale(study, 0); err != nil || len(again) != 0 {
		t.Fatalf("kill %d: recovery after Open's own found %d trials, %v", k, len(again), err)
	}
	if n, err := s.Requeue(study); err != nil || n != 0 {
		t.Fatalf("kill %d: requeue after Open's own enqueued %d trials, %v", k, n, err)
	}
	trials, err := s.GetAllTrials(study)
	must(t, err)
	stale, dead, retries := 0, map[string]bool{}, map[string]int{}
	for i, ft := range trials {
		if ft.Number != i {
			t.Fatalf("kill %d: trial %d has number %d", k, ft.ID, ft.Number)
		}
		if ft.State == goptuna.TrialStateRunning {
			t.Fatalf("kill %d: trial %d still RUNNING after recovery", k, ft.Number)
		}
		if ft.SystemAttrs[record.SysFailReason] == record.ReasonStale {
			stale++
			if ft.State != goptuna.TrialStateFail {
				t.Fatalf("kill %d: stale trial %d in state %v", k, ft.Number, ft.State)
			}
			dead[strconv.Itoa(ft.Number)] = true
		}
		if of, ok := ft.SystemAttrs[record.SysRetryOf]; ok {
			retries[of]++
		}
	}
	// Each stale trial, a retry or not, is retried exactly once, and nothing else is.
	if len(retries) != len(dead) {
		t.Fatalf("kill %d: %d stale trials but %d retried", k, len(dead), len(retries))
	}
	for of, n := range retries {
		if n != 1 || !dead[of] {
			t.Fatalf("kill %d: trial %s retried %d times (stale: %v)", k, of, n, dead[of])
		}
	}
	return stale
}
