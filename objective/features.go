package objective

import (
	"fmt"

	"github.com/attnsearch/attnsearch/space"
)

// FeatureNames returns the names of the architecture features Features computes, in the order of
// `attnsearch latency measure`'s columns: the architecture parameters, the cost model's figures
// and the decoding work (Cost.Decode) at the objective's lengths.
func FeatureNames() []string {
	return []string{"d_model", "heads", "kv_heads", "enc_layers", "dec_layers", "d_ff",
		"layers", "params", "params_core", "flops_per_token", "kv_bytes_per_token",
		"macs_proj", "macs_ffn", "macs_attn", "macs_out", "attn_scores", "head_rows", "layer_steps", "row_elems"}
}

// Features returns the architecture features of cfg with cost c by name (FeatureNames).
func Features(cfg space.Config, c Cost) map[string]float64 {
	w := c.Decode
	return map[string]float64{
		"d_model": float64(cfg.DModel), "heads": float64(cfg.Heads), "kv_heads": float64(cfg.KVHeads),
		"enc_layers": float64(cfg.EncLayers), "dec_layers": float64(cfg.DecLayers), "d_ff": float64(cfg.DFF),
		"layers": float64(cfg.EncLayers + cfg.DecLayers), "params": float64(c.Params),
		"params_core": float64(c.ParamsCore), "flops_per_token": c.FlopsPerToken,
		"kv_bytes_per_token": float64(c.KVCacheBytesPerToken),
		"macs_proj":          w.ProjMACs, "macs_ffn": w.FFNMACs, "macs_attn": w.AttnMACs, "macs_out": w.OutMACs,
		"attn_scores": w.Scores, "head_rows": w.HeadRows, "layer_steps": w.LayerSteps, "row_elems": w.RowElems,
	}
}

// FeatureVector returns the features called names of cfg with cost c, in that order.
func FeatureVector(names []string, cfg space.Config, c Cost) ([]float64, error) {
	all := Features(cfg, c)
	out := make([]float64, len(names))
	for i, n := range names {
		v, ok := all[n]
		if !ok {
			return nil, fmt.Errorf("objective: no architecture feature %q", n)
		}
		out[i] = v
	}
	return out, nil
}
