package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/attnsearch/attnsearch/internal/testspace"
)

// supernetSpace is a shrunken supernet study (testspace's supernet.yaml): its three phases take
// a few seconds.
var supernetSpace = testspace.Space("supernet.yaml", "  sampler: {kind: nsga2}", "5.0e-3") + `objective:
  maximize: [bleu]
  minimize: [params]
supernet:
  train: {steps: 30, sampling: sandwich}
  evaluate: {sentences: 16}
  trials: 40
  retrain: {top_k: 3, steps: 8, from: inherited}
`

// supernetTrials is the JSON report of every trial: fidelity, config and score, in number order.
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
		out = append(out, fmt.Sprintf("%s %s %v", tr.Fidelity, tr.Config, *tr.Value))
	}
	return out
}

// TestSupernetRun runs a shrunken supernet study through the binary, uninterrupted and killed
// (SIGKILL) in the training and in the search phase and resumed: both store the same trials; the
// report shows the retrained front, --fidelity inherited the inherited one; the SuperTransformer's
// checkpoint lies beside the store.
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
	if _, err := os.Stat(filepath.Join(dir, "a.db.supernet-super.ckpt")); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	want := supernetTrials(t, bin, dir, "a.db")
	count := map[string]int{}
	for _, s := range want {
		count[strings.Fields(s)[0]]++
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
	if err := os.WriteFile(bad, []byte(strings.Replace(supernetSpace, "  strategy: supernet\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := attn(t, bin, dir, "run", bad, "--db", "c.db"); r.code != 2 || !strings.Contains(r.stderr, "bad.yaml:32:1: supernet: applies only with study.strategy: supernet") {
		t.Errorf("bad space: exit %d\n%s", r.code, r.stderr)
	}
}
