// Package objective holds the pure functions that judge a point: the exact cost model of the
// encoder–decoder Transformer, the budget constraints, the score the sampler maximises, the
// Pareto front and its hypervolume. It does no I/O and knows neither goptuna nor gorgonia.
//
// # Cost model
//
// The model is the trainer's pre-LN encoder–decoder with d = d_model, h = heads, kv = kv_heads,
// head_dim = d/h and K/V width w = kv·d/h:
//
//   - attention block: Q and output projections d×d + d each, K and V projections d×w + w each;
//   - feed-forward block: d×d_ff + d_ff and d_ff×d + d (ReLU);
//   - LayerNorm: weight and bias, 2·d; two per encoder layer, three per decoder layer, and one
//     final LayerNorm per stack;
//   - ParamsCore = enc·(attn + ffn + 2·2d) + dec·(2·attn + ffn + 3·2d) + 2·2d. For kv = h it
//     equals the parameter count of torch.nn.Transformer(d, h, enc, dec, d_ff) exactly
//     (44,140,544 for 512/8/6/6/2048; pinned against PyTorch in the tests);
//   - ParamsEmbed = src_vocab·d + tgt_vocab·d (token embeddings) + d·tgt_vocab + tgt_vocab
//     (output projection weight and bias, both absent when tied to the target embedding: the
//     logits are then the decoder state times the embedding, as in PyTorch's and fairseq's tied
//     models) + 2·MaxPositions·d when positions are learned (one table for the source side and
//     one for the target side; sinusoidal positions have no parameters);
//   - Params = ParamsCore + ParamsEmbed (‖θ‖₀).
//
// FLOPs are counted in multiply-adds (one multiply-add = 1; multiply by 2 for the
// "two FLOPs per MAC" convention). FlopsPerToken is the multiply-adds of one teacher-forced forward
// pass over a pair of n = src_len source and m = tgt_len target tokens, divided by m: every
// matrix product is counted, attention scores Q·Kᵀ and weighted sums A·V included, over the full
// (masked) score matrices as a dense implementation computes them:
//
//	encoder layer: 2·n·d·d (Q, O) + 2·n·d·w (K, V) + 2·n·n·d (scores, sums) + 2·n·d·d_ff
//	decoder layer: 2·m·d·d + 2·m·d·w + 2·m·m·d            (self-attention)
//	             + 2·m·d·d + 2·n·d·w + 2·m·n·d            (cross-attention; K, V over the source)
//	             + 2·m·d·d_ff
//	output:        m·d·tgt_vocab
//
// Biases, LayerNorm, softmax, ReLU and embedding lookups are not matrix products and are not
// counted. A training run costs about 3 × FlopsPerToken × target tokens seen (backward ≈ 2 ×
// forward).
//
// KVCacheBytesPerToken is what decoding adds per generated token: float32 K and V of width w in
// every decoder layer's self-attention, 2·dec·w·4 bytes. This is where multi-query (kv = 1) and
// grouped-query attention save memory. The cross-attention K and V are computed once per source
// token and held for the whole sentence; they are reported separately as
// CrossKVCacheBytesPerSrcTok (same formula, per source token) and are not part of the budget's
// max_kv_cache_bytes.
//
// # Constraints and score
//
// Check compares the analytic costs with max_params, max_flops_per_token and max_kv_cache_bytes
// before any training; CheckMeasured compares the measured latency and ‖θ‖₂ afterwards. Each
// Violation carries the amount, relative to the limit.
//
// Score (the value the sampler maximises, for final and per-epoch P alike), with P the quality on
// a 0–100 scale (BLEU, or token accuracy × 100), E the objective's cost, E_ref its budget and
// λ = objective.tradeoff:
//
//	feasible:   S = P − λ·log2(E / E_ref)          (>= P >= 0, since E <= E_ref)
//	infeasible: S = −1 − 100·Σ relative violations  (< −1)
//
// so S is strictly increasing in P, strictly decreasing in E (λ > 0), every infeasible point is
// below every feasible one, and infeasible points are ordered by how far they are from the
// budget, which lets TPE learn the boundary.
//
// # Pareto front and hypervolume
//
// Pareto keeps the points no other point dominates (P maximised, every cost minimised); copies of
// a front point are all kept. Hypervolume is the area the points dominate in the (P, E) plane,
// bounded by a reference point, normally (P = 0, E = budget).
//
// Several objectives: Minimized turns an objective vector into the all-minimised form of package
// front, which holds the arithmetic of fronts in any dimension (ranks, constrained domination,
// crowding distance, exact hypervolume).
package objective
