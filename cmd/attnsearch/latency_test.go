package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/objective/predict"
	"github.com/attnsearch/attnsearch/objective/predict/fit"
	"github.com/attnsearch/attnsearch/trainer/latency"
)

// latencySpace is a tiny real space whose architectures differ in latency (d_model, heads,
// kv_heads, encoder depth, d_ff); costs and budget are appended by the test.
const latencySpace = `study: {name: lat, trials: 6, workers: 1, seed: 5, sampler: random}
task:
  kind: synthetic
  synthetic: {train: 200, valid: 20, test: 20, vocab: 12, min_len: 3, max_len: 8, seed: 3}
  max_len: 12
training: {epochs: 1, batch_size: 32, latency_sentences: 5}
params:
  d_model: {type: categorical, choices: [16, 32, 48]}
  heads: {type: categorical, choices: [1, 2]}
  kv_heads: {type: int, low: 1, high: 2}
  enc_layers: {type: int, low: 1, high: 3}
  dec_layers: 1
  d_ff: {type: int, low: 32, high: 128, step: 32}
  warmup_steps: 10
`

// writeFile writes text to dir/name.
func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLatencyE2E measures a space through the binary, resumes the measurement, fits a predictor,
// checks the fit's input errors, and runs a study whose budget bounds the predicted latency: no
// trial over the predicted budget is trained.
func TestLatencyE2E(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	writeFile(t, dir, "s.yaml", latencySpace+"budget: {max_params: 60000}\n")

	r := attn(t, bin, dir, "latency", "measure", "s.yaml", "--samples", "22", "--reps", "2", "--out", "s.csv")
	if r.code != 0 || !strings.Contains(r.stdout, "22 rows measured now, 0 already there") {
		t.Fatalf("measure: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = attn(t, bin, dir, "latency", "measure", "s.yaml", "--samples", "28", "--reps", "2", "--out", "s.csv")
	if r.code != 0 || !strings.Contains(r.stdout, "6 rows measured now, 22 already there") {
		t.Fatalf("resumed measure: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Passes: a second measurement of the first 22 rows with one repetition, combined with the first.
	r = attn(t, bin, dir, "latency", "measure", "s.yaml", "--samples", "22", "--reps", "1", "--out", "again.csv")
	if r.code != 0 {
		t.Fatalf("measure again: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = attn(t, bin, dir, "latency", "combine", "s.csv", "again.csv", "--out", "both.csv")
	if r.code != 0 || !strings.Contains(r.stdout, "both.csv: 22 rows combined from 2 files (6 rows not in every file, left out)") {
		t.Fatalf("combine: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if both, err := os.ReadFile(filepath.Join(dir, "both.csv")); err != nil || strings.Count(string(both), "\n") != 23 || !strings.Contains(string(both), ",3,") {
		t.Errorf("combined file (3 repetitions a row): %v\n%s", err, both)
	}
	if r := attn(t, bin, dir, "latency", "combine", "s.csv", "s.yaml", "--out", "no.csv"); r.code != 2 || !strings.Contains(r.stderr, "s.yaml:1: header") {
		t.Errorf("combine with a space file: exit %d, stderr %q", r.code, r.stderr)
	}

	r = attn(t, bin, dir, "latency", "fit", "s.csv", "--out", "pi.json", "--format", "json")
	var rep fit.Report
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil {
		t.Fatalf("fit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if rep.TrainRows != 25 || rep.TestRows != 3 || !(rep.MLP.RMSE > 0) || !(rep.Linear.MAPE > 0) || !slices.Equal(rep.Features, latency.Features()) {
		t.Errorf("fit report %+v", rep)
	}
	if tbl := attn(t, bin, dir, "latency", "fit", "s.csv", "--out", "pi2.json"); tbl.code != 0 || !strings.Contains(tbl.stdout, "linear") {
		t.Errorf("fit table: exit %d\n%s%s", tbl.code, tbl.stdout, tbl.stderr)
	}

	// Input errors: exit 2, file and line named, no predictor written.
	writeFile(t, dir, "bad.csv", "d_model,ms\n16,1\n32,fast\n")
	writeFile(t, dir, "few.csv", "d_model,ms\n16,1\n32,2\n")
	writeFile(t, dir, "old.csv", "index,d_model,params,threads,reps,latency_ms_mean,latency_ms_std\n0,16,1000,1,3,2.5,0.1\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"s.csv", "--features", "d_model,cpu_mhz"}, `s.csv:1: no column "cpu_mhz"`},
		{[]string{"bad.csv", "--target", "ms", "--features", "d_model"}, `bad.csv:3: column ms: "fast" is not a finite number`},
		{[]string{"few.csv", "--target", "ms", "--features", "d_model"}, "few.csv: 2 rows: need at least 11"},
		{[]string{"s.csv", "--test", "missing.csv"}, "missing.csv"},
		{[]string{"old.csv"}, "old.csv:1: no column heads, kv_heads"},
	} {
		r := attn(t, bin, dir, append([]string{"latency", "fit", "--out", "no.json"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("fit %v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "no.json")); err == nil {
		t.Error("a failed fit wrote its predictor")
	}

	// The budget: the median prediction over the measured points, so that the space has points
	// on both sides of it.
	m, err := predict.Load(filepath.Join(dir, "pi.json"))
	if err != nil {
		t.Fatal(err)
	}
	preds := predictions(t, filepath.Join(dir, "s.csv"), m)
	slices.Sort(preds)
	limit := preds[len(preds)/2]
	writeFile(t, dir, "p.yaml", latencySpace+fmt.Sprintf("costs:\n  pi_ms: {predictor: pi.json}\nbudget: {max_params: 60000, max_pi_ms: %v}\n", limit)+
		"objective: {maximize: [accuracy], minimize: [params, pi_ms]}\n")

	est := attn(t, bin, dir, "estimate", "p.yaml", "--set", "d_model=48,heads=2,kv_heads=2,enc_layers=3,d_ff=128", "--format", "json")
	var er struct {
		Predicted       map[string]float64 `json:"predicted"`
		BudgetPredicted map[string]float64 `json:"budget_predicted"`
	}
	if est.code != 0 || json.Unmarshal([]byte(est.stdout), &er) != nil || !(er.Predicted["pi_ms"] > 0) || er.BudgetPredicted["pi_ms"] != limit {
		t.Errorf("estimate: exit %d\n%s%s", est.code, est.stdout, est.stderr)
	}
	if tbl := attn(t, bin, dir, "estimate", "p.yaml", "--set", "d_model=48"); !strings.Contains(tbl.stdout, "pi_ms (predicted)") {
		t.Errorf("estimate table without the predicted cost:\n%s", tbl.stdout)
	}

	if r := attn(t, bin, dir, "run", "p.yaml", "--db", "p.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	var report struct {
		Objectives []string `json:"objectives"`
		Budget     struct {
			Predicted map[string]float64 `json:"predicted"`
		} `json:"budget"`
		Trials []struct {
			Number   int                `json:"number"`
			Feasible bool               `json:"feasible"`
			Reason   string             `json:"reason"`
			Metrics  map[string]float64 `json:"metrics"`
		} `json:"trials"`
	}
	r = attn(t, bin, dir, "report", "--db", "p.db", "--all", "--format", "json")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &report) != nil {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	if !slices.Contains(report.Objectives, "pi_ms") || report.Budget.Predicted["pi_ms"] != limit {
		t.Errorf("report objectives %v, budget %+v", report.Objectives, report.Budget)
	}
	over, trained := 0, 0
	for _, tr := range report.Trials {
		pi, ok := tr.Metrics["pi_ms"]
		_, ran := tr.Metrics["latency_ms"] // measured at the end of training
		switch {
		case !ok:
			t.Errorf("trial %d has no pi_ms figure: %v", tr.Number, tr.Metrics)
		case pi > limit && (ran || tr.Feasible || !strings.Contains(tr.Reason, "max_pi_ms")):
			t.Errorf("trial %d over the predicted budget (%v > %v) was trained or not flagged: %+v", tr.Number, pi, limit, tr)
		case pi > limit:
			over++
		case ran:
			trained++
		}
	}
	if over == 0 || trained == 0 {
		t.Errorf("%d trials rejected by the predicted budget, %d trained: want both", over, trained)
	}

	// A predictor over a feature the space cannot provide (data of another tool) fails at load.
	var sb strings.Builder
	sb.WriteString("d_model,cpu_mhz,ms\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&sb, "%d,%d,%d\n", 16*(i%3+1), 1000+100*i, i+1)
	}
	writeFile(t, dir, "o.csv", sb.String())
	if r := attn(t, bin, dir, "latency", "fit", "o.csv", "--target", "ms", "--features", "d_model,cpu_mhz", "--out", "cpu.json"); r.code != 0 {
		t.Fatalf("fit on another tool's columns: exit %d\n%s", r.code, r.stderr)
	}
	writeFile(t, dir, "q.yaml", latencySpace+"costs:\n  pi_ms: {predictor: cpu.json}\nbudget: {max_params: 60000}\n")
	r = attn(t, bin, dir, "estimate", "q.yaml", "--set", "d_model=16")
	if r.code != 2 || !strings.Contains(r.stderr, "q.yaml:16:") || !strings.Contains(r.stderr, "costs.pi_ms.predictor") || !strings.Contains(r.stderr, "cpu_mhz") {
		t.Errorf("space with an unprovided feature: exit %d, %q", r.code, r.stderr)
	}
}

// predictions evaluates m on the feature columns of the measurement file at path.
func predictions(t *testing.T, path string, m *predict.Model) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, r := range rows[1:] {
		x := make([]float64, len(m.Features))
		for i, name := range m.Features {
			x[i], _ = strconv.ParseFloat(r[slices.Index(rows[0], name)], 64)
		}
		out = append(out, m.Predict(x))
	}
	return out
}

// TestLatencyArm64 cross-builds the binary for linux/arm64 (the pure-Go kernels) and measures
// under qemu-user: the device workflow's pipeline check. It needs Debian's qemu-user
// (qemu-aarch64): skipped without it outside CI, a failure under CI.
func TestLatencyArm64(t *testing.T) {
	if testing.Short() {
		t.Skip("cross build and emulation: not in -short")
	}
	qemu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("qemu-aarch64 (Debian's qemu-user) not installed")
		}
		t.Fatal("qemu-aarch64 (Debian's qemu-user) is required under CI")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "attnsearch-arm64")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=linux GOARCH=arm64 go build: %v\n%s", err, out)
	}
	writeFile(t, dir, "s.yaml", latencySpace+"budget: {max_params: 60000}\n")
	cmd := exec.Command(qemu, bin, "latency", "measure", "s.yaml", "--samples", "3", "--reps", "1", "--out", "arm.csv")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("arm64 measure under qemu: %v\n%s", err, out)
	}
	tbl, err := fit.ReadCSV(filepath.Join(dir, "arm.csv"))
	if err != nil || len(tbl.Rows) != 3 {
		t.Fatalf("arm64 measurement file: %v, %+v", err, tbl)
	}
	for _, r := range tbl.Rows {
		if !(r[slices.Index(tbl.Columns, "latency_ms_mean")] > 0) {
			t.Errorf("row %v: latency not positive", r)
		}
	}
}
