package objective

import (
	"fmt"

	"github.com/attnsearch/attnsearch/space"
)

// Features returns the architecture features of cfg with cost c by name (predict.ArchFeatures):
// the architecture parameters, layers (encoder + decoder), params, params_core, flops_per_token
// and kv_bytes_per_token.
func Features(cfg space.Config, c Cost) map[string]float64 {
	return map[string]float64{
		"d_model": float64(cfg.DModel), "heads": float64(cfg.Heads), "kv_heads": float64(cfg.KVHeads),
		"enc_layers": float64(cfg.EncLayers), "dec_layers": float64(cfg.DecLayers), "d_ff": float64(cfg.DFF),
		"layers": float64(cfg.EncLayers + cfg.DecLayers), "params": float64(c.Params),
		"params_core": float64(c.ParamsCore), "flops_per_token": c.FlopsPerToken,
		"kv_bytes_per_token": float64(c.KVCacheBytesPerToken),
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
