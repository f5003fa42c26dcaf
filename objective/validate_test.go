package objective_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/space"
)

// spaceWithBudget is a small synthetic space with the given budget lines.
func spaceWithBudget(budget string) string {
	return `task:
  kind: synthetic
params:
  d_model: {low: 32, high: 64, step: 32}
  heads: {choices: [2, 4]}
  kv_heads: {low: 1, high: 4}
  enc_layers: {low: 1, high: 2}
  dec_layers: 1
  d_ff: {low: 64, high: 128, step: 64}
budget:
` + budget + `
objective: {cost: params, src_len: 8, tgt_len: 8}
`
}

// TestValidateSpace checks that an unreachable budget is reported at its own line and column,
// and that a reachable one passes.
func TestValidateSpace(t *testing.T) {
	a := space.Arch{SrcVocab: 40, TgtVocab: 40, Positions: "sinusoidal"}
	// The smallest corner: d=32, heads 4 (largest), kv 1 -> K/V width 8, 1+1 layers, d_ff 64.
	corner := space.Config{DModel: 32, Heads: 4, KVHeads: 1, EncLayers: 1, DecLayers: 1, DFF: 64}
	min := objective.Estimate(corner, a, 8, 8)
	cases := []struct {
		name, budget, want string
	}{
		{"reachable params", fmt.Sprintf("  max_params: %d", min.Params), ""},
		{"unreachable params", fmt.Sprintf("  max_params: %d", min.Params-1),
			fmt.Sprintf("x.yaml:11:15: budget.max_params: %d cannot be met: every point of the space needs at least %d", min.Params-1, min.Params)},
		{"unreachable kv", "  max_params: 1e9\n  max_kv_cache_bytes: 63",
			"x.yaml:12:23: budget.max_kv_cache_bytes: 63 cannot be met: every point of the space needs at least 64"},
		{"unreachable flops", fmt.Sprintf("  max_params: 1e9\n  max_flops_per_token: %g", min.FlopsPerToken-1),
			"x.yaml:12:24: budget.max_flops_per_token:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := space.Parse("x.yaml", []byte(spaceWithBudget(c.budget)))
			if err != nil {
				t.Fatal(err)
			}
			err = objective.ValidateSpace(spec, a)
			if c.want == "" {
				if err != nil {
					t.Fatalf("ValidateSpace: %v", err)
				}
				return
			}
			var se *space.Error
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || !errors.As(err, &se) {
				t.Fatalf("ValidateSpace = %v, want prefix %q", err, c.want)
			}
		})
	}
}

// TestCornerIsLowerBound checks that no structurally valid point of a space costs less than Corner.
func TestCornerIsLowerBound(t *testing.T) {
	spec, err := space.Parse("x.yaml", []byte(spaceWithBudget("  max_params: 1e9")))
	if err != nil {
		t.Fatal(err)
	}
	a := space.Arch{SrcVocab: 40, TgtVocab: 40, Positions: "learned", MaxPositions: 12}
	lo := objective.Corner(spec, a)
	for _, d := range []int{32, 64} {
		for _, h := range []int{2, 4} {
			for kv := 1; kv <= 4; kv++ {
				if h%kv != 0 {
					continue
				}
				for enc := 1; enc <= 2; enc++ {
					for _, ff := range []int{64, 128} {
						c := objective.Estimate(space.Config{DModel: d, Heads: h, KVHeads: kv, EncLayers: enc, DecLayers: 1, DFF: ff}, a, 8, 8)
						if c.Params < lo.Params || c.FlopsPerToken < lo.FlopsPerToken || c.KVCacheBytesPerToken < lo.KVCacheBytesPerToken {
							t.Fatalf("point d=%d h=%d kv=%d enc=%d ff=%d costs %+v, below the corner %+v", d, h, kv, enc, ff, c, lo)
						}
					}
				}
			}
		}
	}
}

// Example estimates PyTorch's base Transformer shape and scores it against a budget.
func Example() {
	cfg := space.Config{DModel: 512, Heads: 8, KVHeads: 8, EncLayers: 6, DecLayers: 6, DFF: 2048}
	a := space.Arch{SrcVocab: 32000, TgtVocab: 32000, TieEmbeddings: true, Positions: "sinusoidal"}
	c := objective.Estimate(cfg, a, 32, 32)
	fmt.Println("params_core:", c.ParamsCore)
	fmt.Println("params:", c.Params)
	fmt.Println("kv bytes/token:", c.KVCacheBytesPerToken)
	b := space.Budget{MaxParams: 50_000_000}
	v := objective.Check(c, b)
	fmt.Println("violations:", objective.Strings(v))
	fmt.Printf("score at BLEU 25: %.3f\n", objective.Score(25, float64(c.Params), float64(b.MaxParams), 2, v))
	// Output:
	// params_core: 44140544
	// params: 76908544
	// kv bytes/token: 24576
	// violations: [params 76908544 > max_params 50000000 (+53.8%)]
	// score at BLEU 25: -54.817
}
