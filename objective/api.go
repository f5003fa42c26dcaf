package objective

import (
	"github.com/attnsearch/attnsearch/space"
)

// Arch holds the architecture facts a Config does not carry: vocabularies, tying and positions.
type Arch struct {
	SrcVocab, TgtVocab int    // vocabulary sizes, specials included
	TieEmbeddings      bool   // target embedding shares the output projection's weight
	Positions          string // sinusoidal (no parameters) | learned (one MaxPositions x d_model table per side)
	MaxPositions       int    // rows of each learned position table
}

// Cost is the analytic cost of one point; FLOPs are counted in multiply-adds.
type Cost struct {
	ParamsCore                 int64   // encoder and decoder stacks with their final LayerNorms
	ParamsEmbed                int64   // token embeddings, learned positions, output projection (+bias)
	Params                     int64   // ParamsCore + ParamsEmbed: ‖θ‖₀
	FlopsPerToken              float64 // forward multiply-adds per target token at the given lengths
	KVCacheBytesPerToken       int64   // float32 decoder self-attention K and V bytes added per generated token
	CrossKVCacheBytesPerSrcTok int64   // float32 cross-attention K and V bytes held per source token (not in KVCacheBytesPerToken)
}

// Violation is one broken budget constraint.
type Violation struct {
	Field    string  // budget key: max_params, max_flops_per_token, max_kv_cache_bytes, max_latency_ms, max_l2_norm
	Value    float64 // the point's figure
	Limit    float64 // the budget
	Relative float64 // (Value - Limit) / Limit, > 0
}

// Measured holds the figures known only after training that enter constraints and the score.
type Measured struct {
	LatencyMS float64 // median decode latency per sentence
	L2Norm    float64 // ‖θ‖₂ at the end of training
}

// Point is one candidate for the Pareto front: quality P (maximised) and costs (each minimised).
type Point struct {
	Quality float64   // P
	Costs   []float64 // one or more costs E
}

// Point2 is a point of the 2-D (quality, cost) plane used by Hypervolume.
type Point2 struct {
	Quality, Cost float64 // P (maximised), E (minimised)
}

// MaxPositions is the learned position table size the trainer builds for task: MaxLen + 2 (BOS, EOS).
func MaxPositions(task space.Task) int { return task.MaxLen + 2 }

// ArchFor builds the Arch of spec's training settings with the given vocabulary sizes.
func ArchFor(spec *space.Spec, srcVocab, tgtVocab int) Arch {
	return Arch{SrcVocab: srcVocab, TgtVocab: tgtVocab, TieEmbeddings: spec.Training.TieEmbeddings,
		Positions: spec.Training.Positions, MaxPositions: MaxPositions(spec.Task)}
}

// Estimate returns the exact cost of cfg with architecture a at source/target lengths srcLen, tgtLen.
func Estimate(cfg space.Config, a Arch, srcLen, tgtLen int) Cost { return Cost{} }

// TrainFlops is the multiply-adds of a whole training run: 3 × forward per target token × target tokens seen.
func TrainFlops(c Cost, targetTokens int64) float64 { return 0 }

// Check returns the analytic constraints of b that c breaks (params, FLOPs, KV cache), nil if feasible.
func Check(c Cost, b space.Budget) []Violation { return nil }

// CheckMeasured returns the measured constraints of b (latency, L2 norm) that m breaks.
func CheckMeasured(m Measured, b space.Budget) []Violation { return nil }

// CostOf picks the objective's cost E (params, flops, kv_bytes or latency) from c and m.
func CostOf(o space.Objective, c Cost, m Measured) float64 { return 0 }

// RefCost is the budget of the objective's cost: the score's and the hypervolume's reference.
func RefCost(o space.Objective, b space.Budget) float64 { return 0 }

// Score is the value the sampler maximises: P − λ·log2(E/E_ref) when feasible, a negative value
// falling with the total relative violation otherwise (see the package documentation).
func Score(quality, cost, refCost, tradeoff float64, violations []Violation) float64 { return 0 }

// Pareto returns, in increasing order, the indices of the points no other point dominates.
func Pareto(points []Point) []int { return nil }

// Hypervolume is the area dominated by points and bounded by ref (P = ref.Quality, E = ref.Cost).
func Hypervolume(points []Point2, ref Point2) float64 { return 0 }

// ValidateSpace checks that the space's smallest corner meets every analytic budget; the error
// names the budget field's file:line:col.
func ValidateSpace(spec *space.Spec, a Arch) error { return nil }
