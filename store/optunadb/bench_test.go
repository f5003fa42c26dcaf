package optunadb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store/bolt"

	"github.com/attnsearch/attnsearch/store/optunadb/optunatest"
)

// genExport returns an attnsearch export of a two-goal study of n trials (three parameters, three
// intermediate values, figures as user attributes), every value from a generator seeded with seed.
func genExport(tb testing.TB, n int, seed uint64) []byte {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 2))
	info, err := record.StudyInfo{Version: record.StudyInfoVersion, Trials: n, Seed: int64(seed), Sampler: "random", Task: "command",
		Objective: record.Objective{Maximize: []string{"acc"}, Minimize: []string{"cost"}}, Searched: []string{"x", "n", "act"}}.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	_ = enc.Encode(studyLine{Kind: "study", Format: exportFormat, Schema: exportSchema, Name: "bench", Direction: "maximize", Created: t0,
		UserAttrs: map[string]string{}, SystemAttrs: map[string]string{record.SysStudyInfo: info}, Trials: n})
	for i := 0; i < n; i++ {
		x, k, act := rng.Float64(), 1+rng.IntN(64), rng.IntN(3)
		acc, cost := x+rng.Float64(), float64(k)*rng.Float64()
		state := "Complete"
		if i%10 == 3 {
			state = "Pruned"
		}
		start := t0.Add(time.Duration(i) * time.Second)
		end := start.Add(time.Second)
		t := trialLine{Kind: "trial", Number: i, TrialID: i + 1, State: state, Value: jfloat(acc), DatetimeStart: &start, DatetimeComplete: &end,
			Params: map[string]paramLine{
				"x":   {Internal: jfloat(x), External: x, Distribution: json.RawMessage(`{"name":"UniformDistribution","attributes":{"high":1,"low":0}}`)},
				"n":   {Internal: jfloat(k), External: k, Distribution: json.RawMessage(`{"name":"IntUniformDistribution","attributes":{"high":64,"low":1}}`)},
				"act": {Internal: jfloat(act), External: []string{"relu", "gelu", "tanh"}[act], Distribution: json.RawMessage(`{"name":"CategoricalDistribution","attributes":{"choices":["relu","gelu","tanh"]}}`)},
			},
			UserAttrs: map[string]string{"acc": record.FormatFloat(acc), "cost": record.FormatFloat(cost), "feasible": "true",
				"objectives": record.FormatVector([]float64{acc, cost})},
			SystemAttrs: map[string]string{}}
		for s := 1; s <= 3; s++ {
			t.IntermediateValues = append(t.IntermediateValues, [2]jfloat{jfloat(s), jfloat(x * float64(s))})
		}
		if err := enc.Encode(t); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

// BenchmarkRoundTrip times the export of a 10,000-trial study from a bbolt store into a new
// Optuna file (store Export + Write) and its import into another bbolt store (Read + store
// Import); with python3-optuna it also reports Optuna's load time of the export (load_study +
// get_trials, best of three).
func BenchmarkRoundTrip(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	dir := b.TempDir()
	src, err := bolt.Open(filepath.Join(dir, "src.db"), bolt.Options{NoSnapshot: true})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	id, err := src.Import(bytes.NewReader(genExport(b, n, 1)), "bench")
	if err != nil {
		b.Fatal(err)
	}
	var export, imprt time.Duration
	var last string
	for i := 0; i < b.N; i++ {
		out := filepath.Join(dir, fmt.Sprintf("out%d.sqlite3", i))
		t0 := time.Now()
		var buf bytes.Buffer
		if err := src.Export(&buf, id); err != nil {
			b.Fatal(err)
		}
		if _, err := Write(context.Background(), out, &buf); err != nil {
			b.Fatal(err)
		}
		export += time.Since(t0)
		t0 = time.Now()
		dst, err := bolt.Open(filepath.Join(dir, fmt.Sprintf("dst%d.db", i)), bolt.Options{NoSnapshot: true})
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if _, err := Read(context.Background(), out, "bench", &buf); err != nil {
			b.Fatal(err)
		}
		if _, err := dst.Import(&buf, "bench"); err != nil {
			b.Fatal(err)
		}
		dst.Close()
		imprt += time.Since(t0)
		last = out
	}
	b.ReportMetric(export.Seconds()/float64(b.N), "s-export")
	b.ReportMetric(imprt.Seconds()/float64(b.N), "s-import")
	if exec.Command(optunatest.Python, "-c", "import optuna").Run() != nil {
		return
	}
	out := optunatest.Run(b, "-c", `
import sys, time, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
best = 1e9
for _ in range(3):
    t0 = time.perf_counter()
    n = len(optuna.load_study(storage="sqlite:///" + sys.argv[1], study_name="bench").get_trials(deepcopy=False))
    best = min(best, time.perf_counter() - t0)
print(best, n)`, last)
	f := strings.Fields(out)
	secs, _ := strconv.ParseFloat(f[0], 64)
	if f[1] != strconv.Itoa(n) {
		b.Fatalf("Optuna loads %s trials of %d", f[1], n)
	}
	b.ReportMetric(secs, "s-optuna-load")
}
