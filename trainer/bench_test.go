package trainer

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
	"github.com/attnsearch/attnsearch/trainer/fastblas"
	"github.com/attnsearch/attnsearch/trainer/internal/cputime"
	"gorgonia.org/tensor"
)

// The reference model of ../shared/bench/torch_ref.py: encoder only, learned token and position
// embeddings (no scaling), 2 pre-LN layers, d_model 64, 4 heads, d_ff 256, vocab 64, length 16,
// batch 32, no mask, no final LayerNorm, output projection 64 -> 64, mean cross-entropy over all
// tokens, Adam lr 1e-3 (0.9, 0.999, 1e-8), float32. The task reverses the sequence.
const (
	refVocab, refLen, refBatch = 64, 16, 32
)

// refSetup builds the reference model's graph, weights and optimizer on one shard.
func refSetup(tb testing.TB, dt tensor.Dtype, seed int64) (dims, *params, *step, *adam) {
	return refSetupPath(tb, dt, seed, false, 1)
}

// refSetupPath is refSetup with the graph built from stock ops only when composed is set, as
// shards data-parallel shards with an optimizer of as many threads.
func refSetupPath(tb testing.TB, dt tensor.Dtype, seed int64, composed bool, shards int) (dims, *params, *step, *adam) {
	d := dims{D: 64, H: 4, KVH: 4, HD: 16, FF: 256, Enc: 2, SrcV: refVocab, TgtV: refVocab, MaxPos: refLen,
		Learned: true, EncoderOnly: true, Composed: composed}
	p := newParams(d, dt, seed)
	st, err := buildSharded(d, p, refBatch, refLen, refLen, 0, shards)
	if err != nil {
		tb.Fatal(err)
	}
	opt, err := newAdam(space.Config{LR: 1e-3}, space.Training{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Schedule: "constant"}, 0)
	if err != nil {
		tb.Fatal(err)
	}
	opt.threads = shards
	return d, p, st, opt
}

// refFill loads a batch of uniform random sequences and their reversals into the step's shards.
func refFill(st *step, rng *rand.Rand) {
	seqs := make([][]int, refBatch)
	for b := range seqs {
		seqs[b] = make([]int, refLen)
		for i := range seqs[b] {
			seqs[b][i] = rng.IntN(refVocab)
		}
	}
	for k, sg := range st.parts {
		src, tgt := sg.srcIDs.Data().([]int), setterOf(sg.target)
		tgt.fill(0)
		setterOf(sg.rowW).fill(1 / float64(refBatch*refLen))
		for b := 0; b < sg.B; b++ {
			seq := seqs[k*st.parts[0].B+b]
			for i := range seq {
				row := b*refLen + i
				src[row] = seq[i]
				tgt.set(row*refVocab+seq[refLen-1-i], 1/float64(refBatch*refLen))
			}
		}
	}
}

// refStep runs one training step and returns the loss.
func refStep(tb testing.TB, p *params, st *step, opt *adam, rng *rand.Rand) float64 {
	refFill(st, rng)
	loss, grads, err := runParts(st.parts, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := opt.step(p, grads...); err != nil {
		tb.Fatal(err)
	}
	return loss
}

// BenchmarkReferenceStep times one training step (forward, backward, Adam) of torch_ref.py's
// model at 1 and 2 threads (GOMAXPROCS, the trainer's data-parallel shards and Adam's threads,
// and, with -tags openblas, OpenBLAS's thread count), and at 2 threads with OpenBLAS on one
// thread (at these small shapes a second BLAS thread costs more than it gives).
func BenchmarkReferenceStep(b *testing.B) {
	for _, c := range []struct {
		name             string
		threads, blasThr int
	}{{"threads=1", 1, 1}, {"threads=2", 2, 2}, {"threads=2,blas=1", 2, 1}} {
		b.Run(c.name, func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(c.threads))
			fastblas.SetThreads(c.blasThr)
			defer fastblas.SetThreads(1)
			d, p, sg, opt := refSetupPath(b, tensor.Float32, 1, false, shards(c.threads, refBatch))
			defer sg.close()
			if got := d.paramCount(); got != 109248 {
				b.Fatalf("reference model has %d parameters, torch_ref.py 109,248", got)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			for i := 0; i < 10; i++ { // warm-up, as torch_ref.py
				refStep(b, p, sg, opt, rng)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, ok := cputime.Process()
			for i := 0; i < b.N; i++ {
				refStep(b, p, sg, opt, rng)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
			reportCPU(b, cpu0, ok)
		})
	}
}

// reportCPU reports "cpu-ms/step": the process's CPU time (every thread, OpenBLAS's included) per
// step since cpu0, which stays comparable on a machine shared with other work.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, _ := cputime.Process(); ok && cpu1 > cpu0 {
		b.ReportMetric(float64(cpu1-cpu0)/1e6/float64(b.N), "cpu-ms/step")
	}
}

// TestReferenceLearns trains the reference model for 120 steps and requires the loss to fall
// from its initial value (above ln 64 = 4.16) below 2, as torch_ref.py's does.
func TestReferenceLearns(t *testing.T) {
	_, p, sg, opt := refSetup(t, tensor.Float32, 1)
	defer sg.close()
	rng := rand.New(rand.NewPCG(1, 1))
	first := refStep(t, p, sg, opt, rng)
	var last float64
	for i := 1; i < 120; i++ {
		last = refStep(t, p, sg, opt, rng)
	}
	t.Logf("reference loss: step 0 %.4f, step 119 %.4f", first, last)
	if first < 3.9 || first > 7 || last > 2.0 {
		t.Fatalf("reference loss %.4f -> %.4f: want above 4.16 at first, then below 2", first, last)
	}
}

// BenchmarkSearchStep times one training step of a mid-size search configuration (d_model 128,
// 4 heads, 2+2 layers, d_ff 512, dropout 0.1, label smoothing 0.1, batch 32) on the synthetic
// task of spaces/mt.yaml, on the unoptimised (stock ops) and the fused graph at one thread, and on
// the fused graph at two (two data-parallel shards, each product on one BLAS thread).
func BenchmarkSearchStep(b *testing.B) {
	ds, err := data.Synthetic(space.Synthetic{Train: 640, Valid: 16, Test: 16, Vocab: 24, MinLen: 3, MaxLen: 10, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	cfg := space.Config{DModel: 128, Heads: 4, KVHeads: 4, EncLayers: 2, DecLayers: 2, DFF: 512,
		Dropout: 0.1, LabelSmoothing: 0.1, LR: 1e-3, WarmupSteps: 100}
	tr := space.Training{Epochs: 1, BatchSize: 32, Schedule: "inverse_sqrt", ClipNorm: 1}
	for _, c := range []struct {
		composed bool
		threads  int
	}{{true, 1}, {false, 1}, {false, 2}} {
		composed := c.composed
		name := fmt.Sprintf("composed=%v", composed)
		if c.threads > 1 {
			name += fmt.Sprintf(",threads=%d", c.threads)
		}
		b.Run(name, func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(c.threads))
			fastblas.SetThreads(1) // one BLAS thread per shard, as the attnsearch command installs it
			d, err := newDims(cfg, ArchFor(ds, tr))
			if err != nil {
				b.Fatal(err)
			}
			d.Composed = composed
			opt, err := newAdam(cfg, tr, 1000)
			if err != nil {
				b.Fatal(err)
			}
			opt.threads = c.threads
			r := &run{d: d, p: newParams(d, tensor.Float32, 1), opt: opt, cfg: cfg, ds: ds,
				graphs: map[[2]int]*step{}, used: map[[2]int]int{}, B: tr.BatchSize, shards: shards(c.threads, tr.BatchSize)}
			defer r.close()
			batches := data.Batches(ds.Train, tr.BatchSize, 1, 1)
			for _, batch := range batches { // warm-up: builds every graph shape once
				if _, err := r.trainStep(batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, ok := cputime.Process()
			for i := 0; i < b.N; i++ {
				if _, err := r.trainStep(batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
			reportCPU(b, cpu0, ok)
		})
	}
}
