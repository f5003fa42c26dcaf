package trainer

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/attnsearch/attnsearch/trainer/data"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tinyPairs are hand-made pairs over a vocabulary of 9 ids (4 specials + 5 words).
var tinyPairs = []data.Pair{
	{Src: []int{4, 5, 6}, Tgt: []int{6, 5, 4, 7}},
	{Src: []int{7}, Tgt: []int{8}},
	{Src: []int{8, 8, 4, 5, 6, 7, 4}, Tgt: []int{5, 4}},
}

func tinyDims(learned, tied bool, kvh int) dims {
	return dims{D: 8, H: 4, KVH: kvh, HD: 2, FF: 6, Enc: 2, Dec: 1, SrcV: 9, TgtV: 9, MaxPos: 9,
		Learned: learned, Tied: tied, EmbScale: true}
}

func TestModelGradient(t *testing.T) {
	cases := []struct {
		name          string
		learned, tied bool
		kvh           int
		eps           float64
	}{
		{"sinusoidal gqa smoothing", false, false, 2, 0.1},
		{"learned tied mqa", true, true, 1, 0},
		{"multi-head", false, true, 4, 0.2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := tinyDims(c.learned, c.tied, c.kvh)
			p := newParams(d, tensor.Float64, 3)
			S, T := batchShape(tinyPairs)
			sg, err := buildStep(d, p, 4, S, T, 0)
			if err != nil {
				t.Fatal(err)
			}
			sg.fill(d, tinyPairs, targetTokens(tinyPairs), c.eps, 0, nil)
			if _, err := sg.run(); err != nil {
				t.Fatal(err)
			}
			analytic := make([][]float64, len(p.specs))
			for i := range p.specs {
				g, _, err := gradSum([]*G.Node{sg.grads[i]}, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				analytic[i] = append([]float64(nil), g...)
			}
			rng := rand.New(rand.NewPCG(5, 5))
			const h = 1e-6
			for i, s := range p.specs {
				xs := p.t[s.name].Data().([]float64)
				for n := 0; n < 3; n++ {
					j := rng.IntN(len(xs))
					orig := xs[j]
					xs[j] = orig + h
					up, err := sg.run()
					if err != nil {
						t.Fatal(err)
					}
					xs[j] = orig - h
					down, _ := sg.run()
					xs[j] = orig
					num := (up - down) / (2 * h)
					if math.Abs(num-analytic[i][j]) > 1e-6*math.Max(1, math.Abs(num)) {
						t.Fatalf("%s[%d]: analytic %.10g, numeric %.10g", s.name, j, analytic[i][j], num)
					}
				}
			}
		})
	}
}

// TestGraphMatchesInference checks that the plain-Go inference path (KV cache, one step at a time)
// gives the same log-probabilities as the training graph's teacher-forced forward, and that a graph
// run leaves the weights untouched.
func TestGraphMatchesInference(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, learned := range []bool{false, true} {
			d := tinyDims(learned, !learned, 2)
			p := newParams(d, dt, 11)
			before := p.l2()
			S, T := batchShape(tinyPairs)
			sg, err := buildStep(d, p, 3, S, T, 0)
			if err != nil {
				t.Fatal(err)
			}
			sg.fill(d, tinyPairs, targetTokens(tinyPairs), 0, 0, nil)
			loss1, err := sg.run()
			if err != nil {
				t.Fatal(err)
			}
			logits := f64(sg.logits.Value().(*tensor.Dense))
			loss2, _ := sg.run()
			if loss1 != loss2 || p.l2() != before {
				t.Fatalf("%v: graph runs not repeatable or weights changed: %v %v, %v %v", dt, loss1, loss2, before, p.l2())
			}
			tol := 1e-9
			if dt == tensor.Float32 {
				tol = 2e-4
			}
			in := newInfer(d, p)
			var nll float64
			ntok := 0
			for bi, pair := range tinyPairs {
				lps := in.teacherForced(pair.Src, pair.Tgt)
				_, _, out := seqs(pair)
				for ti, lp := range lps {
					row := logits[(bi*T+ti)*d.TgtV : (bi*T+ti+1)*d.TgtV]
					glp := logSoftmax(row)
					for v := range lp {
						if math.Abs(glp[v]-lp[v]) > tol {
							t.Fatalf("%v learned=%v: pair %d pos %d token %d: graph %.9g, inference %.9g", dt, learned, bi, ti, v, glp[v], lp[v])
						}
					}
					nll -= lp[out[ti]]
					ntok++
				}
			}
			if math.Abs(nll/float64(ntok)-loss1) > tol*10 {
				t.Fatalf("%v: loss %.9g, inference NLL %.9g", dt, loss1, nll/float64(ntok))
			}
		}
	}
}

// TestBeam checks that beam 1 is greedy and that beam search's scores are the teacher-forced
// log-probabilities of its output (so cached states follow their hypotheses).
func TestBeam(t *testing.T) {
	checked := 0
	for _, seed := range []int64{1, 2, 3} {
		d := tinyDims(seed == 2, seed == 3, 2)
		in := newInfer(d, newParams(d, tensor.Float64, seed))
		for _, pair := range tinyPairs {
			g := in.greedy(pair.Src)
			if b := in.beam(pair.Src, 1); !reflect.DeepEqual(g, b) {
				t.Fatalf("beam 1 %v != greedy %v", b, g)
			}
			for _, k := range []int{2, 4} {
				h := in.beamSearch(pair.Src, k)
				if !h.done {
					continue // hit the length limit; its score has no EOS term
				}
				lps := in.teacherForced(pair.Src, h.toks)
				var s float64
				for i, tok := range append(append([]int(nil), h.toks...), data.EOS) {
					s += lps[i][tok]
				}
				if math.Abs(s-h.score) > 1e-9 {
					t.Fatalf("seed %d beam %d: score %.12g, teacher-forced %.12g for %v", seed, k, h.score, s, h.toks)
				}
				if len(h.toks) > in.maxDecodeLen(len(pair.Src)) {
					t.Fatalf("output of %d tokens beyond the limit", len(h.toks))
				}
				checked++
			}
		}
	}
	if checked < 6 {
		t.Fatalf("only %d finished beam hypotheses checked", checked)
	}
}
