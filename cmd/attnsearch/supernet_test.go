package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/space/spacetest"
	"github.com/attnsearch/attnsearch/store/bolt"
)

// supernetSpace is a shrunken supernet study (spacetest's supernet.yaml): its three phases take
// a few seconds.
var supernetSpace = spacetest.Space("supernet.yaml", "  sampler: {kind: nsga2}", "5.0e-3") + `objective:
  maximize: [bleu]
  minimize: [params]
supernet:
  train: {steps: 30, sampling: sandwich, distill: true, widths: even}
  evaluate: {sentences: 16, rank: likelihood}
  trials: 40
  retrain: {top_k: 3, steps: 8, from: inherited, reference: {params: 6000}}
`

// supernetTrials is the JSON report of every trial: fidelity, config, score and (inherited
// trials scored with evaluate.rank: likelihood) validation loss, in number order.
func supernetTrials(t *testing.T, bin, dir, db string) []string {
	t.Helper()
	r := attn(t, bin, dir, "report", "--db", db, "--all", "--format", "json", "--fidelity", "all")
	if r.code != 0 {
		t.Fatalf("report: exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Trials []struct {
			State, Config, Fidelity string
			Value                   *float64
			Metrics                 map[string]float64
		} `json:"trials"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tr := range rep.Trials {
		if tr.State != "COMPLETE" {
			continue // a killed retrained trial: FAIL, retrained again
		}
		line := fmt.Sprintf("%s %s %v", tr.Fidelity, tr.Config, *tr.Value)
		if l, ok := tr.Metrics["valid_loss"]; ok {
			line += fmt.Sprintf(" valid_loss %v", l)
		}
		out = append(out, line)
	}
	return out
}

// TestSupernetRun runs a shrunken supernet study through the binary, uninterrupted and killed
// (SIGKILL) in the training and in the search phase and resumed: both store the same trials; the
// report shows the retrained front, --fidelity inherited the inherited one; the SuperTransformer's
// checkpoint lies beside the store. The same study on PostgreSQL: supernetOnPostgres.
func TestSupernetRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary and runs a study three times")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	space := filepath.Join(dir, "super.yaml")
	if err := os.WriteFile(space, []byte(supernetSpace), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := attn(t, bin, dir, "run", space, "--db", "a.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(bolt.BlobPath(filepath.Join(dir, "a.db"), 1, "supernet")); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	want := supernetTrials(t, bin, dir, "a.db")
	t.Run("PostgreSQL", func(t *testing.T) { supernetOnPostgres(t, bin, dir, space, want) })
	count := map[string]int{}
	for _, s := range want {
		count[strings.Fields(s)[0]]++
		if strings.Contains(s, "valid_loss") {
			count["scored by likelihood"]++
		}
	}
	if count["scored by likelihood"] == 0 {
		t.Errorf("no inherited trial stores a valid_loss (evaluate.rank: likelihood):\n%s", strings.Join(want, "\n"))
	}
	if count["inherited"] != 40 || count["retrained"] != 3 || len(want) != 43 {
		t.Fatalf("trials by fidelity %v (%d)", count, len(want))
	}
	for _, c := range []struct {
		args []string
		fid  string
	}{{nil, "retrained"}, {[]string{"--fidelity", "inherited"}, "inherited"}} {
		r := attn(t, bin, dir, append([]string{"report", "--db", "a.db", "--format", "json"}, c.args...)...)
		var rep jsonReport
		var fids struct {
			Trials []struct{ Fidelity string } `json:"trials"`
		}
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil || json.Unmarshal([]byte(r.stdout), &fids) != nil || len(rep.Trials) == 0 {
			t.Fatalf("report %v: exit %d: %s %s", c.args, r.code, r.stdout, r.stderr)
		}
		validate(t, rep)
		for _, tr := range fids.Trials {
			if tr.Fidelity != c.fid {
				t.Errorf("report %v lists a trial of fidelity %q", c.args, tr.Fidelity)
			}
		}
	}
	if r := attn(t, bin, dir, "report", "--db", "a.db", "--fidelity", "best"); r.code != 2 {
		t.Errorf("report --fidelity best: exit %d, want 2", r.code)
	}

	// Killed at the start of training and again in the search phase, then resumed.
	for _, marker := range []string{"supernet: training the SuperTransformer", "inherited d_model="} {
		nth := 1
		if marker != "supernet: training the SuperTransformer" {
			nth = 12
		}
		if code, text := runUntil(t, bin, dir, marker, nth, syscall.SIGKILL, space, "--db", "b.db"); code != -int(syscall.SIGKILL) {
			t.Fatalf("killed run (%s): exit %d\n%s", marker, code, text)
		}
	}
	r := attn(t, bin, dir, "run", space, "--db", "b.db")
	if r.code != 0 || !strings.Contains(r.stderr, "supernet: search phase, ") {
		t.Fatalf("resumed run: exit %d\n%s", r.code, r.stderr)
	}
	got := supernetTrials(t, bin, dir, "b.db")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resumed study differs from the uninterrupted one:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A supernet section without the strategy is an input error naming its line.
	bad := filepath.Join(dir, "bad.yaml")
	badText := strings.Replace(supernetSpace, "  strategy: supernet\n", "", 1)
	if err := os.WriteFile(bad, []byte(badText), 0o644); err != nil {
		t.Fatal(err)
	}
	line := strings.Count(badText[:strings.Index(badText, "\nsupernet:")+1], "\n") + 1
	if r := attn(t, bin, dir, "run", bad, "--db", "c.db"); r.code != 2 || !strings.Contains(r.stderr, fmt.Sprintf("bad.yaml:%d:1: supernet: applies only with study.strategy: supernet", line)) {
		t.Errorf("bad space: exit %d\n%s", r.code, r.stderr)
	}
}

// supernetOnPostgres runs the shrunken supernet study of TestSupernetRun on PostgreSQL, where its
// SuperTransformer is checkpointed in the database: a first process, stopped (SIGSTOP) in the
// middle of training after some checkpoints, keeps a second process out with a clear error; it
// is then SIGKILLed, and a third process resumes from the checkpoint in the database and stores
// exactly the trials of the uninterrupted bbolt run (want).
func supernetOnPostgres(t *testing.T, bin, dir, space string, want []string) {
	url := pgServer(t, false).NewDatabase(t)
	args := []string{"run", space, "--db", url, "--checkpoint-every", "1ms"}
	first := startWorker(t, bin, dir, nil, args...)
	deadline := time.Now().Add(3 * time.Minute)
	for written := 0; written < 3; {
		written = 0
		for _, line := range first.log() {
			if strings.Contains(line, "checkpoint written") {
				written++
			}
		}
		select {
		case <-first.done:
			t.Fatalf("the first process ended before 3 checkpoints:\n%s", strings.Join(first.log(), "\n"))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 3 checkpoints:\n%s", strings.Join(first.log(), "\n"))
		}
	}
	if err := first.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if r := attn(t, bin, dir, args...); r.code == 0 || !strings.Contains(r.stderr, "another process is running it") {
		t.Errorf("a second process joining the running supernet study: exit %d, want an error saying another process runs it\n%s", r.code, r.stderr)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := first.wait(t, time.Minute); code != -1 {
		t.Fatalf("the first process was not killed in training (exit %d):\n%s", code, strings.Join(first.log(), "\n"))
	}
	for _, line := range first.log() {
		if strings.Contains(line, "supernet: search phase") {
			t.Fatalf("the first process left training before its kill:\n%s", strings.Join(first.log(), "\n"))
		}
	}
	r := attn(t, bin, dir, args...)
	if r.code != 0 || !strings.Contains(r.stderr, "supernet: resuming from checkpoint") {
		t.Fatalf("resumed run: exit %d, want a resume from the checkpoint in the database\n%s", r.code, r.stderr)
	}
	if got := supernetTrials(t, bin, dir, url); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the study resumed on PostgreSQL differs from the uninterrupted bbolt one:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
