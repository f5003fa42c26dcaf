package data

import (
	"math/rand/v2"
	"sort"
)

// Batches cuts pairs into batches of batchSize pairs (the last may be smaller) of similar
// length: pairs are sorted by (target length, source length, a random tie-break), cut in order,
// and the batch order is shuffled. The result depends only on (pairs, batchSize, seed, epoch),
// and every pair appears exactly once. batchSize < 1 gives one batch with every pair; no pairs
// gives nil. The input slice is not modified.
func Batches(pairs []Pair, batchSize int, seed int64, epoch int) [][]Pair {
	if len(pairs) == 0 {
		return nil
	}
	if batchSize < 1 {
		batchSize = len(pairs)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(epoch)^0x9e3779b97f4a7c15))
	order := rng.Perm(len(pairs))
	rank := make([]int, len(pairs))
	for r, i := range order {
		rank[i] = r
	}
	sort.Slice(order, func(a, b int) bool {
		pa, pb := &pairs[order[a]], &pairs[order[b]]
		if len(pa.Tgt) != len(pb.Tgt) {
			return len(pa.Tgt) < len(pb.Tgt)
		}
		if len(pa.Src) != len(pb.Src) {
			return len(pa.Src) < len(pb.Src)
		}
		return rank[order[a]] < rank[order[b]]
	})
	var out [][]Pair
	for s := 0; s < len(order); s += batchSize {
		e := min(s+batchSize, len(order))
		b := make([]Pair, 0, e-s)
		for _, i := range order[s:e] {
			b = append(b, pairs[i])
		}
		out = append(out, b)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
