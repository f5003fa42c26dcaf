package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/attnsearch/attnsearch/trainer/data"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// minShardRows is the fewest sentences a data-parallel shard gets: below it the per-op overhead
// of a second graph outweighs what the second core gives.
const minShardRows = 4

// shards is the number of data-parallel shards a step of a batch of B sentences runs as with the
// given threads (Options.Threads): one per thread, each of at least minShardRows sentences.
func shards(threads, B int) int {
	return max(1, min(threads, B/minShardRows))
}

// step is the training step of one padded shape: the batch split into len(parts) contiguous
// shards of at most parts[0].B sentences, each its own graph over the shared weights, run
// concurrently (data parallelism). The weights are only read during a run; each graph has its
// own activations and gradients, summed by the optimizer. With one part it is the plain graph.
type step struct {
	parts []*stepGraph
}

// buildSharded builds the step of model d for B sentences of shape (S, T) as n shards.
func buildSharded(d dims, p *params, B, S, T int, dropout float64, n int) (*step, error) {
	per := (B + n - 1) / n
	st := &step{}
	for rows := B; rows > 0; rows -= per {
		g, err := buildStep(d, p, per, S, T, dropout)
		if err != nil {
			st.close()
			return nil, err
		}
		st.parts = append(st.parts, g)
	}
	return st, nil
}

func (st *step) close() {
	for _, g := range st.parts {
		g.vm.Close()
	}
}

// shardRNG is shard i's dropout generator at a step: shard 0 draws what the unsharded step
// draws (stepRNG), the others independent streams of the same seed.
func shardRNG(seed int64, stepN, i int) *rand.Rand {
	if i == 0 {
		return stepRNG(seed, stepN)
	}
	return rand.New(rand.NewPCG(uint64(seed)^0x9e3779b97f4a7c15^uint64(i)<<56, uint64(stepN)))
}

// run trains on batch (len(batch) ≤ the step's capacity): each shard is filled with its
// contiguous slice of the batch, every loss weight divided by the whole batch's target token
// count, and the shards run concurrently. It returns the summed loss and the gradients of the
// shards that ran (in shard order; a shard with no sentence is skipped).
func (st *step) run(d dims, batch []data.Pair, eps, dropout float64, seed int64, stepN int) (float64, [][]*G.Node, error) {
	return st.runTaught(d, batch, eps, dropout, seed, stepN, nil, nil)
}

// runParts runs the graphs concurrently (the first on the calling goroutine), each after
// prepare(i) on the same goroutine when prepare is not nil (filling its inputs and drawing its
// dropout masks), and returns their summed loss, in order, and their gradients; the first error
// in shard order wins.
func runParts(parts []*stepGraph, prepare func(i int)) (float64, [][]*G.Node, error) {
	losses := make([]float64, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i := 1; i < len(parts); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { // Train's recover covers only its own goroutine
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("trainer: shard %d panicked: %v", i, r)
				}
			}()
			if prepare != nil {
				prepare(i)
			}
			losses[i], errs[i] = parts[i].run()
		}()
	}
	if prepare != nil {
		prepare(0)
	}
	losses[0], errs[0] = parts[0].run()
	wg.Wait()
	var loss float64
	grads := make([][]*G.Node, len(parts))
	for i, g := range parts {
		if errs[i] != nil {
			return 0, nil, errs[i]
		}
		loss += losses[i]
		grads[i] = g.grads
	}
	return loss, grads, nil
}

// runTaught is run with in-place distillation: with teach, each shard's target rows (the tokens
// that carry loss) are teach's probability rows for that shard instead of the smoothed
// references, weighted as the references are; with learn, each shard's output probabilities
// (softmax of its logits, rows B·T of the target vocabulary) are stored into learn[i] for a
// later student. Either may be nil.
func (st *step) runTaught(d dims, batch []data.Pair, eps, dropout float64, seed int64, stepN int, teach, learn [][]float32) (float64, [][]*G.Node, error) {
	ntok := targetTokens(batch)
	per := st.parts[0].B
	used := st.parts[:min(len(st.parts), (len(batch)+per-1)/per)]
	V := d.TgtV
	loss, grads, err := runParts(used, func(i int) {
		lo := i * per
		sg := used[i]
		sg.fill(d, batch[lo:min(lo+per, len(batch))], ntok, eps, dropout, shardRNG(seed, stepN, i))
		if teach == nil {
			return
		}
		target, rowW := setterOf(sg.target), setterOf(sg.rowW)
		for r := range sg.B * sg.T {
			w := rowW.get(r)
			if w == 0 {
				continue
			}
			for v, p := range teach[i][r*V : (r+1)*V] {
				target.set(r*V+v, float64(p)*w)
			}
		}
	})
	if err != nil || learn == nil {
		return loss, grads, err
	}
	for i, sg := range used {
		val := sg.logits.Value()
		if val == nil {
			return 0, nil, fmt.Errorf("trainer: distillation: shard %d's logits have no value", i)
		}
		logits := f64(val.(*tensor.Dense))
		if cap(learn[i]) < len(logits) {
			learn[i] = make([]float32, len(logits))
		}
		learn[i] = learn[i][:len(logits)]
		lp := make([]float64, V)
		for r := 0; r < len(logits)/V; r++ {
			for v, x := range logSoftmaxTo(lp, logits[r*V:(r+1)*V]) {
				learn[i][r*V+v] = float32(math.Exp(x))
			}
		}
	}
	return loss, grads, nil
}
