package trainer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/bleu"
	"github.com/attnsearch/attnsearch/trainer/data"
	"gorgonia.org/tensor"
)

// maxGraphs bounds the cached graphs (one per padded batch shape); the least recently used goes.
const maxGraphs = 12

// run is the state of one Train call.
type run struct {
	d      dims
	p      *params
	opt    *adam
	opts   Options
	cfg    space.Config
	ds     *data.Dataset
	graphs map[[2]int]*step
	used   map[[2]int]int
	B      int
	shards int // data-parallel shards per step (shards(Threads, B))
	step   int
	peak   uint64
}

// Train trains cfg on ds and measures it: per-epoch validation (loss, accuracy, greedy BLEU),
// the final parameter norm, latency and, with opts.EvalTest, the test set's figures and
// translations. A NaN or Inf loss returns an error wrapping ErrDiverged; cancellation of ctx stops
// training within one step and returns an error wrapping ctx.Err(); an error from opts.OnEpoch
// stops training and is returned wrapped.
func Train(ctx context.Context, cfg space.Config, ds *data.Dataset, opts Options) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("trainer: panic: %v", r)
		}
	}()
	if ds == nil || ds.SrcVocab == nil || ds.TgtVocab == nil || len(ds.Train) == 0 || len(ds.Valid) == 0 {
		return nil, errors.New("trainer: data set needs vocabularies and non-empty train and valid splits")
	}
	tr := opts.Training
	if tr.Epochs < 1 || tr.BatchSize < 1 {
		return nil, fmt.Errorf("trainer: epochs %d and batch size %d must be at least 1", tr.Epochs, tr.BatchSize)
	}
	if tr.MaxSteps < 0 {
		return nil, fmt.Errorf("trainer: max steps %d must not be negative", tr.MaxSteps)
	}
	if cfg.Dropout < 0 || cfg.Dropout >= 1 || cfg.LabelSmoothing < 0 || cfg.LabelSmoothing >= 1 {
		return nil, fmt.Errorf("trainer: dropout %g and label smoothing %g must lie in [0, 1)", cfg.Dropout, cfg.LabelSmoothing)
	}
	arch := ArchFor(ds, tr)
	if a := opts.Arch; a != nil {
		if a.MaxPositions < arch.MaxPositions {
			return nil, fmt.Errorf("trainer: max positions %d below the longest sentence + 1 (%d)", a.MaxPositions, arch.MaxPositions)
		}
		if a.SrcVocab != arch.SrcVocab || a.TgtVocab != arch.TgtVocab {
			return nil, fmt.Errorf("trainer: architecture vocabularies %d/%d, data has %d/%d", a.SrcVocab, a.TgtVocab, arch.SrcVocab, arch.TgtVocab)
		}
		arch = *a
	}
	d, err := newDims(cfg, arch)
	if err != nil {
		return nil, err
	}
	perEpoch := (len(ds.Train) + tr.BatchSize - 1) / tr.BatchSize
	// The schedule's horizon (cosine) stays epochs × batches with a step cap, as with a time cap:
	// a run capped at N steps is the first N steps of the uncapped run.
	opt, err := newAdam(cfg, tr, perEpoch*tr.Epochs)
	if err != nil {
		return nil, err
	}
	r := &run{
		d: d, p: newParams(d, tensor.Float32, opts.Seed), opt: opt, opts: opts, cfg: cfg, ds: ds,
		graphs: map[[2]int]*step{}, used: map[[2]int]int{}, B: min(tr.BatchSize, len(ds.Train)),
	}
	if err := r.p.init(opts.Init); err != nil {
		return nil, err
	}
	r.shards = shards(opts.Threads, r.B)
	opt.threads = opts.Threads
	defer r.close()
	return r.train(ctx)
}

func (r *run) close() {
	for _, g := range r.graphs {
		g.close()
	}
}

// graph returns the cached step for the batch's padded shape, building it on first use.
func (r *run) graph(batch []data.Pair) (*step, error) {
	S, T := batchShape(batch)
	key := [2]int{S, T}
	r.used[key] = r.step
	if g, ok := r.graphs[key]; ok {
		return g, nil
	}
	if len(r.graphs) >= maxGraphs {
		var old [2]int
		oldest := math.MaxInt
		for k := range r.graphs {
			if r.used[k] < oldest || (r.used[k] == oldest && (k[0] < old[0] || k[0] == old[0] && k[1] < old[1])) {
				old, oldest = k, r.used[k]
			}
		}
		r.graphs[old].close()
		delete(r.graphs, old)
	}
	g, err := buildSharded(r.d, r.p, r.B, S, T, r.cfg.Dropout, r.shards)
	if err != nil {
		return nil, err
	}
	r.graphs[key] = g
	return g, nil
}

func (r *run) sampleMem() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.peak = max(r.peak, ms.HeapInuse)
}

func (r *run) train(ctx context.Context) (*Result, error) {
	tr := r.opts.Training
	start := time.Now()
	clock := r.opts.Clock
	if clock == nil {
		clock = func() time.Duration { return time.Since(start) }
	}
	began, limit := clock(), time.Duration(tr.MaxMinutes*float64(time.Minute))
	timeUp := func() bool { return tr.MaxMinutes > 0 && clock()-began >= limit }
	stepsDone := func() bool { return tr.MaxSteps > 0 && r.step >= tr.MaxSteps }
	res := &Result{Params: r.d.paramCount()}
	var last evalOut
	for epoch := 1; epoch <= tr.Epochs; epoch++ {
		var sum float64
		n := 0
		for _, batch := range data.Batches(r.ds.Train, tr.BatchSize, r.opts.Seed, epoch) {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("trainer: epoch %d step %d: %w", epoch, r.step, err)
			}
			if timeUp() || stepsDone() {
				break
			}
			loss, err := r.trainStep(batch)
			if err != nil {
				return nil, fmt.Errorf("trainer: epoch %d step %d: %w", epoch, r.step, err)
			}
			sum += loss
			n++
		}
		if n == 0 {
			break // the time cap (or the step cap) ran out before this epoch began
		}
		last = r.evaluate(ctx, r.ds.Valid, tr.EvalSentences, 1)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("trainer: epoch %d validation: %w", epoch, err)
		}
		e := Epoch{Epoch: epoch, Step: r.step, TrainLoss: sum / float64(n), ValidLoss: last.loss,
			ValidBLEU: last.bleu, ValidAccuracy: last.acc, Seconds: time.Since(start).Seconds()}
		res.History = append(res.History, e)
		res.Epochs = epoch
		if r.opts.Progress != nil {
			fmt.Fprintf(r.opts.Progress, "epoch %d step %d train_loss %.4f valid_loss %.4f valid_bleu %.2f valid_acc %.4f %.1fs\n",
				e.Epoch, e.Step, e.TrainLoss, e.ValidLoss, e.ValidBLEU, e.ValidAccuracy, e.Seconds)
		}
		if r.opts.OnEpoch != nil {
			if err := r.opts.OnEpoch(ctx, e); err != nil {
				return nil, fmt.Errorf("trainer: epoch %d callback: %w", epoch, err)
			}
		}
		if timeUp() || stepsDone() {
			break
		}
	}
	if res.Epochs == 0 {
		return nil, errors.New("trainer: time cap reached before the first epoch finished")
	}
	res.TrainSeconds = time.Since(start).Seconds()
	res.Steps = r.step
	res.ValidBLEU, res.ValidAccuracy, res.ValidExact = last.bleu, last.acc, last.exact
	res.L2Norm = r.p.l2()
	in := newInfer(r.d, r.p)
	res.LatencyMS = latency(ctx, in, r.ds.Valid, tr.LatencySentences)
	if r.opts.EvalTest && len(r.ds.Test) > 0 {
		te := r.evaluate(ctx, r.ds.Test, 0, max(tr.Beam, 1))
		res.TestBLEU, res.TestAccuracy, res.TestExact, res.TestTranslations = te.bleu, te.acc, te.exact, te.hyps
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("trainer: final evaluation: %w", err)
	}
	r.sampleMem()
	res.PeakMemBytes = r.peak
	return res, nil
}

// trainStep runs forward, backward and one optimizer update on a batch and returns the loss.
func (r *run) trainStep(batch []data.Pair) (float64, error) {
	g, err := r.graph(batch)
	if err != nil {
		return 0, err
	}
	loss, grads, err := g.run(r.d, batch, r.cfg.LabelSmoothing, r.cfg.Dropout, r.opts.Seed, r.step)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("loss %v: %w", loss, ErrDiverged)
	}
	if _, err := r.opt.step(r.p, grads...); err != nil {
		return loss, err
	}
	if r.opts.MaxL2Norm > 0 {
		r.p.project(r.opts.MaxL2Norm)
	}
	r.step++
	if r.step%10 == 1 {
		r.sampleMem()
	}
	return loss, nil
}

// evalOut holds the figures of one evaluation pass.
type evalOut struct {
	loss, acc, bleu, exact float64
	hyps                   []string
}

// parallel runs f(i) for i in [0, n) on GOMAXPROCS goroutines; results go to index i, so the
// outcome does not depend on scheduling. It stops handing out work once ctx is done.
func parallel(ctx context.Context, n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// forced returns the teacher-forced mean loss (negative log-likelihood per reference token, EOS
// included) and token accuracy of in over pairs (0, 0 without tokens), in parallel and combined
// in order, so deterministic.
func forced(ctx context.Context, in *infer, pairs []data.Pair) (loss, acc float64) {
	nlls := make([]float64, len(pairs))
	hits := make([][2]int, len(pairs))
	parallel(ctx, len(pairs), func(i int) {
		p := pairs[i]
		lps := in.teacherForced(p.Src, p.Tgt)
		_, _, gold := seqs(p)
		pred := make([]int, len(lps))
		for j, lp := range lps {
			nlls[i] -= lp[gold[j]]
			pred[j] = argmax(lp)
		}
		hits[i][0], hits[i][1] = bleu.TokenMatches(pred, gold, data.PAD)
	})
	var nll float64
	correct, total := 0, 0
	for i := range pairs {
		nll += nlls[i]
		correct += hits[i][0]
		total += hits[i][1]
	}
	if total == 0 {
		return 0, 0
	}
	return nll / float64(total), float64(correct) / float64(total)
}

// evaluate computes teacher-forced loss and accuracy over all pairs and BLEU and exact match of
// decoding the first n pairs (0 = all) with the given beam (1 = greedy). Sentences are processed
// in parallel and combined in order, so the figures are deterministic.
func (r *run) evaluate(ctx context.Context, pairs []data.Pair, n, beam int) evalOut {
	in := newInfer(r.d, r.p)
	var out evalOut
	out.loss, out.acc = forced(ctx, in, pairs)
	if n <= 0 || n > len(pairs) {
		n = len(pairs)
	}
	refs := make([]string, n)
	out.hyps = make([]string, n)
	parallel(ctx, n, func(i int) {
		out.hyps[i] = r.ds.TgtVocab.Decode(in.beam(pairs[i].Src, beam))
		refs[i] = pairs[i].TgtText
	})
	out.bleu = bleu.Corpus(out.hyps, refs).BLEU
	out.exact = bleu.ExactMatch(out.hyps, refs)
	return out
}

// latency is the median wall time in milliseconds of greedy-translating each of the first n
// validation sentences alone (batch 1, one goroutine), after translating three of them to warm up.
func latency(ctx context.Context, in *infer, pairs []data.Pair, n int) float64 {
	return timeDecodes(ctx, pairs, n, func(p data.Pair) { in.greedy(p.Src) })
}

// timeDecodes is latency's timing with the decode of one pair given: three warm-up decodes, then
// the median wall time in milliseconds of decoding each of the first n pairs (0 = 50) alone.
func timeDecodes(ctx context.Context, pairs []data.Pair, n int, decode func(data.Pair)) float64 {
	if n <= 0 {
		n = 50
	}
	n = min(n, len(pairs))
	for i := 0; i < min(3, n); i++ {
		decode(pairs[i])
	}
	ms := make([]float64, 0, n)
	for _, p := range pairs[:n] {
		if ctx.Err() != nil {
			break
		}
		t0 := time.Now()
		decode(p)
		ms = append(ms, float64(time.Since(t0).Nanoseconds())/1e6)
	}
	if len(ms) == 0 {
		return 0
	}
	sort.Float64s(ms)
	if len(ms)%2 == 1 {
		return ms[len(ms)/2]
	}
	return (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
}
