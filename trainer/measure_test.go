package trainer

import (
	"context"
	"testing"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
	"gorgonia.org/tensor"
)

// TestMeasureLatency checks that random weights decode each sentence for its reference length
// plus the end token, and that every repetition gives a positive median.
func TestMeasureLatency(t *testing.T) {
	ds, err := data.Synthetic(space.Synthetic{Train: 40, Valid: 8, Test: 8, Vocab: 12, MinLen: 3, MaxLen: 8, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	cfg := space.Config{DModel: 16, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 2, DFF: 32}
	a := ArchFor(ds, space.Training{})
	d, err := newDims(cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	in := newInfer(d, newParams(d, tensor.Float32, 1))
	for _, p := range ds.Valid {
		if got := in.greedySteps(p.Src, len(p.Tgt)+1); len(got) != len(p.Tgt)+1 {
			t.Errorf("decoded %d steps, want %d", len(got), len(p.Tgt)+1)
		}
	}
	ms, err := MeasureLatency(context.Background(), cfg, a, ds, LatencyOptions{Sentences: 4, Reps: 3, Seed: 1, Threads: 1})
	if err != nil || len(ms) != 3 {
		t.Fatalf("MeasureLatency = %v, %v", ms, err)
	}
	for _, v := range ms {
		if !(v > 0) {
			t.Errorf("median %v ms", v)
		}
	}
	if _, err := MeasureLatency(context.Background(), space.Config{DModel: 16, Heads: 3, KVHeads: 1, EncLayers: 1, DecLayers: 1, DFF: 8}, a, ds, LatencyOptions{}); err == nil {
		t.Error("d_model 16 with 3 heads measured")
	}
}
