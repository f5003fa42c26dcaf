package objective

// Decode is the work of translating one sentence of n source tokens greedily at batch 1 with a
// key/value cache, as trainer's latency measurement does (encode once, then one decoder step per
// output token, the end token included): the figures a latency predictor needs to be nearly
// linear in them. Multiply-adds are split by kind because the kernels differ in speed per
// multiply-add; the counts of rows and attention scores carry the per-operation overheads.
type Decode struct {
	ProjMACs   float64 // attention projections: encoder Q, K, V, O; cross K, V over the source; decoder self Q, K, V, O and cross Q, O per step
	FFNMACs    float64 // feed-forward blocks, both halves, encoder and every decoder step
	AttnMACs   float64 // attention scores and weighted sums (encoder n×n, self-attention over the growing cache, cross-attention over the source)
	OutMACs    float64 // output projection to the target vocabulary, per step
	Scores     float64 // attention scores computed (one exp each): heads × keys per query row
	HeadRows   float64 // query rows × heads: the attention loops' per-head overhead
	LayerSteps float64 // layer applications: each encoder layer once, each decoder layer per step, plus the steps (output projection)
	RowElems   float64 // d_model-wide rows through LayerNorm, residual adds and allocation: rows × d_model
}

// decode counts the work of greedy decoding with `heads` query heads, a target vocabulary of v,
// n source tokens and m decoder steps.
func (s shape) decode(heads, v, n, m int64) Decode {
	d, kv, ff, h := float64(s.d), float64(s.kvDim), float64(s.ff), float64(heads)
	N, M, enc, dec := float64(n), float64(m), float64(s.enc), float64(s.dec)
	cache := M * (M + 1) / 2 // self-attention keys over all steps: 1 + 2 + … + m
	return Decode{
		ProjMACs: enc*N*(2*d*d+2*d*kv) + dec*N*2*d*kv + // encoder; cross K, V once per source token
			dec*M*(2*d*d+2*d*kv+2*d*d), // per step: self Q, O, K, V; cross Q, O
		FFNMACs:    (enc*N + dec*M) * 2 * d * ff,
		AttnMACs:   enc*2*N*N*d + dec*(2*cache*d+2*M*N*d),
		OutMACs:    M * d * float64(v),
		Scores:     h * (enc*N*N + dec*(cache+M*N)),
		HeadRows:   h * (enc*N + 2*dec*M),
		LayerSteps: enc + dec*M + M,
		RowElems:   d * (enc*N*3 + dec*M*4 + M),
	}
}
