package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/space/spacetest"
)

// buildBinary compiles the real attnsearch binary into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "attnsearch")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// result is one finished command.
type result struct {
	code           int
	stdout, stderr string
}

// attn runs the binary in dir and waits for it.
func attn(t *testing.T, bin, dir string, args ...string) result {
	t.Helper()
	return attnEnv(t, bin, dir, nil, args...)
}

// attnEnv is attn with extra environment variables.
func attnEnv(t *testing.T, bin, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

// jsonReport is the schema `attnsearch report --format json` must follow.
type jsonReport struct {
	Study      string   `json:"study"`
	Objectives []string `json:"objectives"`
	Trials     []struct {
		Number   int                    `json:"number"`
		State    string                 `json:"state"`
		Params   map[string]interface{} `json:"params"`
		Metrics  map[string]float64     `json:"metrics"`
		Value    *float64               `json:"value"`
		Pareto   *bool                  `json:"pareto"`
		Feasible bool                   `json:"feasible"`
		Config   string                 `json:"config"`
		Reason   string                 `json:"reason"`
		Seed     int64                  `json:"seed"`
	} `json:"trials"`
	Hypervolume *float64 `json:"hypervolume"`
}

// readJSONReport runs `report --all --format json` and decodes it strictly.
func readJSONReport(t *testing.T, bin, dir string, args ...string) jsonReport {
	t.Helper()
	r := attn(t, bin, dir, append([]string{"report", "--all", "--format", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("report json: exit %d: %s", r.code, r.stderr)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report json does not parse: %v\n%s", err, r.stdout)
	}
	return rep
}

// validate checks the JSON report's schema and its Pareto flags against a brute-force front.
func validate(t *testing.T, rep jsonReport) {
	t.Helper()
	if rep.Study == "" || len(rep.Objectives) != 2 || rep.Hypervolume == nil {
		t.Fatalf("report header: study %q, objectives %v, hypervolume %v", rep.Study, rep.Objectives, rep.Hypervolume)
	}
	states := map[string]bool{"COMPLETE": true, "PRUNED": true, "FAIL": true, "RUNNING": true, "WAITING": true}
	q, c := rep.Objectives[0], rep.Objectives[1]
	type cand struct{ q, c float64 }
	cands := map[int]cand{}
	for i, tr := range rep.Trials {
		if !states[tr.State] || tr.Pareto == nil || tr.Params == nil || tr.Metrics == nil {
			t.Fatalf("trial %d: state %q, pareto %v, params %v, metrics %v", tr.Number, tr.State, tr.Pareto, tr.Params, tr.Metrics)
		}
		if (tr.Value != nil) != (tr.State == "COMPLETE" || tr.State == "PRUNED") {
			t.Errorf("trial %d (%s): value %v", tr.Number, tr.State, tr.Value)
		}
		qv, okq := tr.Metrics[q]
		cv, okc := tr.Metrics[c]
		if tr.State == "COMPLETE" && tr.Feasible && okq && okc {
			cands[i] = cand{qv, cv}
		}
	}
	for i, tr := range rep.Trials {
		a, isCand := cands[i]
		onFront := isCand
		for j, b := range cands {
			if j != i && isCand && b.q >= a.q && b.c <= a.c && (b.q > a.q || b.c < a.c) {
				onFront = false
			}
		}
		if *tr.Pareto != onFront {
			t.Errorf("trial %d: pareto %v, brute force %v", tr.Number, *tr.Pareto, onFront)
		}
	}
}

// TestE2E builds the binary once and runs the end-to-end scenarios against it.
func TestE2E(t *testing.T) {
	bin := buildBinary(t)
	t.Run("smoke study and reports", func(t *testing.T) { testSmokeStudyAndReports(t, bin) })
	t.Run("usage errors", func(t *testing.T) { testUsageErrors(t, bin) })
	t.Run("kill and deterministic resume", func(t *testing.T) { testKillAndDeterministicResume(t, bin) })
	t.Run("command trials", func(t *testing.T) { testCommandTrials(t, bin) })
	t.Run("multi-objective study", func(t *testing.T) { testMultiObjectiveStudy(t, bin) })
	t.Run("the main job, shrunk", func(t *testing.T) { testMainJobShrunk(t, bin) })
	t.Run("test functions as trial commands", func(t *testing.T) { testFunctionCommands(t, bin) })
}

// testSmokeStudyAndReports runs spaces/smoke.yaml to completion and reads it back in every format.
func testSmokeStudyAndReports(t *testing.T, bin string) {
	dir := t.TempDir()
	smoke, err := filepath.Abs(filepath.Join("..", "..", "spaces", "smoke.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := attn(t, bin, dir, "run", smoke)
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "hypervolume") || !strings.Contains(r.stderr, "done") {
		t.Errorf("run output lacks the Pareto table or the summary:\n%s\n%s", r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "attnsearch.db")); err != nil {
		t.Fatalf("default store file: %v", err)
	}
	rep := readJSONReport(t, bin, dir)
	if len(rep.Trials) != 5 {
		t.Fatalf("%d trials, want smoke.yaml's 5", len(rep.Trials))
	}
	validate(t, rep)

	for _, format := range []string{"table", "md", "csv"} {
		for _, all := range []bool{false, true} {
			args := []string{"report", "--format", format}
			if all {
				args = append(args, "--all")
			}
			r := attn(t, bin, dir, args...)
			if r.code != 0 || r.stdout == "" {
				t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
			}
			if format == "csv" {
				rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
				if err != nil {
					t.Fatalf("%v: csv: %v", args, err)
				}
				if all && len(rows) != 6 {
					t.Errorf("%v: %d rows, want header + 5", args, len(rows))
				}
			}
		}
	}
	plot := filepath.Join(dir, "front.png")
	if r := attn(t, bin, dir, "report", "--plot", plot); r.code != 0 {
		t.Fatalf("report --plot: exit %d: %s", r.code, r.stderr)
	}
	f, err := os.Open(plot)
	if err != nil {
		t.Fatal(err)
	}
	_, err = png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("plot: %v", err)
	}
	for _, args := range [][]string{{"studies"}, {"show", "0"}, {"show", "0", "--format", "json"}} {
		if r := attn(t, bin, dir, args...); r.code != 0 || r.stdout == "" {
			t.Errorf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	best := attn(t, bin, dir, "best")
	if best.code != 0 || !strings.HasPrefix(best.stdout, "d_model=") {
		t.Fatalf("best: exit %d: %q %s", best.code, best.stdout, best.stderr)
	}
	// The best config is --set text that train reads back.
	tr := attn(t, bin, dir, "train", smoke, "--set", strings.TrimSpace(best.stdout), "--epochs", "1", "--format", "json")
	if tr.code != 0 {
		t.Errorf("train --set $(best): exit %d: %s", tr.code, tr.stderr)
	}
}

// testUsageErrors checks exit code 2 and the message of bad input, and --help examples.
func testUsageErrors(t *testing.T, bin string) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	src := "study:\n  name: bad\n  trials: 2\n  seed: 1\n  samplr: {kind: tpe}\n"
	if err := os.WriteFile(bad, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// A budget that no point of the space meets (smoke.yaml with max_params 10) is an input error.
	smoke, err := os.ReadFile(filepath.Join("..", "..", "spaces", "smoke.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tight := filepath.Join(dir, "tight.yaml")
	tightSrc := strings.Replace(string(smoke), "max_params: 30000", "max_params: 10", 1)
	if tightSrc == string(smoke) {
		t.Fatal("smoke.yaml has no 'max_params: 30000' line to tighten")
	}
	if err := os.WriteFile(tight, []byte(tightSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", bad}, "bad.yaml:5"},
		{[]string{"run", tight}, "tight.yaml:33"},
		{[]string{"run"}, "missing SPACE.yaml"},
		{[]string{"run", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"run", bad, "--trials", "x"}, "trials"},
		{[]string{"report", "--db", filepath.Join(dir, "none.db")}, "does not exist"},
		{[]string{"report", "--format", "xml"}, "xml"},
		{[]string{"show", "abc"}, "trial number"},
		{[]string{"best", "extra"}, "extra"},
	} {
		r := attn(t, bin, dir, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %q", tc.args, r.code, r.stderr, r.stdout, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "attnsearch.db")); err == nil {
		t.Error("an input error created the store")
	}
	for _, cmd := range []string{"run", "report", "studies", "show", "best"} {
		r := attn(t, bin, dir, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help: exit %d, no example:\n%s", cmd, r.code, r.stdout)
		}
	}
}

// resumeSpace is a space whose study takes long enough to interrupt (TPE, successive halving):
// spacetest's tiny.yaml (shared with search's tests) with one verb left, the trials.
var resumeSpace = spacetest.Space("tiny.yaml", "resume", "%d", "5",
	"{kind: tpe, startup_trials: 3}", "{kind: successive_halving, min_resource: 1, reduction_factor: 2}", "96", "6000")

// signalStep sends sig once stderr has shown the nth line containing marker.
type signalStep struct {
	marker string
	nth    int
	sig    syscall.Signal
}

// runUntil starts `run` and sends sig once stderr has shown the nth line containing marker; it
// returns the exit code (minus the signal number when a signal killed it) and the stderr seen.
func runUntil(t *testing.T, bin, dir, marker string, nth int, sig syscall.Signal, args ...string) (int, string) {
	return runSignals(t, bin, dir, []signalStep{{marker, nth, sig}}, args...)
}

// runSignals starts `run` and performs the signal steps in order, each counting lines from the
// previous one.
func runSignals(t *testing.T, bin, dir string, steps []signalStep, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	cmd.Dir = dir
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	next, count := 0, 0
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		line := sc.Text()
		seen.WriteString(line + "\n")
		if next < len(steps) && strings.Contains(line, steps[next].marker) {
			count++
			if count == steps[next].nth {
				if err := cmd.Process.Signal(steps[next].sig); err != nil {
					t.Fatal(err)
				}
				next, count = next+1, 0
			}
		}
	}
	io.Copy(io.Discard, pipe)
	err = cmd.Wait()
	if next < len(steps) {
		t.Fatalf("run finished before %q appeared:\n%s", steps[next].marker, seen.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			code = -int(st.Signal())
		}
	}
	return code, seen.String()
}

// sequence is the counted trials of a JSON report: state, config, score, seed, in number order.
func sequence(t *testing.T, rep jsonReport) []string {
	t.Helper()
	var out []string
	for _, tr := range rep.Trials {
		if tr.State == "RUNNING" || tr.State == "WAITING" {
			t.Fatalf("trial %d left %s", tr.Number, tr.State)
		}
		if tr.State == "FAIL" && strings.HasPrefix(tr.Reason, "failed (retried)") {
			continue
		}
		v := "none"
		if tr.Value != nil {
			v = fmt.Sprint(*tr.Value)
		}
		out = append(out, fmt.Sprintf("%s %s %s %d", tr.State, tr.Config, v, tr.Seed))
	}
	return out
}

// testKillAndDeterministicResume kills a study with SIGKILL, interrupts it with SIGINT, resumes
// it, and compares it with an uninterrupted run of the same space on another store file.
func testKillAndDeterministicResume(t *testing.T, bin string) {
	dir := t.TempDir()
	const trials = 8
	space := filepath.Join(dir, "resume.yaml")
	if err := os.WriteFile(space, []byte(fmt.Sprintf(resumeSpace, trials)), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if r := attn(t, bin, dir, "run", space, "--db", "a.db"); r.code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("uninterrupted study: %s", time.Since(start))
	want := sequence(t, readJSONReport(t, bin, dir, "--db", "a.db"))
	if len(want) < trials || len(want) > 2*trials { // trials rejected before training are free, up to trials of them
		t.Fatalf("uninterrupted study counted %d trials, want %d to %d", len(want), trials, 2*trials)
	}

	// SIGKILL in the middle of the second trained trial: it stays RUNNING in the file.
	code, _ := runUntil(t, bin, dir, ": epoch 1/", 2, syscall.SIGKILL, space, "--db", "b.db")
	if code != -int(syscall.SIGKILL) {
		t.Fatalf("killed run: exit %d, want killed by SIGKILL", code)
	}
	// SIGINT in the middle of a later trial (after the retry of the killed one): it is recorded as
	// interrupted; the exit says how to resume.
	code, errText := runUntil(t, bin, dir, ": epoch 1/", 2, syscall.SIGINT, space, "--db", "b.db")
	if code != 1 || !strings.Contains(errText, "Resume with: attnsearch run") {
		t.Fatalf("interrupted run: exit %d, stderr:\n%s", code, errText)
	}
	if !strings.Contains(errText, "resuming") {
		t.Errorf("second run did not report resuming:\n%s", errText)
	}
	r := attn(t, bin, dir, "run", space, "--db", "b.db")
	if r.code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", r.code, r.stderr)
	}
	rep := readJSONReport(t, bin, dir, "--db", "b.db")
	validate(t, rep)
	got := sequence(t, rep)
	if len(got) != len(want) {
		t.Fatalf("resumed study counted %d trials, uninterrupted %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("trial %d:\n resumed       %s\n uninterrupted %s", i, got[i], want[i])
		}
	}
	retried := 0
	for _, tr := range rep.Trials {
		if tr.State == "FAIL" && strings.HasPrefix(tr.Reason, "failed (retried)") {
			retried++
		}
	}
	if retried < 1 {
		t.Errorf("no trial recorded as interrupted or stale; reasons: %v", rep.Trials)
	}
	// Two SIGINTs: the second exits at once, mid-trial; the store stays consistent and the
	// resumed study is still the uninterrupted one.
	code, errText = runSignals(t, bin, dir, []signalStep{{": epoch 1/", 1, syscall.SIGINT}, {"send again", 1, syscall.SIGINT}},
		space, "--db", "c.db")
	if code != 1 || !strings.Contains(errText, "exiting now") {
		t.Fatalf("double interrupt: exit %d, stderr:\n%s", code, errText)
	}
	if r := attn(t, bin, dir, "run", space, "--db", "c.db"); r.code != 0 {
		t.Fatalf("run after double interrupt: exit %d\n%s", r.code, r.stderr)
	}
	got = sequence(t, readJSONReport(t, bin, dir, "--db", "c.db"))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after a double interrupt the study differs from the uninterrupted one:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	st := attn(t, bin, dir, "studies", "--db", "b.db", "--format", "json")
	if st.code != 0 || !strings.Contains(st.stdout, `"recovered": [`) {
		t.Errorf("studies: exit %d: %s %s", st.code, st.stdout, st.stderr)
	}
}
