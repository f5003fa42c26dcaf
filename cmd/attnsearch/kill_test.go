package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// envKillRuns makes the random-kill tests long: the number of kills (default: the bounded form
// of `go test`). The tests log their figures: kills, attempts, points finished, points lost.
const envKillRuns = "ATTNSEARCH_KILL_RUNS"

// killPlan returns how many kills and trials a random-kill test makes: the bounded form, or the
// long one ATTNSEARCH_KILL_RUNS asks for (trials grow with the kills so every kill lands in a
// study that still has work).
func killPlan(t *testing.T, kills, trials int) (int, int) {
	t.Helper()
	if s := os.Getenv(envKillRuns); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a positive number of kills", envKillRuns, s)
		}
		return n, max(trials, n)
	}
	return kills, trials
}

// killStats are the figures of a random-kill run.
type killStats struct {
	kills, exited   int // processes killed with SIGKILL; processes that finished before their kill
	attempts        int // trials stored
	points          int // distinct points (a trial and its chain of retries)
	finished, multi int // points finished; points that took more than one attempt
	lost            int // points proposed but never finished (their last attempt dead, or left RUNNING/WAITING)
}

func (k killStats) String() string {
	return fmt.Sprintf("%d kills (%d runs ended before their kill), %d attempts, %d points, %d finished (%d after more than one attempt), %d lost",
		k.kills, k.exited, k.attempts, k.points, k.finished, k.multi, k.lost)
}

// checkPoints checks a study after its final run: nothing RUNNING or WAITING, every dead attempt
// retried by exactly one later trial with the same point and
// seed, each point (a trial and its retries) finished exactly once, by its last attempt. It
// returns the figures; want is the number of points that must have finished.
func checkPoints(t *testing.T, trials []goptuna.FrozenTrial, want int) killStats {
	t.Helper()
	st := killStats{attempts: len(trials)}
	byNumber := map[int]goptuna.FrozenTrial{}
	retryOf := map[int]int{} // retried trial number → the trial retrying it
	for i, ft := range trials {
		if ft.Number != i {
			t.Fatalf("trial ID %d has number %d, want %d: numbers are not dense", ft.ID, ft.Number, i)
		}
		byNumber[ft.Number] = ft
		if ft.State == goptuna.TrialStateRunning || ft.State == goptuna.TrialStateWaiting {
			t.Errorf("trial %d left %s after the final run", ft.Number, record.StateName(ft.State))
		}
		of, ok, err := record.RetryOf(ft)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		if prev, dup := retryOf[of]; dup {
			t.Errorf("trial %d is retried twice, by trials %d and %d", of, prev, ft.Number)
		}
		retryOf[of] = ft.Number
	}
	for _, ft := range trials {
		next, retried := retryOf[ft.Number]
		switch {
		case dead(ft) && !retried:
			t.Errorf("trial %d (%s) is to be retried, and no trial retries it: its point is lost", ft.Number, ft.SystemAttrs[record.SysFailReason])
		case retried && !dead(ft):
			t.Errorf("trial %d (%s) is retried by trial %d though it finished", ft.Number, record.StateName(ft.State), next)
		case retried:
			r := byNumber[next]
			mine := pointOf(t, r)
			for name, v := range pointOf(t, ft) {
				if got, ok := mine[name]; !ok || got != v {
					t.Errorf("trial %d retries trial %d with %s = %v (%v), want %v", next, ft.Number, name, got, ok, v)
				}
			}
			for _, k := range []string{record.SysSeed, record.SysOrdinal} {
				if v, ok := ft.SystemAttrs[k]; ok && r.SystemAttrs[k] != v {
					t.Errorf("trial %d retries trial %d with %s %q, want %q", next, ft.Number, k, r.SystemAttrs[k], v)
				}
			}
		}
	}
	// Walk each point from its first attempt to its last.
	for _, ft := range trials {
		if _, ok, _ := record.RetryOf(ft); ok {
			continue
		}
		st.points++
		last, n := ft, 1
		for {
			next, ok := retryOf[last.Number]
			if !ok {
				break
			}
			last, n = byNumber[next], n+1
		}
		if last.State == goptuna.TrialStateRunning || last.State == goptuna.TrialStateWaiting || dead(last) {
			st.lost++
			continue
		}
		st.finished++
		if n > 1 {
			st.multi++
		}
	}
	if st.lost > 0 {
		t.Errorf("%d points lost", st.lost)
	}
	if st.finished != want {
		t.Errorf("%d points finished, want exactly %d", st.finished, want)
	}
	return st
}

// dead reports whether ft is an attempt that did not finish its point: a FAIL because its worker
// died (failed as stale) or the run was interrupted, not because of the point itself. Such a
// trial's point must be tried again (this is the definition the test holds the store to, not
// record.Retried's).
func dead(ft goptuna.FrozenTrial) bool {
	return ft.State == goptuna.TrialStateFail &&
		(ft.SystemAttrs[record.SysFailReason] == record.ReasonStale || ft.SystemAttrs[record.SysRetry] == "1")
}

// pointOf is the point a trial evaluates, as far as it is known: the fixed parameters it was
// enqueued with (a retry's), overlaid by those it has suggested (internal values).
func pointOf(t *testing.T, ft goptuna.FrozenTrial) map[string]float64 {
	t.Helper()
	p := map[string]float64{}
	if js, ok := ft.SystemAttrs[record.SysFixedParams]; ok {
		if err := json.Unmarshal([]byte(js), &p); err != nil {
			t.Fatalf("trial %d: %s: %v", ft.Number, record.SysFixedParams, err)
		}
	}
	for k, v := range ft.InternalParams {
		p[k] = v
	}
	return p
}

// killedAt starts `attnsearch args…` in dir, sends SIGKILL after delay, and reports whether the
// signal killed it (false: it had finished by itself, with exit code 0).
func killedAt(t *testing.T, bin, dir string, delay time.Duration, args ...string) bool {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run ended before its kill: %v\n%s", err, errb.String())
		}
		return false
	case <-time.After(delay):
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err := <-done
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true
	}
	if err != nil {
		t.Fatalf("run failed before its kill: %v\n%s", err, errb.String())
	}
	return false
}

// killDelay is when the kth kill lands after its process starts: 0.1–1 s on even k (start-up,
// recovery, the first trials), 0.5–3 s on odd k (in the middle of the study, while trials finish).
func killDelay(rng *rand.Rand, k int) time.Duration {
	if k%2 == 0 {
		return time.Duration(100+rng.Intn(900)) * time.Millisecond
	}
	return time.Duration(500+rng.Intn(2500)) * time.Millisecond
}

// TestRandomKillsBolt kills a 2-worker study on a bbolt file with SIGKILL at random moments
// (killDelay: in start-up, recovery, sampling, training or writing), again and
// again, then runs it to the end: exactly the requested number of points finished, each once,
// every dead attempt retried with its point and seed, nothing RUNNING or WAITING (#19).
// ATTNSEARCH_KILL_RUNS=N makes it N kills.
func TestRandomKillsBolt(t *testing.T) {
	kills, trials := killPlan(t, 10, 8)
	if testing.Short() {
		kills = 4
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	space, err := filepath.Abs(filepath.Join("..", "..", "spaces", "smoke.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"run", space, "--db", "k.db", "--trials", strconv.Itoa(trials), "--workers", "2"}
	rng := rand.New(rand.NewSource(19))
	var st killStats
	for k := 0; k < kills; k++ {
		if killedAt(t, bin, dir, killDelay(rng, k), args...) {
			st.kills++
		} else {
			st.exited++
		}
	}
	if r := attn(t, bin, dir, args...); r.code != 0 {
		t.Fatalf("final run: exit %d\n%s", r.code, r.stderr)
	}
	s, err := bolt.Open(filepath.Join(dir, "k.db"), bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all := storetest.StudyTrials(t, s, "smoke")
	got := checkPoints(t, all, trials)
	got.kills, got.exited = st.kills, st.exited
	t.Logf("bbolt, %d trials, 2 workers: %v", trials, got)
}

// TestRandomKillsPostgres runs a 2-worker study in 3 processes at once on PostgreSQL and kills
// each at a random moment (killDelay after the round's start), round after round, then runs one
// process to the end: exactly the requested number of points finished (processes that decide at
// the same moment take their turns under the store's turn lock, store.Turns), each exactly once, every dead attempt retried
// with its point and seed, nothing RUNNING or WAITING (#19). ATTNSEARCH_KILL_RUNS=N makes it N kills.
func TestRandomKillsPostgres(t *testing.T) {
	kills, trials := killPlan(t, 6, 8)
	if testing.Short() {
		kills = 3
	}
	srv := pgServer(t, false)
	url := srv.NewDatabase(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	space, err := filepath.Abs(filepath.Join("..", "..", "spaces", "smoke.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"run", space, "--db", url, "--trials", strconv.Itoa(trials), "--workers", "2", "--stale-after", "1s"}
	rng := rand.New(rand.NewSource(19))
	var st killStats
	for st.kills+st.exited < kills {
		round := min(3, kills-st.kills-st.exited)
		res := make(chan bool, round)
		for p := 0; p < round; p++ {
			delay := killDelay(rng, st.kills+st.exited+p)
			go func() { res <- killedAt(t, bin, dir, delay, args...) }()
		}
		for p := 0; p < round; p++ {
			if <-res {
				st.kills++
			} else {
				st.exited++
			}
		}
	}
	if r := attn(t, bin, dir, args...); r.code != 0 {
		t.Fatalf("final run: exit %d\n%s", r.code, r.stderr)
	}
	s, err := postgres.OpenWith(context.Background(), url, postgres.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all := storetest.StudyTrials(t, s, "smoke")
	got := checkPoints(t, all, trials)
	got.kills, got.exited = st.kills, st.exited
	t.Logf("PostgreSQL, %d trials, 3 processes × 2 workers: %v", trials, got)
}
