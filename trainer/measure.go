package trainer

import (
	"context"
	"fmt"
	"runtime"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
	"gorgonia.org/tensor"
)

// LatencyOptions are the settings of MeasureLatency.
type LatencyOptions struct {
	Sentences int   // validation sentences timed per repetition (training.latency_sentences; 0 = 50)
	Reps      int   // repetitions (each one median over Sentences; < 1 = 1)
	Seed      int64 // root of the random weights
	Threads   int   // GOMAXPROCS while measuring, as Train sets it (0 = leave it)
}

// MeasureLatency builds cfg with architecture a and random weights (opts.Seed) and measures its
// inference latency as Train's final figure does: batch 1, one goroutine, three warm-up decodes,
// the median wall time over the first opts.Sentences validation sentences of ds, opts.Reps times.
// Random weights would stop greedy decoding at an arbitrary length, so each sentence is decoded
// greedily for exactly the steps a model that translates it correctly makes (its reference length
// plus the end token): the same work per sentence as a trained model's. It returns each
// repetition's median in milliseconds.
func MeasureLatency(ctx context.Context, cfg space.Config, a space.Arch, ds *data.Dataset, opts LatencyOptions) ([]float64, error) {
	if ds == nil || len(ds.Valid) == 0 {
		return nil, fmt.Errorf("trainer: latency: the data set has no validation sentences")
	}
	d, err := newDims(cfg, a)
	if err != nil {
		return nil, err
	}
	if opts.Threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(opts.Threads))
	}
	in := newInfer(d, newParams(d, tensor.Float32, opts.Seed))
	out := make([]float64, 0, max(opts.Reps, 1))
	for r := 0; r < max(opts.Reps, 1); r++ {
		ms := timeDecodes(ctx, ds.Valid, opts.Sentences, func(p data.Pair) { in.greedySteps(p.Src, len(p.Tgt)+1) })
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("trainer: latency: %w", err)
		}
		out = append(out, ms)
	}
	return out, nil
}

// greedySteps decodes src greedily for exactly steps steps (bounded as greedy is), whatever
// tokens come out: the work of a greedy translation of steps − 1 tokens and its end token.
func (in *infer) greedySteps(src []int, steps int) []int {
	m := in.encode(src)
	s := &state{}
	out := make([]int, 0, steps)
	tok := data.BOS
	for len(out) < min(steps, in.maxDecodeLen(len(src))+1) {
		tok = argmax(in.step(m, s, tok))
		out = append(out, tok)
	}
	return out
}
