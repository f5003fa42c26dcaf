package objective

import (
	"github.com/attnsearch/attnsearch/space"
)

// Cost is the analytic cost of one point; FLOPs are counted in multiply-adds.
type Cost struct {
	ParamsCore                 int64   // encoder and decoder stacks with their final LayerNorms
	ParamsEmbed                int64   // token embeddings, learned positions, output projection (+bias)
	Params                     int64   // ParamsCore + ParamsEmbed: ‖θ‖₀
	FlopsPerToken              float64 // forward multiply-adds per target token at the given lengths
	KVCacheBytesPerToken       int64   // float32 decoder self-attention K and V bytes added per generated token
	CrossKVCacheBytesPerSrcTok int64   // float32 cross-attention K and V bytes held per source token (not in KVCacheBytesPerToken)
	Decode                     Decode  // the work of decoding one sentence greedily at batch 1 (latency features)
	// Predicted holds the predicted costs' figures by name (the space file's costs section;
	// EstimateSpec fills it, Estimate leaves it nil).
	Predicted map[string]float64
}

// BytesPerFloat is the size of one stored activation (float32).
const BytesPerFloat = 4

// shape is the architecture as the cost formulas need it; kvDim = kv_heads · d_model/heads.
type shape struct {
	d, kvDim, enc, dec, ff int64
}

// shapeOf extracts the shape of cfg (head_dim = d_model/heads, integer division).
func shapeOf(cfg space.Config) shape {
	hd := int64(0)
	if cfg.Heads > 0 {
		hd = int64(cfg.DModel / cfg.Heads)
	}
	return shape{d: int64(cfg.DModel), kvDim: int64(cfg.KVHeads) * hd, enc: int64(cfg.EncLayers),
		dec: int64(cfg.DecLayers), ff: int64(cfg.DFF)}
}

// attnParams counts one attention block: Q and O (d×d + d each), K and V (d×kvDim + kvDim each).
func (s shape) attnParams() int64 {
	return 2*(s.d*s.d+s.d) + 2*(s.d*s.kvDim+s.kvDim)
}

// ffnParams counts the ReLU feed-forward block: d→ff and ff→d, both with biases.
func (s shape) ffnParams() int64 { return s.d*s.ff + s.ff + s.ff*s.d + s.d }

// core counts the encoder and decoder stacks: per encoder layer self-attention, FFN and 2
// LayerNorms; per decoder layer self-attention, cross-attention, FFN and 3 LayerNorms; plus the
// final LayerNorm of each stack (every LayerNorm has weight and bias: 2·d).
func (s shape) core() int64 {
	ln := 2 * s.d
	encLayer := s.attnParams() + s.ffnParams() + 2*ln
	decLayer := 2*s.attnParams() + s.ffnParams() + 3*ln
	return s.enc*encLayer + s.dec*decLayer + 2*ln
}

// embed counts source and target embeddings, learned positions (one table per side), and the
// output projection's weight and bias unless it is tied to the target embedding (then it has
// neither).
func (s shape) embed(a space.Arch) int64 {
	n := int64(a.SrcVocab)*s.d + int64(a.TgtVocab)*s.d
	if !a.TieEmbeddings {
		n += s.d*int64(a.TgtVocab) + int64(a.TgtVocab)
	}
	if a.Positions == "learned" {
		n += 2 * int64(a.MaxPositions) * s.d
	}
	return n
}

// forwardMACs counts the multiply-adds of one teacher-forced forward pass over a sentence pair of
// n source and m target tokens: every matrix product (projections, attention scores Q·Kᵀ and the
// weighted sums A·V over the full, masked n×n / m×m / m×n score matrices, FFN, output projection).
// Biases, LayerNorm, softmax, ReLU and embedding lookups are not matrix products and not counted.
func (s shape) forwardMACs(tgtVocab, n, m int64) float64 {
	d, kv, ff := float64(s.d), float64(s.kvDim), float64(s.ff)
	N, M := float64(n), float64(m)
	encLayer := N*d*d*2 + N*d*kv*2 + // Q, O; K, V
		2*N*N*d + // scores and weighted sums over all heads
		2*N*d*ff
	decLayer := M*d*d*2 + M*d*kv*2 + 2*M*M*d + // self-attention
		M*d*d*2 + N*d*kv*2 + 2*M*N*d + // cross-attention: Q, O over targets; K, V over sources
		2*M*d*ff
	return float64(s.enc)*encLayer + float64(s.dec)*decLayer + M*d*float64(tgtVocab)
}

// Estimate returns the exact cost of cfg with architecture a. FlopsPerToken is the multiply-adds of
// one forward pass over a pair of srcLen source and tgtLen target tokens, divided by tgtLen.
func Estimate(cfg space.Config, a space.Arch, srcLen, tgtLen int) Cost {
	s := shapeOf(cfg)
	c := Cost{ParamsCore: s.core(), ParamsEmbed: s.embed(a)}
	c.Params = c.ParamsCore + c.ParamsEmbed
	if tgtLen > 0 {
		c.FlopsPerToken = s.forwardMACs(int64(a.TgtVocab), int64(srcLen), int64(tgtLen)) / float64(tgtLen)
	}
	c.KVCacheBytesPerToken = 2 * s.dec * s.kvDim * BytesPerFloat
	c.CrossKVCacheBytesPerSrcTok = 2 * s.dec * s.kvDim * BytesPerFloat
	c.Decode = s.decode(int64(cfg.Heads), int64(a.TgtVocab), int64(srcLen), int64(tgtLen)+1)
	return c
}
