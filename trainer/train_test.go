package trainer_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// synthCfg is a small model that learns the synthetic task quickly.
func synthCfg() space.Config {
	return space.Config{DModel: 64, Heads: 4, KVHeads: 2, EncLayers: 2, DecLayers: 2, DFF: 128,
		Dropout: 0, LR: 3e-3, WeightDecay: 0.01, WarmupSteps: 50, LabelSmoothing: 0.1}
}

func synthTraining(epochs int) space.Training {
	return space.Training{Epochs: epochs, BatchSize: 32, Beta1: 0.9, Beta2: 0.98, Eps: 1e-9,
		Schedule: "inverse_sqrt", ClipNorm: 1, WeightDecayMode: "decoupled", Positions: "sinusoidal",
		Beam: 1, LatencySentences: 20, EvalSentences: 100}
}

func synthData(t testing.TB, train int) *data.Dataset {
	t.Helper()
	ds, err := data.Synthetic(space.Synthetic{Train: train, Valid: 100, Test: 200, Vocab: 16, MinLen: 3, MaxLen: 8, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestSyntheticQuality trains a small model on the synthetic task and requires test BLEU >= 90
// with greedy and with beam decoding.
func TestSyntheticQuality(t *testing.T) {
	ds := synthData(t, 2000)
	tr := synthTraining(7)
	tr.Beam = 4
	var epochs []trainer.Epoch
	res, err := trainer.Train(context.Background(), synthCfg(), ds, trainer.Options{Training: tr, Seed: 1, EvalTest: true,
		OnEpoch: func(_ context.Context, e trainer.Epoch) error { epochs = append(epochs, e); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test BLEU %.2f acc %.4f exact %.3f, valid BLEU %.2f, latency %.2f ms, params %d, |θ| %.2f, %.1fs, peak heap %d MiB",
		res.TestBLEU, res.TestAccuracy, res.TestExact, res.ValidBLEU, res.LatencyMS, res.Params, res.L2Norm, res.TrainSeconds, res.PeakMemBytes>>20)
	if res.TestBLEU < 90 {
		t.Errorf("test BLEU %.2f < 90", res.TestBLEU)
	}
	if len(res.TestTranslations) != len(ds.Test) || res.Epochs != 7 || !reflect.DeepEqual(epochs, res.History) {
		t.Errorf("translations %d (want %d), epochs %d, history %d entries vs %d callbacks", len(res.TestTranslations), len(ds.Test), res.Epochs, len(res.History), len(epochs))
	}
	if first, last := res.History[0], res.History[len(res.History)-1]; last.ValidLoss >= first.ValidLoss || last.TrainLoss >= first.TrainLoss {
		t.Errorf("losses did not fall: %+v -> %+v", first, last)
	}
	if res.LatencyMS <= 0 || res.PeakMemBytes == 0 || res.Steps != 7*63 {
		t.Errorf("latency %v, peak %v, steps %d", res.LatencyMS, res.PeakMemBytes, res.Steps)
	}
}

// TestDeterminism trains twice with dropout, learned positions and the L2 projection and requires
// bit-identical figures; a different seed must give different ones. It does so on one thread and
// on two (two data-parallel shards and Adam's passes split: the result must not depend on how
// the goroutines are scheduled).
func TestDeterminism(t *testing.T) {
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) { testDeterminism(t, threads) })
	}
}

func testDeterminism(t *testing.T, threads int) {
	ds := synthData(t, 200)
	cfg := synthCfg()
	cfg.DModel, cfg.DFF, cfg.Dropout, cfg.KVHeads = 32, 64, 0.2, 1
	tr := synthTraining(2)
	tr.Positions, tr.TieEmbeddings, tr.Schedule, tr.WeightDecayMode, tr.EvalSentences = "learned", true, "cosine", "l2", 30
	run := func(seed int64) *trainer.Result {
		res, err := trainer.Train(context.Background(), cfg, ds, trainer.Options{Training: tr, Seed: seed, MaxL2Norm: 40, EvalTest: true, Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		res.LatencyMS, res.TrainSeconds, res.PeakMemBytes = 0, 0, 0
		for i := range res.History {
			res.History[i].Seconds = 0
		}
		return res
	}
	a, b, c := run(5), run(5), run(6)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different results:\n%+v\n%+v", a.History, b.History)
	}
	if reflect.DeepEqual(a.History, c.History) {
		t.Fatal("different seeds gave identical histories")
	}
	if a.L2Norm > 40*(1+1e-5) {
		t.Fatalf("‖θ‖₂ = %v exceeds R_max 40", a.L2Norm)
	}
}

// TestStops covers divergence, cancellation and a callback error.
func TestStops(t *testing.T) {
	ds := synthData(t, 100)
	cfg := synthCfg()
	cfg.DModel, cfg.DFF = 16, 32
	sentinel := errors.New("prune")
	cases := []struct {
		name  string
		lr    float64
		ctx   func() context.Context
		cb    func(cancel context.CancelFunc) func(context.Context, trainer.Epoch) error
		want  error
		steps int // steps done before stopping (-1: not checked)
	}{
		{name: "diverged", lr: 1e30, want: trainer.ErrDiverged},
		{name: "cancelled before", lr: 1e-3, ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, want: context.Canceled},
		{name: "cancelled in epoch 1", lr: 1e-3, cb: func(cancel context.CancelFunc) func(context.Context, trainer.Epoch) error {
			return func(context.Context, trainer.Epoch) error { cancel(); return nil }
		}, want: context.Canceled},
		{name: "callback error", lr: 1e-3, cb: func(context.CancelFunc) func(context.Context, trainer.Epoch) error {
			return func(context.Context, trainer.Epoch) error { return sentinel }
		}, want: sentinel},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.ctx != nil {
				ctx = c.ctx()
			}
			cfg := cfg
			cfg.LR = c.lr
			opts := trainer.Options{Training: synthTraining(3), Seed: 1}
			if c.cb != nil {
				opts.OnEpoch = c.cb(cancel)
			}
			res, err := trainer.Train(ctx, cfg, ds, opts)
			if !errors.Is(err, c.want) || res != nil {
				t.Fatalf("got %v, %v; want an error wrapping %v", res, err, c.want)
			}
		})
	}
}

// TestParamsMatchObjective checks the model's parameter count against objective.Estimate.
func TestParamsMatchObjective(t *testing.T) {
	ds := synthData(t, 40)
	cases := []struct {
		cfg       space.Config
		positions string
		tied      bool
	}{
		{space.Config{DModel: 16, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 1, DFF: 32}, "sinusoidal", false},
		{space.Config{DModel: 32, Heads: 4, KVHeads: 2, EncLayers: 2, DecLayers: 3, DFF: 48}, "learned", false},
		{space.Config{DModel: 24, Heads: 3, KVHeads: 3, EncLayers: 3, DecLayers: 1, DFF: 40}, "learned", true},
		{space.Config{DModel: 32, Heads: 8, KVHeads: 1, EncLayers: 1, DecLayers: 2, DFF: 64}, "sinusoidal", true},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c.cfg.LR, c.cfg.WarmupSteps = 1e-3, 1
			tr := synthTraining(1)
			tr.Positions, tr.TieEmbeddings, tr.EvalSentences, tr.LatencySentences = c.positions, c.tied, 2, 2
			arch := trainer.ArchFor(ds, tr)
			arch.MaxPositions = 30
			res, err := trainer.Train(context.Background(), c.cfg, ds, trainer.Options{Training: tr, Seed: 1, Arch: &arch})
			if err != nil {
				t.Fatal(err)
			}
			want := objective.Estimate(c.cfg, arch, 8, 8).Params
			if res.Params != want {
				t.Fatalf("trainer counts %d parameters, objective.Estimate %d", res.Params, want)
			}
			if math.IsNaN(res.L2Norm) || res.L2Norm <= 0 {
				t.Fatalf("norm %v", res.L2Norm)
			}
		})
	}
}

// ExampleTrain trains a tiny model for one epoch on a small synthetic task.
func ExampleTrain() {
	ds, err := data.Synthetic(space.Synthetic{Train: 64, Valid: 8, Test: 8, Vocab: 8, MinLen: 3, MaxLen: 6, Seed: 1})
	if err != nil {
		panic(err)
	}
	cfg := space.Config{DModel: 16, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 1, DFF: 32, LR: 1e-3, WarmupSteps: 4}
	tr := space.Training{Epochs: 1, BatchSize: 16, Schedule: "inverse_sqrt", Positions: "sinusoidal", Beam: 1}
	res, err := trainer.Train(context.Background(), cfg, ds, trainer.Options{Training: tr, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println("epochs", res.Epochs, "steps", res.Steps, "params", res.Params)
	// Output: epochs 1 steps 4 params 5847
}

// TestTrainClock checks that Options.Clock, not the wall clock, decides when max_minutes is
// spent: a clock that advances one minute per reading stops training after the first step.
func TestTrainClock(t *testing.T) {
	ds, err := data.Synthetic(space.Synthetic{Train: 64, Valid: 8, Test: 8, Vocab: 8, MinLen: 3, MaxLen: 6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := space.Config{DModel: 16, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 1, DFF: 32, LR: 1e-3, WarmupSteps: 4}
	tr := space.Training{Epochs: 3, BatchSize: 16, Schedule: "inverse_sqrt", Positions: "sinusoidal", Beam: 1, MaxMinutes: 1.5}
	readings := 0
	fast := func() time.Duration { readings++; return time.Duration(readings) * time.Minute }
	res, err := trainer.Train(context.Background(), cfg, ds, trainer.Options{Training: tr, Seed: 1, Clock: fast})
	if err != nil {
		t.Fatal(err)
	}
	// Readings: 1 at the start, 2 before step 1 (1 minute spent), 3 before step 2 (2 minutes: stop).
	if res.Steps != 1 || res.Epochs != 1 {
		t.Fatalf("%d steps in %d epochs, want 1 in 1", res.Steps, res.Epochs)
	}
	// A clock that never advances lets every epoch run.
	res, err = trainer.Train(context.Background(), cfg, ds, trainer.Options{Training: tr, Seed: 1, Clock: func() time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 12 || res.Epochs != 3 {
		t.Fatalf("%d steps in %d epochs, want 12 in 3", res.Steps, res.Epochs)
	}
}

// TestTrainMaxSteps checks training.max_steps: training stops after exactly that many optimizer
// updates, validates the epoch it stopped in, and a capped run is the start of the uncapped one.
func TestTrainMaxSteps(t *testing.T) {
	ds, err := data.Synthetic(space.Synthetic{Train: 64, Valid: 8, Test: 8, Vocab: 8, MinLen: 3, MaxLen: 6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := space.Config{DModel: 16, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 1, DFF: 32, LR: 1e-3, WarmupSteps: 4, Dropout: 0.1}
	// 64 pairs in batches of 16: 4 steps per epoch, 12 in 3 epochs.
	tr := space.Training{Epochs: 3, BatchSize: 16, Schedule: "inverse_sqrt", Positions: "sinusoidal", Beam: 1, EvalSentences: 8}
	train := func(maxSteps int) *trainer.Result {
		t.Helper()
		tr := tr
		tr.MaxSteps = maxSteps
		res, err := trainer.Train(context.Background(), cfg, ds, trainer.Options{Training: tr, Seed: 3, EvalTest: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	full := train(0)
	cases := []struct {
		maxSteps, steps int
		epochSteps      []int // Step of each history entry
	}{
		{0, 12, []int{4, 8, 12}},
		{1, 1, []int{1}},
		{3, 3, []int{3}},
		{4, 4, []int{4}}, // ends on an epoch boundary: the next epoch does not begin
		{6, 6, []int{4, 6}},
		{12, 12, []int{4, 8, 12}},
		{100, 12, []int{4, 8, 12}}, // the epochs end first
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.maxSteps), func(t *testing.T) {
			res := train(c.maxSteps)
			var got []int
			for _, e := range res.History {
				got = append(got, e.Step)
			}
			if res.Steps != c.steps || res.Epochs != len(c.epochSteps) || !reflect.DeepEqual(got, c.epochSteps) {
				t.Fatalf("%d steps in %d epochs (history steps %v), want %d in %d (%v)", res.Steps, res.Epochs, got, c.steps, len(c.epochSteps), c.epochSteps)
			}
			if len(res.TestTranslations) != len(ds.Test) {
				t.Errorf("%d test translations, want %d (the final evaluation runs)", len(res.TestTranslations), len(ds.Test))
			}
			// Every epoch finished before the cap is the uncapped run's epoch, bit for bit.
			for i, e := range res.History {
				if e.Step%4 != 0 {
					continue
				}
				e.Seconds, full.History[i].Seconds = 0, 0
				if e != full.History[i] {
					t.Errorf("epoch %d: %+v, uncapped run %+v", i+1, e, full.History[i])
				}
			}
			if res.Steps == 12 && res.L2Norm != full.L2Norm {
				t.Errorf("‖θ‖₂ %v, uncapped run %v", res.L2Norm, full.L2Norm)
			}
		})
	}
	tr.MaxSteps = -1
	if _, err := trainer.Train(context.Background(), cfg, ds, trainer.Options{Training: tr, Seed: 3}); err == nil {
		t.Error("max steps -1 accepted")
	}
}
