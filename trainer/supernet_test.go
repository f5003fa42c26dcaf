package trainer

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"testing"
	"weak"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func superData(t testing.TB) *data.Dataset {
	t.Helper()
	ds, err := data.Synthetic(space.Synthetic{Train: 64, Valid: 12, Test: 4, Vocab: 8, MinLen: 3, MaxLen: 6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func superTraining() space.Training {
	return space.Training{Epochs: 1, BatchSize: 8, Beta1: 0.9, Beta2: 0.98, Eps: 1e-9, Schedule: "inverse_sqrt",
		ClipNorm: 1, WeightDecayMode: "decoupled", Positions: "sinusoidal", Beam: 1, LatencySentences: 4}
}

var superBase = space.Config{LR: 3e-3, WarmupSteps: 10, LabelSmoothing: 0.1, WeightDecay: 0.01}

// standaloneOf returns the shape and weights of a standalone model of sub-network cfg: its own
// initialisation (seed), overwritten by copies of the SuperTransformer's slices.
func standaloneOf(t *testing.T, sn *SuperNet, cfg space.Config, seed int64) (dims, *params) {
	t.Helper()
	d, err := newDims(cfg, sn.arch)
	if err != nil {
		t.Fatal(err)
	}
	p := newParams(d, tensor.Float32, seed)
	w, err := sn.SubWeights(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range w {
		copy(p.t[name].Data().([]float32), v)
	}
	return d, p
}

// TestSuperNetSlicesAreStandaloneModels checks, for sub-networks at both corners, with GQA,
// MQA and unequal depths, in both position and tying variants, that the SuperTransformer's
// loss of a sub-network and its gradients (scattered into the full shape) equal those of a
// standalone model of that architecture built from copies of the sliced weights, and that the
// gradient outside the slices is zero.
func TestSuperNetSlicesAreStandaloneModels(t *testing.T) {
	largest := space.Config{DModel: 16, Heads: 4, KVHeads: 4, EncLayers: 3, DecLayers: 3, DFF: 24}
	archs := []space.Config{
		{DModel: 16, Heads: 4, KVHeads: 4, EncLayers: 3, DecLayers: 3, DFF: 24}, // largest corner
		{DModel: 4, Heads: 1, KVHeads: 1, EncLayers: 1, DecLayers: 1, DFF: 4},   // smallest corner
		{DModel: 16, Heads: 4, KVHeads: 2, EncLayers: 2, DecLayers: 1, DFF: 12}, // GQA
		{DModel: 8, Heads: 4, KVHeads: 1, EncLayers: 1, DecLayers: 3, DFF: 24},  // MQA, deeper decoder
		{DModel: 12, Heads: 2, KVHeads: 2, EncLayers: 3, DecLayers: 1, DFF: 8},  // deeper encoder
		{DModel: 8, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 2, DFF: 16},  // MQA
		{DModel: 16, Heads: 1, KVHeads: 1, EncLayers: 2, DecLayers: 2, DFF: 4},  // one wide head
	}
	ds := superData(t)
	for _, variant := range []struct {
		name      string
		positions string
		tied      bool
	}{{"sinusoidal untied", "sinusoidal", false}, {"learned tied", "learned", true}} {
		tr := superTraining()
		tr.Positions, tr.TieEmbeddings = variant.positions, variant.tied
		for _, threads := range []int{1, 2} {
			sn, err := NewSuperNet(largest, superBase, ds, Options{Training: tr, Seed: 5, Threads: threads}, 100)
			if err != nil {
				t.Fatal(err)
			}
			for ai, cfg := range archs {
				cfg.LabelSmoothing = superBase.LabelSmoothing
				batch := sn.batch(ai)
				clear(sn.grad)
				loss, err := sn.subLoss(cfg, batch, ai, 0, nil, nil)
				if err != nil {
					t.Fatalf("%s arch %d: %v", variant.name, ai, err)
				}
				d, p := standaloneOf(t, sn, cfg, 99)
				S, T := batchShape(batch)
				sg, err := buildStep(d, p, len(batch), S, T, 0)
				if err != nil {
					t.Fatal(err)
				}
				sg.fill(d, batch, targetTokens(batch), cfg.LabelSmoothing, 0, nil)
				want, err := sg.run()
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(loss-want) > 1e-5*math.Max(1, math.Abs(want)) {
					t.Fatalf("%s threads %d arch %d: loss %.9g, standalone %.9g", variant.name, threads, ai, loss, want)
				}
				inSlice := map[int][]bool{}
				for i, sp := range p.specs {
					g, _, err := gradSum([]*G.Node{sg.grads[i]}, nil, nil)
					if err != nil {
						t.Fatal(err)
					}
					j := sn.idx[sp.name]
					sc := sn.p.specs[j].shape[1]
					mark := make([]bool, sn.p.specs[j].shape[0]*sc)
					r, c := sp.shape[0], sp.shape[1]
					// One shard computes exactly what the standalone model does; two shards sum
					// their partial gradients in float32, which rounds differently.
					tol := 0.0
					for _, x := range g {
						tol = math.Max(tol, math.Abs(x))
					}
					tol = math.Max(tol, 1e-4) * map[int]float64{1: 1e-6, 2: 1e-4}[threads] // the key biases' gradients are rounding noise around 0
					for row := 0; row < r; row++ {
						for col := 0; col < c; col++ {
							got, exp := sn.grad[sn.goff[j]+row*sc+col], g[row*c+col]
							if math.Abs(got-exp) > tol {
								t.Fatalf("%s threads %d arch %d: d%s[%d,%d] = %g, standalone %g", variant.name, threads, ai, sp.name, row, col, got, exp)
							}
							mark[row*sc+col] = true
						}
					}
					inSlice[j] = mark
				}
				for j, sp := range sn.p.specs {
					n := sp.shape[0] * sp.shape[1]
					for k := 0; k < n; k++ {
						if (inSlice[j] == nil || !inSlice[j][k]) && sn.grad[sn.goff[j]+k] != 0 {
							t.Fatalf("%s arch %d: gradient of %s[%d] outside the sub-network is %g", variant.name, ai, sp.name, k, sn.grad[sn.goff[j]+k])
						}
					}
				}
				sg.vm.Close()
			}
			sn.Close()
		}
	}
}

// TestSuperNetRejectsLargerSubNetwork checks that a sub-network beyond the largest shape is an error.
func TestSuperNetRejectsLargerSubNetwork(t *testing.T) {
	ds := superData(t)
	sn, err := NewSuperNet(space.Config{DModel: 8, Heads: 2, KVHeads: 2, EncLayers: 1, DecLayers: 1, DFF: 8}, superBase, ds,
		Options{Training: superTraining(), Seed: 1}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	for _, c := range []space.Config{
		{DModel: 16, Heads: 2, KVHeads: 2, EncLayers: 1, DecLayers: 1, DFF: 8},
		{DModel: 8, Heads: 2, KVHeads: 2, EncLayers: 2, DecLayers: 1, DFF: 8},
		{DModel: 8, Heads: 2, KVHeads: 2, EncLayers: 1, DecLayers: 1, DFF: 16},
	} {
		if _, err := sn.Step([]space.Config{c}); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// TestSuperNetResume checks that with one thread a SuperTransformer restored from a checkpoint
// after k updates reaches, after the remaining updates, exactly the weights of the uninterrupted
// run, for uniform and sandwich steps; and that a damaged checkpoint is refused.
func TestSuperNetResume(t *testing.T) {
	ds := superData(t)
	largest := space.Config{DModel: 16, Heads: 4, KVHeads: 4, EncLayers: 2, DecLayers: 2, DFF: 24}
	ch := archChoices{DModel: []int{4, 8, 12, 16}, Heads: []int{1, 2, 4}, KVHeads: []int{1, 2, 4}, EncLayers: []int{1, 2},
		DecLayers: []int{1, 2}, DFF: []int{8, 16, 24}}
	smallest := space.Config{DModel: 4, Heads: 1, KVHeads: 1, EncLayers: 1, DecLayers: 1, DFF: 8}
	archs := func(n int, sandwich bool) []space.Config {
		if sandwich {
			return []space.Config{largest, smallest, sampleArch(3, n, 0, ch)}
		}
		return []space.Config{sampleArch(3, n, 0, ch)}
	}
	base := superBase
	base.Dropout = 0.1
	opts := Options{Training: superTraining(), Seed: 4, Threads: 1}
	const total, cut = 12, 5 // 8 updates per epoch: the cut and the end lie in different epochs
	for _, sandwich := range []bool{false, true} {
		train := func(sn *SuperNet, to int) {
			for sn.Steps() < to {
				if _, err := sn.Step(archs(sn.Steps(), sandwich)); err != nil {
					t.Fatal(err)
				}
			}
		}
		a, err := NewSuperNet(largest, base, ds, opts, total)
		if err != nil {
			t.Fatal(err)
		}
		train(a, total)
		b, err := NewSuperNet(largest, base, ds, opts, total)
		if err != nil {
			t.Fatal(err)
		}
		train(b, cut)
		path := t.TempDir() + "/ck"
		if err := b.Save(path, map[string]string{"seconds": "1.5"}); err != nil {
			t.Fatal(err)
		}
		b.Close()
		c, err := NewSuperNet(largest, base, ds, opts, total)
		if err != nil {
			t.Fatal(err)
		}
		meta, err := c.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Steps() != cut || meta["seconds"] != "1.5" {
			t.Fatalf("restored %d steps, meta %v", c.Steps(), meta)
		}
		train(c, total)
		for _, sp := range a.p.specs {
			wa, wc := a.p.t[sp.name].Data().([]float32), c.p.t[sp.name].Data().([]float32)
			for i := range wa {
				if wa[i] != wc[i] {
					t.Fatalf("sandwich %v: %s[%d] resumed %g, uninterrupted %g", sandwich, sp.name, i, wc[i], wa[i])
				}
			}
		}
		if reflect.DeepEqual(a.p.t["src.emb"].Data(), newParams(a.d, tensor.Float32, opts.Seed).t["src.emb"].Data()) {
			t.Fatal("training changed nothing")
		}
		// A damaged checkpoint is refused and leaves the SuperTransformer alone.
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		raw[len(raw)/2] ^= 1
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Load(path); !errors.Is(err, ErrBadCheckpoint) {
			t.Fatalf("damaged checkpoint: %v", err)
		}
		if c.Steps() != total {
			t.Fatalf("a refused checkpoint changed the state: %d steps", c.Steps())
		}
		a.Close()
		c.Close()
	}
}

// TestTrainFromInheritedWeights checks that Train started from a sub-network's inherited
// weights begins where the SuperTransformer left it: with no update its validation figures
// equal the sub-network's inherited evaluation; a wrong-sized weight is an error.
func TestTrainFromInheritedWeights(t *testing.T) {
	ds := superData(t)
	largest := space.Config{DModel: 16, Heads: 4, KVHeads: 4, EncLayers: 2, DecLayers: 2, DFF: 24}
	tr := superTraining()
	sn, err := NewSuperNet(largest, superBase, ds, Options{Training: tr, Seed: 2, Threads: 1}, 300)
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	sub := space.Config{DModel: 8, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 2, DFF: 16, LR: 1e-9, WarmupSteps: 1}
	for range 300 {
		if _, err := sn.Step([]space.Config{largest, sub}); err != nil {
			t.Fatal(err)
		}
	}
	inh, err := sn.Evaluate(context.Background(), sub, 0)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sn.SubWeights(sub)
	if err != nil {
		t.Fatal(err)
	}
	tr.MaxSteps = 1
	res, err := Train(context.Background(), sub, ds, Options{Training: tr, Seed: 9, Init: w})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.ValidBLEU-inh.BLEU) > 1e-9 || res.Params != inh.Params {
		t.Fatalf("trained from inherited weights (lr 1e-9, 1 update): BLEU %g, %d params; inherited %g, %d", res.ValidBLEU, res.Params, inh.BLEU, inh.Params)
	}
	if inh.BLEU == 0 {
		t.Fatal("inherited BLEU 0: the check below would not tell inherited weights from fresh ones")
	}
	w["enc.0.ff1.w"] = w["enc.0.ff1.w"][:3]
	if _, err := Train(context.Background(), sub, ds, Options{Training: tr, Seed: 9, Init: w}); err == nil {
		t.Fatal("wrong-sized initial weight: no error")
	}
}

// archChoices lists the values each elastic dimension takes.
type archChoices struct {
	DModel, Heads, KVHeads, EncLayers, DecLayers, DFF []int
}

// sampleArch draws a sub-network for update n (stream k) uniformly from the choices; heads among
// those dividing d_model, kv_heads among those dividing heads.
func sampleArch(seed int64, n, k int, ch archChoices) space.Config {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(n)*4+uint64(k)))
	pick := func(vs []int) int { return vs[rng.IntN(len(vs))] }
	divisors := func(n int, vs []int) []int {
		var out []int
		for _, v := range vs {
			if n%v == 0 {
				out = append(out, v)
			}
		}
		return out
	}
	var c space.Config
	c.DModel = pick(ch.DModel)
	c.Heads = pick(divisors(c.DModel, ch.Heads))
	c.KVHeads = pick(divisors(c.Heads, ch.KVHeads))
	c.EncLayers, c.DecLayers, c.DFF = pick(ch.EncLayers), pick(ch.DecLayers), pick(ch.DFF)
	return c
}

// TestSuperNetGraphCacheBound checks the SuperTransformer's graph cache: over updates that
// each need a new graph (a different architecture every time), it never holds more than
// maxSuperGraphs graphs, and an evicted graph's memory is collectable at once: one collection
// frees it (a graph kept alive by its machine's finalizer for a further cycle would make the
// live heap grow with every collection, as it did on the main job: 19 GB).
func TestSuperNetGraphCacheBound(t *testing.T) {
	ds := superData(t)
	largest := space.Config{DModel: 16, Heads: 4, KVHeads: 4, EncLayers: 2, DecLayers: 2, DFF: 24}
	sn, err := NewSuperNet(largest, superBase, ds, Options{Training: superTraining(), Seed: 1, Threads: 2}, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	var evicted []weak.Pointer[G.ExprGraph]
	seen := map[*G.ExprGraph]bool{}
	n := 0
	for dm := 4; dm <= 16; dm += 4 {
		for ff := 8; ff <= 24; ff += 16 {
			for layers := 1; layers <= 2; layers++ {
				cfg := space.Config{DModel: dm, Heads: 2, KVHeads: 1, EncLayers: layers, DecLayers: 3 - layers, DFF: ff}
				before := map[*G.ExprGraph]bool{}
				for _, g := range sn.graphs {
					for _, p := range g.st.parts {
						before[p.g] = true
					}
				}
				if _, err := sn.Step([]space.Config{cfg}); err != nil {
					t.Fatal(err)
				}
				n++
				if len(sn.graphs) > maxSuperGraphs {
					t.Fatalf("update %d: %d cached graphs, bound %d", n, len(sn.graphs), maxSuperGraphs)
				}
				now := map[*G.ExprGraph]bool{}
				for _, g := range sn.graphs {
					for _, p := range g.st.parts {
						now[p.g] = true
					}
				}
				for g := range before {
					if !now[g] && !seen[g] {
						seen[g] = true
						evicted = append(evicted, weak.Make(g))
					}
				}
			}
		}
	}
	if len(evicted) < n-maxSuperGraphs {
		t.Fatalf("%d updates of distinct architectures evicted %d graphs", n, len(evicted))
	}
	runtime.GC()
	for i, w := range evicted {
		if w.Value() != nil {
			t.Fatalf("evicted graph %d of %d survives a collection", i, len(evicted))
		}
	}
}

// TestSuperNetDistillation checks in-place distillation: with the largest sub-network's output
// distribution as its targets, a smaller sub-network's loss is the cross-entropy between that
// distribution and its own (both from the plain inference path over the sliced weights), on one
// and on two shards; without a teacher the targets are the smoothed references again.
func TestSuperNetDistillation(t *testing.T) {
	largest := space.Config{DModel: 16, Heads: 4, KVHeads: 2, EncLayers: 2, DecLayers: 2, DFF: 24}
	student := space.Config{DModel: 8, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 2, DFF: 12}
	ds := superData(t)
	for _, threads := range []int{1, 2} {
		sn, err := NewSuperNet(largest, superBase, ds, Options{Training: superTraining(), Seed: 3, Threads: threads}, 100)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // train a little so that the teacher is not uniform
			if _, err := sn.Step([]space.Config{largest, student}); err != nil {
				t.Fatal(err)
			}
		}
		batch := sn.batch(7)
		soft := make([][]float32, sn.shards)
		clear(sn.grad)
		if _, err := sn.subLoss(largest, batch, 7, 0, nil, soft); err != nil {
			t.Fatal(err)
		}
		got, err := sn.subLoss(student, batch, 7, 1, soft, nil)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := sn.subLoss(student, batch, 7, 1, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		teacher, err := sn.subInfer(largest)
		if err != nil {
			t.Fatal(err)
		}
		pupil, err := sn.subInfer(student)
		if err != nil {
			t.Fatal(err)
		}
		var want float64
		ntok := targetTokens(batch)
		for _, p := range batch {
			tl, sl := teacher.teacherForced(p.Src, p.Tgt), pupil.teacherForced(p.Src, p.Tgt)
			for pos := range tl {
				for v := range tl[pos] {
					want -= math.Exp(tl[pos][v]) * sl[pos][v]
				}
			}
		}
		want /= float64(ntok)
		if math.Abs(got-want) > 1e-4*want {
			t.Fatalf("threads %d: distilled loss %.7g, cross-entropy with the teacher %.7g", threads, got, want)
		}
		if math.Abs(plain-want) < 1e-3*want {
			t.Fatalf("threads %d: the loss without a teacher (%.7g) equals the distilled one", threads, plain)
		}
	}
}

// TestSuperNetForced checks EvaluateForced against the training graph: a sub-network's teacher-forced
// validation loss equals the loss of the standalone model built from its sliced weights on the
// same sentences without label smoothing.
func TestSuperNetForced(t *testing.T) {
	largest := space.Config{DModel: 16, Heads: 4, KVHeads: 2, EncLayers: 2, DecLayers: 2, DFF: 24}
	ds := superData(t)
	sn, err := NewSuperNet(largest, superBase, ds, Options{Training: superTraining(), Seed: 4, Threads: 1}, 100)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := sn.Step([]space.Config{largest}); err != nil {
			t.Fatal(err)
		}
	}
	for _, cfg := range []space.Config{largest, {DModel: 8, Heads: 2, KVHeads: 1, EncLayers: 1, DecLayers: 2, DFF: 12}} {
		r, err := sn.EvaluateForced(context.Background(), cfg, 10)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := sn.Evaluate(context.Background(), cfg, 10)
		if err != nil {
			t.Fatal(err)
		}
		if plain.BLEU != r.BLEU || plain.Loss != 0 || plain.Accuracy != 0 {
			t.Fatalf("%+v: Evaluate %+v and EvaluateForced %+v differ beyond the forced figures", cfg, plain, r)
		}
		loss, acc := r.Loss, r.Accuracy
		d, p := standaloneOf(t, sn, cfg, 1)
		pairs := ds.Valid[:10]
		S, T := batchShape(pairs)
		sg, err := buildStep(d, p, len(pairs), S, T, 0)
		if err != nil {
			t.Fatal(err)
		}
		sg.fill(d, pairs, targetTokens(pairs), 0, 0, nil)
		want, err := sg.run()
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(loss-want) > 1e-5*want || acc < 0 || acc > 1 {
			t.Fatalf("%+v: forced loss %.7g (accuracy %g), graph %.7g", cfg, loss, acc, want)
		}
	}
}
