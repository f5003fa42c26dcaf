package trainer_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// calibrationSizes are the five models of the calibration, smallest first.
var calibrationSizes = []struct{ name, set string }{
	{"tiny", "d_model=16,heads=2,kv_heads=2,enc_layers=1,dec_layers=1,d_ff=32"},
	{"small", "d_model=64,heads=4,kv_heads=4,enc_layers=2,dec_layers=2,d_ff=256"},
	{"medium", "d_model=128,heads=4,kv_heads=4,enc_layers=2,dec_layers=2,d_ff=512"},
	{"large", "d_model=192,heads=4,kv_heads=4,enc_layers=3,dec_layers=3,d_ff=768"},
	{"xlarge", "d_model=256,heads=8,kv_heads=8,enc_layers=3,dec_layers=3,d_ff=1024"},
}

// processCPU returns the CPU time (user + system) the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCalibrateRich trains five model sizes on spaces/mt.yaml's task (the rich language pair),
// one after the other on one thread, each for the same CPU-time budget, and prints BLEU against
// parameters as a Markdown table. CPU time rather than wall time makes the budget mean the same
// on a shared machine: what one core of an idle machine gives a trial in that many seconds of
// training.max_minutes. It runs only when ATTNSEARCH_CALIBRATE gives the budget in CPU seconds:
//
//	ATTNSEARCH_CALIBRATE=120 go test -run TestCalibrateRich -v -timeout 3h ./trainer
//
// ATTNSEARCH_CALIBRATE_SIZES (e.g. "tiny,small") runs only the named sizes, so that two
// processes can share two cores (the budget is per process); ATTNSEARCH_CALIBRATE_SET appends
// settings to every size (e.g. "lr=1e-3"); ATTNSEARCH_CALIBRATE_SPACE names another space file
// whose task and training settings to use. The shape check needs all five sizes.
//
// It checks the shape the main job relies on: the small model beats the tiny one, and larger
// models lose at equal time (medium below small, the largest below the best).
func TestCalibrateRich(t *testing.T) {
	budget, err := strconv.ParseFloat(os.Getenv("ATTNSEARCH_CALIBRATE"), 64)
	if err != nil || budget <= 0 {
		t.Skip("set ATTNSEARCH_CALIBRATE to the CPU seconds per model to run the calibration")
	}
	path := "../spaces/mt.yaml"
	if p := os.Getenv("ATTNSEARCH_CALIBRATE_SPACE"); p != "" {
		path = p
	}
	spec, err := space.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.Load(context.Background(), spec.Task, spec.Task.MaxLen)
	if err != nil {
		t.Fatal(err)
	}
	tr := spec.Training
	tr.Epochs, tr.MaxMinutes = 100000, budget/60
	var rows []string
	bleu := map[string]float64{}
	load := func() string {
		b, _ := os.ReadFile("/proc/loadavg")
		return strings.Fields(string(b) + " ?")[0]
	}
	want := map[string]bool{}
	for _, name := range strings.Split(os.Getenv("ATTNSEARCH_CALIBRATE_SIZES"), ",") {
		if name != "" {
			want[name] = true
		}
	}
	extra := os.Getenv("ATTNSEARCH_CALIBRATE_SET")
	for _, size := range calibrationSizes {
		if len(want) > 0 && !want[size.name] {
			continue
		}
		set := size.set
		if extra != "" {
			set += "," + extra
		}
		kv, err := space.ParseSet(set)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := spec.Point(kv)
		if err != nil {
			t.Fatal(err)
		}
		before, cpu0 := load(), processCPU()
		res, err := trainer.Train(context.Background(), cfg, ds, trainer.Options{Training: tr, MaxL2Norm: spec.Budget.MaxL2Norm,
			Seed: spec.Study.Seed, Threads: 1, EvalTest: true, Clock: processCPU})
		if err != nil {
			t.Fatalf("%s: %v", size.name, err)
		}
		cpu := (processCPU() - cpu0).Seconds()
		for _, e := range res.History {
			t.Logf("%s epoch %d step %d: train loss %.3f, valid BLEU %.2f", size.name, e.Epoch, e.Step, e.TrainLoss, e.ValidBLEU)
		}
		bleu[size.name] = res.TestBLEU
		rows = append(rows, fmt.Sprintf("| %s | %s | %d | %d | %.0f | %.0f | %.2f | %.2f | %s / %s |", size.name, set,
			res.Params, res.Steps, res.TrainSeconds, cpu, res.TestBLEU, res.ValidBLEU, before, load()))
		t.Log(rows[len(rows)-1])
	}
	fmt.Printf("CPU budget %.0f s per model (training and per-epoch validation; the final test decode is extra)\n\n", budget)
	fmt.Println("| model | config | params | steps | wall s | CPU s (all) | test BLEU | valid BLEU | load avg (1 min, before/after) |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	fmt.Println(strings.Join(rows, "\n"))
	best := 0.0
	for _, b := range bleu {
		best = max(best, b)
	}
	if len(bleu) < len(calibrationSizes) {
		return // a selection of sizes (ATTNSEARCH_CALIBRATE_SIZES): no shape to check
	}
	if bleu["small"] <= bleu["tiny"] || bleu["medium"] >= bleu["small"] || bleu["xlarge"] >= best {
		t.Errorf("calibration shape lost: tiny %.2f, small %.2f (want > tiny), medium %.2f (want < small), xlarge %.2f (want < best %.2f)",
			bleu["tiny"], bleu["small"], bleu["medium"], bleu["xlarge"], best)
	}
}
