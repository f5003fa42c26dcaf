package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/postgres/pgtest"
)

// sharedSpace writes a space file for the multi-process tests: smoke.yaml with trials short
// enough for the test and long enough (3 epochs) to be killed in the middle.
func sharedSpace(t *testing.T, dir string, trials int) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "spaces", "smoke.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for _, r := range [][2]string{
		{"trials: 5", fmt.Sprintf("trials: %d", trials)},
		{"train: 300, valid: 40, test: 40", "train: 200, valid: 20, test: 20"},
		{"epochs: 2", "epochs: 3"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("smoke.yaml has no %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	path := filepath.Join(dir, "shared.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// worker is one `attnsearch run` process whose stderr is collected line by line.
type worker struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
	err   error
}

// startWorker starts `attnsearch run` with args; env is added to the environment.
func startWorker(t *testing.T, bin, dir string, env []string, args ...string) *worker {
	t.Helper()
	w := &worker{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	w.cmd.Dir = dir
	w.cmd.Env = append(os.Environ(), env...)
	pipe, err := w.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.cmd.Process.Kill(); <-w.done })
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
		}
		w.err = w.cmd.Wait()
		close(w.done)
	}()
	return w
}

// log returns the stderr lines so far.
func (w *worker) log() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.lines...)
}

var (
	reEpoch = regexp.MustCompile(`^\S+ trial (\d+): epoch (\d+)/(\d+)`)
	reEnd   = regexp.MustCompile(`^\S+ trial (\d+): (COMPLETE|PRUNED|FAIL),`)
)

// midTrial reports whether w's log shows a trial that has trained an epoch, not its last, and not ended.
func (w *worker) midTrial() bool {
	open := map[string]bool{}
	for _, l := range w.log() {
		if m := reEpoch.FindStringSubmatch(l); m != nil {
			open[m[1]] = m[2] != m[3]
		}
		if m := reEnd.FindStringSubmatch(l); m != nil {
			delete(open, m[1])
		}
	}
	for _, mid := range open {
		if mid {
			return true
		}
	}
	return false
}

// ended returns the trial numbers w's log reports finished, with their state names.
func (w *worker) ended() map[int]string {
	out := map[int]string{}
	for _, l := range w.log() {
		if m := reEnd.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			out[n] = m[2]
		}
	}
	return out
}

// wait waits for w to exit and returns its exit code (-1 when killed).
func (w *worker) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(timeout):
		t.Fatalf("worker still running after %v; its log:\n%s", timeout, strings.Join(w.log(), "\n"))
	}
	return w.cmd.ProcessState.ExitCode()
}

// pgServer returns a server for an end-to-end test: ATTNSEARCH_TEST_PG's, or a throwaway one
// (own: always a throwaway one, which the test may stop and start).
func pgServer(t *testing.T, own bool) *pgtest.Server {
	t.Helper()
	srv, err := pgtest.Start(pgtest.Options{Own: own})
	if err != nil {
		pgtest.Unavailable(t, err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// checkSharedStudy checks a finished shared study: dense unique numbers, nothing RUNNING or
// WAITING, exactly want finished trials (the processes take their turns under the store's turn
// lock, store.Turns, so none starts a trial beyond the count), each point evaluated once except stale retries, and
// every trial a worker reported finished stored in that state.
func checkSharedStudy(t *testing.T, url, study string, want int, workers []*worker) {
	t.Helper()
	st, err := postgres.OpenWith(context.Background(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id := studyID(t, st, study)
	trials, err := st.GetAllTrials(id)
	if err != nil {
		t.Fatal(err)
	}
	finished := 0
	byOrdinal := map[string][]goptuna.FrozenTrial{}
	configs := map[string][]goptuna.FrozenTrial{}
	for i, ft := range trials {
		if ft.Number != i {
			t.Fatalf("trial numbers not dense and unique: %d at position %d", ft.Number, i)
		}
		if ft.State == goptuna.TrialStateRunning || ft.State == goptuna.TrialStateWaiting {
			t.Errorf("trial %d left %v", ft.Number, ft.State)
		}
		if ft.State == goptuna.TrialStateComplete || ft.State == goptuna.TrialStatePruned || (ft.State == goptuna.TrialStateFail && !record.Retried(ft)) {
			finished++
		}
		if o, ok := ft.SystemAttrs[record.SysOrdinal]; ok {
			byOrdinal[o] = append(byOrdinal[o], ft)
		}
		if c := ft.UserAttrs[record.KeyConfig]; c != "" {
			configs[c] = append(configs[c], ft)
		}
	}
	if finished != want {
		t.Errorf("%d finished trials, want exactly %d", finished, want)
	}
	// A point (ordinal) is evaluated again only as the retry of a trial whose worker died.
	for o, group := range byOrdinal {
		for _, ft := range group[1:] {
			of, ok, _ := record.RetryOf(ft)
			if !ok {
				t.Errorf("ordinal %s: trial %d evaluates trial %d's point again without being its retry", o, ft.Number, group[0].Number)
				continue
			}
			if prev := trials[of]; !record.Retried(prev) {
				t.Errorf("trial %d retries trial %d, which is %v and not to be retried", ft.Number, of, prev.State)
			}
		}
	}
	for c, group := range configs {
		if len(group) > 1 && group[0].SystemAttrs[record.SysOrdinal] != group[len(group)-1].SystemAttrs[record.SysOrdinal] {
			t.Errorf("config %s trained by trials of different points: %d and %d", c, group[0].Number, group[len(group)-1].Number)
		}
	}
	// Nothing a worker saw finish is lost.
	for _, w := range workers {
		for n, state := range w.ended() {
			if n >= len(trials) {
				t.Errorf("reported trial %d missing", n)
				continue
			}
			if got := record.StateName(trials[n].State); got != state {
				t.Errorf("trial %d reported %s, stored %s", n, state, got)
			}
		}
	}
	t.Logf("%d trials, %d finished", len(trials), finished)
}

// TestSharedStudyManyProcesses runs 4 `attnsearch run` processes × 2 workers on one study in
// PostgreSQL, kills two of them with SIGKILL in the middle of a trial, and checks that the two
// survivors finish the study: their trials are recovered as stale and retried, nothing is left
// RUNNING, no trial number is used twice and no point trained twice except those retries.
func TestSharedStudyManyProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a minute or two")
	}
	srv := pgServer(t, false)
	bin := buildBinary(t)
	dir := t.TempDir()
	const trials = 12
	space := sharedSpace(t, dir, trials)
	// A password in the URL (the test server trusts local connections and ignores it) must never be printed.
	const secret = "s3cret-pw"
	url := strings.Replace(srv.NewDatabase(t), "postgres@", "postgres:"+secret+"@", 1)
	if !strings.Contains(url, secret) {
		t.Fatalf("no user in the server URL %s", url)
	}
	args := []string{"run", space, "--workers", "2", "--study", "multi", "--stale-after", "3s"}
	var ws []*worker
	for i := 0; i < 4; i++ {
		if i%2 == 0 { // half get the URL from the environment, half from --db
			ws = append(ws, startWorker(t, bin, dir, []string{"ATTNSEARCH_DB=" + url}, args...))
		} else {
			ws = append(ws, startWorker(t, bin, dir, nil, append(args, "--db", url)...))
		}
	}
	deadline := time.Now().Add(3 * time.Minute)
	for _, w := range ws[:2] {
		for !w.midTrial() {
			select {
			case <-w.done:
				t.Fatalf("worker exited before it could be killed mid-trial:\n%s", strings.Join(w.log(), "\n"))
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("no trial in progress to kill:\n%s", strings.Join(w.log(), "\n"))
			}
		}
		if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range ws[2:] {
		if code := w.wait(t, 8*time.Minute); code != 0 {
			t.Fatalf("survivor exited %d:\n%s", code, strings.Join(w.log(), "\n"))
		}
	}
	for _, w := range ws[:2] {
		w.wait(t, time.Minute)
	}
	st, err := postgres.OpenWith(context.Background(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := st.GetStudyIDFromName("multi")
	rec, err := st.RecoveredTrials(id)
	st.Close()
	if err != nil || len(rec) < 2 {
		t.Errorf("%d trials recovered as stale (%v), want at least one per killed process", len(rec), err)
	}
	checkSharedStudy(t, url, "multi", trials, ws)
	// The reading commands work on the shared study, the URL from the environment or from --db.
	for _, args := range [][]string{{"studies"}, {"report", "--study", "multi"}, {"best", "--study", "multi"}, {"show", "0", "--study", "multi"}} {
		if r := attnEnv(t, bin, dir, []string{"ATTNSEARCH_DB=" + url}, args...); r.code != 0 || strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if r := attn(t, bin, dir, append(args, "--db", url)...); r.code != 0 || strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("%v --db: exit %d: %s", args, r.code, r.stderr)
		}
	}
	for i, w := range ws {
		if log := strings.Join(w.log(), "\n"); strings.Contains(log, secret) {
			t.Errorf("worker %d printed the password:\n%s", i, log)
		}
	}
	// A database without a study is an input error naming the store, without its password.
	empty := strings.Replace(srv.NewDatabase(t), "postgres@", "postgres:"+secret+"@", 1)
	if r := attn(t, bin, dir, "studies", "--db", empty); r.code != 2 || strings.Contains(r.stderr, secret) || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("studies on an empty database: exit %d: %s", r.code, r.stderr)
	}
}

// TestSharedStudyServerRestart stops the PostgreSQL server in the middle of a shared study and
// starts it again: the workers wait and retry, the study completes, and every trial they
// reported finished is stored.
func TestSharedStudyServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a minute")
	}
	srv := pgServer(t, true)
	bin := buildBinary(t)
	dir := t.TempDir()
	const trials = 8
	space := sharedSpace(t, dir, trials)
	url := srv.NewDatabase(t)
	args := []string{"run", space, "--workers", "2", "--study", "restart", "--stale-after", "2m", "--db", url}
	ws := []*worker{startWorker(t, bin, dir, nil, args...), startWorker(t, bin, dir, nil, args...)}
	deadline := time.Now().Add(3 * time.Minute)
	for len(ws[0].ended())+len(ws[1].ended()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no trial finished:\n%s", strings.Join(ws[0].log(), "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := srv.StopServer("fast"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if err := srv.StartServer(); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if code := w.wait(t, 8*time.Minute); code != 0 {
			t.Fatalf("worker exited %d across the restart:\n%s\nserver log:\n%s", code, strings.Join(w.log(), "\n"), srv.LogTail())
		}
	}
	checkSharedStudy(t, url, "restart", trials, ws)
}

// TestStaleAfterNeedsSharedStore refuses --stale-after on a bbolt store before touching it.
func TestStaleAfterNeedsSharedStore(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	space := sharedSpace(t, dir, 1)
	db := filepath.Join(dir, "x.db")
	for _, args := range [][]string{
		{"run", space, "--db", db, "--stale-after", "1m"},
		{"run", space, "--db", db, "--stale-after", "-1s"},
	} {
		if r := attn(t, bin, dir, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, r.code, r.stderr)
		}
		if _, err := os.Stat(db); err == nil {
			t.Fatalf("%v created the store", args)
		}
	}
}
