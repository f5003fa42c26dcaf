package objective

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/attnsearch/attnsearch/space"
)

// TestCheck covers each analytic constraint, unset budgets and the violation text.
func TestCheck(t *testing.T) {
	c := Cost{Params: 1500, FlopsPerToken: 900, KVCacheBytesPerToken: 64}
	cases := []struct {
		name string
		b    space.Budget
		want []string
	}{
		{"unset", space.Budget{}, nil},
		{"all met", space.Budget{MaxParams: 1500, MaxFlopsPerToken: 900, MaxKVCacheBytes: 64}, nil},
		{"params", space.Budget{MaxParams: 1000}, []string{"params 1500 > max_params 1000 (+50.0%)"}},
		{"flops and kv", space.Budget{MaxFlopsPerToken: 600, MaxKVCacheBytes: 32},
			[]string{"flops_per_token 900 > max_flops_per_token 600 (+50.0%)", "kv_cache_bytes_per_token 64 > max_kv_cache_bytes 32 (+100.0%)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Strings(Check(c, tc.b))
			if len(got) != len(tc.want) {
				t.Fatalf("Check = %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("violation %d = %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestCheckMeasured covers latency and the L2 tolerance.
func TestCheckMeasured(t *testing.T) {
	b := space.Budget{MaxLatencyMS: 10, MaxL2Norm: 100}
	cases := []struct {
		m    Measured
		want []string
	}{
		{Measured{LatencyMS: 10, L2Norm: 100}, nil},
		{Measured{LatencyMS: 9, L2Norm: 100 * (1 + L2Tolerance/2)}, nil},
		{Measured{LatencyMS: 15, L2Norm: 50}, []string{"max_latency_ms"}},
		{Measured{LatencyMS: 1, L2Norm: 101}, []string{"max_l2_norm"}},
	}
	for _, c := range cases {
		got := CheckMeasured(c.m, b)
		if len(got) != len(c.want) {
			t.Fatalf("CheckMeasured(%+v) = %v, want fields %v", c.m, got, c.want)
		}
		for i := range got {
			if got[i].Field != c.want[i] || got[i].Relative <= 0 {
				t.Errorf("violation %+v, want field %s with positive relative amount", got[i], c.want[i])
			}
		}
	}
}

// TestScoreHand checks the formula on hand-computed values.
func TestScoreHand(t *testing.T) {
	cases := []struct {
		name                       string
		p, cost, ref, lambda, want float64
		v                          []Violation
	}{
		{"at budget", 30, 1000, 1000, 2, 30, nil},
		{"half budget", 30, 500, 1000, 2, 32, nil},
		{"quarter budget", 30, 250, 1000, 3, 36, nil},
		{"no tradeoff", 30, 250, 1000, 0, 30, nil},
		{"quality clamped", 130, 1000, 1000, 1, 100, nil},
		{"NaN quality", math.NaN(), 1000, 1000, 1, 0, nil},
		{"zero cost", 10, 0, 1, 1, 50, nil}, // clamped at MinCostRatio = 2^-40
		{"over budget", 90, 1500, 1000, 2, -1 - 50, nil},
		{"violations", 90, 100, 1000, 2, -1 - 100*(0.5+0.25), []Violation{{Relative: 0.5}, {Relative: 0.25}}},
	}
	for _, c := range cases {
		if got := Score(c.p, c.cost, c.ref, c.lambda, c.v); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: Score = %g, want %g", c.name, got, c.want)
		}
	}
}

// TestScoreProperties checks on random inputs: strictly increasing in P, strictly decreasing in
// cost (λ > 0), every infeasible score below every feasible one, and infeasible scores falling
// with the violation.
func TestScoreProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ref := 1e6
	minFeasible, maxInfeasible := math.Inf(1), math.Inf(-1)
	for i := 0; i < 20000; i++ {
		p := rng.Float64() * 100
		cost := ref * math.Exp2(-30*rng.Float64())
		lambda := rng.Float64() * 10
		s := Score(p, cost, ref, lambda, nil)
		minFeasible = math.Min(minFeasible, s)
		dp := rng.Float64()*(100-p) + 1e-9
		if p+dp <= 100 && Score(p+dp, cost, ref, lambda, nil) <= s {
			t.Fatalf("not increasing in P: P=%g+%g cost=%g λ=%g", p, dp, cost, lambda)
		}
		if lambda > 0 {
			lower := cost * (0.5 + 0.5*rng.Float64())
			if Score(p, lower, ref, lambda, nil) <= s {
				t.Fatalf("not decreasing in cost: P=%g cost=%g→%g λ=%g", p, cost, lower, lambda)
			}
		}
		r := rng.Float64() * 5
		inf := Score(p, cost, ref, lambda, []Violation{{Relative: r + 1e-6}})
		maxInfeasible = math.Max(maxInfeasible, inf)
		if worse := Score(p, cost, ref, lambda, []Violation{{Relative: r + 0.1}}); worse >= inf {
			t.Fatalf("infeasible score not falling with the violation: %g then %g", inf, worse)
		}
		over := Score(p, ref*(1+r+1e-6), ref, lambda, nil)
		maxInfeasible = math.Max(maxInfeasible, over)
	}
	if maxInfeasible >= minFeasible {
		t.Fatalf("an infeasible score %g is not below the lowest feasible score %g", maxInfeasible, minFeasible)
	}
}

// TestScoreTrial checks the wiring of constraints, cost choice and the intermediate rule.
func TestScoreTrial(t *testing.T) {
	c := Cost{Params: 500, FlopsPerToken: 100, KVCacheBytesPerToken: 8}
	b := space.Budget{MaxParams: 1000, MaxLatencyMS: 4, MaxFlopsPerToken: 400, MaxKVCacheBytes: 8}
	cases := []struct {
		name string
		cost string
		m    *Measured
		want float64
		nv   int
	}{
		{"params", "params", &Measured{LatencyMS: 1}, 40 + 1, 0},
		{"flops", "flops", &Measured{LatencyMS: 1}, 40 + 2, 0},
		{"kv", "kv_bytes", &Measured{LatencyMS: 1}, 40, 0},
		{"latency measured", "latency", &Measured{LatencyMS: 1}, 40 + 2, 0},
		{"latency intermediate", "latency", nil, 40, 0},
		{"latency violated", "latency", &Measured{LatencyMS: 6}, -1 - 50, 1},
	}
	for _, tc := range cases {
		o := space.Objective{Metric: "bleu", Cost: tc.cost, Tradeoff: 1}
		got, v := ScoreTrial(40, c, tc.m, o, b)
		if math.Abs(got-tc.want) > 1e-9 || len(v) != tc.nv {
			t.Errorf("%s: ScoreTrial = %g, %v; want %g with %d violations", tc.name, got, v, tc.want, tc.nv)
		}
	}
}
