package objective

import (
	"fmt"
	"math"

	"github.com/attnsearch/attnsearch/space"
)

// Corner returns a lower bound of every analytic cost over the space: the smallest d_model,
// layers and d_ff, and the smallest K/V width kv_heads·d_model/heads a point can have
// (min kv_heads / max heads, or 1 when kv_heads is not declared and follows heads).
func Corner(spec *space.Spec, a space.Arch) Cost {
	lo := func(name string) int64 {
		l, _ := spec.Range(name)
		return int64(l)
	}
	s := shape{d: lo("d_model"), enc: lo("enc_layers"), dec: lo("dec_layers"), ff: lo("d_ff")}
	if _, declared := spec.Param("kv_heads"); declared {
		kvMin, _ := spec.Range("kv_heads")
		_, hMax := spec.Range("heads")
		s.kvDim = int64(math.Floor(kvMin * float64(s.d) / hMax))
	} else {
		s.kvDim = s.d
	}
	c := Cost{ParamsCore: s.core(), ParamsEmbed: s.embed(a)}
	c.Params = c.ParamsCore + c.ParamsEmbed
	if t := spec.Objective.TgtLen; t > 0 {
		c.FlopsPerToken = s.forwardMACs(int64(a.TgtVocab), int64(spec.Objective.SrcLen), int64(t)) / float64(t)
	}
	c.KVCacheBytesPerToken = 2 * s.dec * s.kvDim * BytesPerFloat
	c.CrossKVCacheBytesPerSrcTok = c.KVCacheBytesPerToken
	return c
}

// ValidateSpace checks that the space's smallest corner (Corner) meets every analytic budget; a
// budget no point can meet is an error naming the budget field's file:line:col.
func ValidateSpace(spec *space.Spec, a space.Arch) error {
	c := Corner(spec, a)
	for _, v := range Check(c, spec.Budget) {
		field := "budget." + v.Field
		p := spec.Pos[field]
		return &space.Error{File: spec.File, Line: p.Line, Column: p.Column, Field: field,
			Msg: fmt.Sprintf("%s cannot be met: every point of the space needs at least %s (smallest corner: d_model=%s, enc_layers=%s, dec_layers=%s, d_ff=%s; vocabularies %d/%d)",
				num(v.Limit), num(v.Value), rng(spec, "d_model"), rng(spec, "enc_layers"), rng(spec, "dec_layers"), rng(spec, "d_ff"), a.SrcVocab, a.TgtVocab)}
	}
	return nil
}

// rng renders the smallest value of name in spec.
func rng(spec *space.Spec, name string) string {
	lo, _ := spec.Range(name)
	return num(lo)
}
