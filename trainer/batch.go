package trainer

import (
	"math/rand/v2"

	"github.com/attnsearch/attnsearch/trainer/data"
	"gorgonia.org/tensor"
)

// maskNeg is the additive score of a masked attention position.
const maskNeg = -1e9

// bucket rounds a sequence length up to the next multiple of 8 so that few graph shapes exist.
func bucket(n int) int { return (n + 7) / 8 * 8 }

// seqs returns the encoder input (source + EOS), decoder input (BOS + target) and decoder output
// (target + EOS) of a pair.
func seqs(p data.Pair) (src, dec, out []int) {
	src = append(append(make([]int, 0, len(p.Src)+1), p.Src...), data.EOS)
	dec = append([]int{data.BOS}, p.Tgt...)
	out = append(append(make([]int, 0, len(p.Tgt)+1), p.Tgt...), data.EOS)
	return src, dec, out
}

// batchShape is the padded (S, T) of a batch: both sides are padded to the same multiple of 8,
// so that a corpus of sentences up to L tokens needs at most L/8+1 graphs (each holds all its
// activations and gradients, hundreds of MB for large vocabularies); source and target lengths
// of translations are strongly correlated, so little compute is wasted.
func batchShape(batch []data.Pair) (S, T int) {
	L := 0
	for _, p := range batch {
		L = max(L, len(p.Src)+1, len(p.Tgt)+1)
	}
	return bucket(L), bucket(L)
}

// setter writes float64 values into a tensor's backing array whatever its dtype.
type setter struct {
	f32 []float32
	f64 []float64
}

func setterOf(t *tensor.Dense) setter {
	switch d := t.Data().(type) {
	case []float32:
		return setter{f32: d}
	case []float64:
		return setter{f64: d}
	}
	return setter{}
}

func (s setter) fill(v float64) {
	if s.f32 != nil {
		for i := range s.f32 {
			s.f32[i] = float32(v)
		}
		return
	}
	for i := range s.f64 {
		s.f64[i] = v
	}
}

func (s setter) get(i int) float64 {
	if s.f32 != nil {
		return float64(s.f32[i])
	}
	return s.f64[i]
}

func (s setter) set(i int, v float64) {
	if s.f32 != nil {
		s.f32[i] = float32(v)
		return
	}
	s.f64[i] = v
}

// targetTokens is the number of target tokens (each target and its EOS) of a batch.
func targetTokens(batch []data.Pair) int {
	n := 0
	for _, p := range batch {
		n += len(p.Tgt) + 1
	}
	return n
}

// fill loads a batch (len(batch) <= sg.B; missing rows are empty and carry no loss) into the
// graph's inputs; every target token's loss weight is 1/ntok (ntok: the target tokens of the
// whole step, of which batch may be one shard). Label smoothing eps spreads eps uniformly over the
// vocabulary; dropout masks are drawn from rng (nil when dropout is off).
func (sg *stepGraph) fill(d dims, batch []data.Pair, ntok int, eps, dropout float64, rng *rand.Rand) {
	B, S, T := sg.B, sg.S, sg.T
	grp := d.H / d.KVH
	srcIDs, target, rowW := sg.srcIDs.Data().([]int), setterOf(sg.target), setterOf(sg.rowW)
	rowW.fill(0)
	var tgtIDs []int
	if sg.tgtIDs != nil {
		tgtIDs = sg.tgtIDs.Data().([]int)
	}
	encMask, selfMask, crossMask := setterOf(sg.encMask), setterOf(sg.selfMask), setterOf(sg.crossMask)
	target.fill(0)
	encMask.fill(0)
	selfMask.fill(0)
	crossMask.fill(0)
	V := d.TgtV
	for bi := 0; bi < B; bi++ {
		src, dec, out := []int{data.EOS}, []int{data.BOS}, []int(nil)
		if bi < len(batch) {
			src, dec, out = seqs(batch[bi])
		}
		for t := 0; t < S; t++ {
			id := data.PAD
			if t < len(src) {
				id = src[t]
			}
			srcIDs[bi*S+t] = id
		}
		for t := 0; t < T; t++ {
			id := data.PAD
			if t < len(dec) {
				id = dec[t]
			}
			tgtIDs[bi*T+t] = id
			if t < len(out) {
				row := (bi*T + t) * V
				for v := 0; v < V; v++ {
					target.set(row+v, eps/float64(V)/float64(ntok))
				}
				target.set(row+out[t], (1-eps+eps/float64(V))/float64(ntok))
				rowW.set(bi*T+t, 1/float64(ntok))
			}
		}
		for kv := 0; kv < d.KVH; kv++ {
			m := bi*d.KVH + kv
			for g := 0; g < grp; g++ {
				for tq := 0; tq < S; tq++ {
					row := (m*grp*S + g*S + tq) * S
					for tk := len(src); tk < S; tk++ {
						encMask.set(row+tk, maskNeg)
					}
				}
				for tq := 0; tq < T; tq++ {
					row := (m*grp*T + g*T + tq) * T
					for tk := 0; tk < T; tk++ {
						if tk > tq || tk >= len(dec) {
							selfMask.set(row+tk, maskNeg)
						}
					}
					crow := (m*grp*T + g*T + tq) * S
					for tk := len(src); tk < S; tk++ {
						crossMask.set(crow+tk, maskNeg)
					}
				}
			}
		}
	}
	if dropout > 0 {
		keep := 1 / (1 - dropout)
		for _, m := range sg.drops {
			s := setterOf(m)
			n := m.Shape().TotalSize()
			for i := 0; i < n; i++ {
				if rng.Float64() < dropout {
					s.set(i, 0)
				} else {
					s.set(i, keep)
				}
			}
		}
	}
}

// stepRNG is the dropout generator of one training step, derived from the trial seed.
func stepRNG(seed int64, step int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed)^0x9e3779b97f4a7c15, uint64(step)))
}
