package objective

import (
	"reflect"
	"testing"

	"github.com/attnsearch/attnsearch/space"
)

// cfg builds a Config of the architecture fields.
func cfg(d, h, kv, enc, dec, ff int) space.Config {
	return space.Config{DModel: d, Heads: h, KVHeads: kv, EncLayers: enc, DecLayers: dec, DFF: ff}
}

// TestParamsCorePyTorch pins ParamsCore to parameter counts measured with PyTorch 1.13 (Debian
// python3-torch): sum(p.numel() for p in torch.nn.Transformer(d, h, enc, dec, ff).parameters())
// for kv_heads == heads, and for kv_heads < heads the same stacks built from nn.Linear(d, d) Q/O,
// nn.Linear(d, kv_heads*d/h) K/V, nn.Linear FFN and nn.LayerNorm (whose kv == h count equals
// nn.Transformer's). Script: see objective/testdata/torch_counts.py.
func TestParamsCorePyTorch(t *testing.T) {
	cases := []struct {
		d, h, kv, enc, dec, ff int
		want                   int64
	}{
		{512, 8, 8, 6, 6, 2048, 44140544},
		{64, 4, 4, 2, 2, 256, 233728},
		{32, 2, 2, 1, 1, 64, 21504},
		{128, 8, 8, 3, 2, 512, 1124480},
		{96, 6, 6, 1, 3, 200, 418016},
		{16, 1, 1, 1, 1, 16, 4576},
		{256, 4, 4, 4, 1, 1024, 4213504},
		{512, 8, 1, 6, 6, 2048, 35866880},
		{512, 8, 2, 6, 6, 2048, 37048832},
		{64, 4, 2, 2, 2, 256, 208768},
		{96, 6, 3, 1, 3, 200, 352832},
	}
	for _, c := range cases {
		got := Estimate(cfg(c.d, c.h, c.kv, c.enc, c.dec, c.ff), space.Arch{SrcVocab: 10, TgtVocab: 10}, 5, 5).ParamsCore
		if got != c.want {
			t.Errorf("ParamsCore(d=%d h=%d kv=%d enc=%d dec=%d ff=%d) = %d, PyTorch %d", c.d, c.h, c.kv, c.enc, c.dec, c.ff, got, c.want)
		}
	}
}

// TestEstimateHand checks every figure of a tiny model against hand arithmetic:
// d=4, heads=2, kv_heads=1 (head_dim 2, K/V width 2), 1+1 layers, d_ff=8, vocab 5/6.
func TestEstimateHand(t *testing.T) {
	// attention: Q,O 2·(4·4+4)=40, K,V 2·(4·2+2)=20 -> 60; FFN 4·8+8+8·4+4=76; LayerNorm 8.
	// encoder layer 60+76+2·8=152; decoder layer 2·60+76+3·8=220; final norms 2·8=16 -> core 388.
	const core = 388
	cases := []struct {
		name  string
		arch  space.Arch
		embed int64
	}{
		// src 5·4 + tgt 6·4 + output 4·6 + bias 6 = 74
		{"untied sinusoidal", space.Arch{SrcVocab: 5, TgtVocab: 6, Positions: "sinusoidal", MaxPositions: 3}, 74},
		// the output projection is the target embedding, without bias: 74 − 24 − 6 = 44
		{"tied", space.Arch{SrcVocab: 5, TgtVocab: 6, TieEmbeddings: true, Positions: "sinusoidal"}, 44},
		// two learned tables of 3×4: +24
		{"learned", space.Arch{SrcVocab: 5, TgtVocab: 6, Positions: "learned", MaxPositions: 3}, 98},
		{"tied learned", space.Arch{SrcVocab: 5, TgtVocab: 6, TieEmbeddings: true, Positions: "learned", MaxPositions: 3}, 68},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Estimate(cfg(4, 2, 1, 1, 1, 8), c.arch, 3, 2)
			want := Cost{ParamsCore: core, ParamsEmbed: c.embed, Params: core + c.embed,
				// encoder (n=3): Q,O 3·4·4·2=96; K,V 3·4·2·2=48; scores+sums 2·3·3·4=72; FFN 2·3·4·8=192 -> 408
				// decoder (m=2): self Q,O 64, K,V 32, scores+sums 2·2·2·4=32; cross Q,O 64, K,V over
				// the source 3·4·2·2=48, scores+sums 2·2·3·4=48; FFN 2·2·4·8=128 -> 416
				// output projection 2·4·6=48; total 872 over 2 target tokens = 436
				FlopsPerToken: 436,
				// 2 (K and V) · 1 layer · width 2 · 4 bytes
				KVCacheBytesPerToken: 16, CrossKVCacheBytesPerSrcTok: 16,
				// greedy decoding of 3 source tokens for 2+1 steps (cache 1+2+3 = 6 keys):
				// projections encoder 3·(32+16) = 144, cross K, V 3·16 = 48, per step 3·(32+16+32) = 240;
				// FFN (3+3)·2·4·8; attention 2·9·4 + 2·6·4 + 2·3·3·4; output 3·4·6; scores 2·(9+6+9);
				// head rows 2·(3+2·3); layer steps 1+3+3; row elements 4·(3·3+4·3+3)
				Decode: Decode{ProjMACs: 432, FFNMACs: 384, AttnMACs: 192, OutMACs: 72, Scores: 48,
					HeadRows: 18, LayerSteps: 7, RowElems: 96}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Estimate = %+v\nwant       %+v", got, want)
			}
		})
	}
}

// TestKVCacheGQA checks that the KV cache scales with kv_heads and the decoder depth only.
func TestKVCacheGQA(t *testing.T) {
	a := space.Arch{SrcVocab: 100, TgtVocab: 100}
	cases := []struct {
		kv, dec int
		want    int64
	}{
		{8, 6, 2 * 6 * 512 * 4}, // standard multi-head: K and V of width d_model per layer
		{2, 6, 2 * 6 * 128 * 4}, // grouped-query: 2 of 8 heads
		{1, 6, 2 * 6 * 64 * 4},  // multi-query: one head
		{1, 1, 2 * 1 * 64 * 4},
	}
	for _, c := range cases {
		got := Estimate(cfg(512, 8, c.kv, 3, c.dec, 2048), a, 10, 10).KVCacheBytesPerToken
		if got != c.want {
			t.Errorf("kv=%d dec=%d: KV bytes %d, want %d", c.kv, c.dec, got, c.want)
		}
	}
}

// TestEstimateMonotone checks that every cost grows with each size and shrinks with fewer KV heads.
func TestEstimateMonotone(t *testing.T) {
	a := space.Arch{SrcVocab: 50, TgtVocab: 60, Positions: "learned", MaxPositions: 20}
	base := cfg(64, 8, 4, 2, 2, 256)
	bigger := []space.Config{
		cfg(128, 8, 4, 2, 2, 256), cfg(64, 8, 8, 2, 2, 256), cfg(64, 8, 4, 3, 2, 256),
		cfg(64, 8, 4, 2, 3, 256), cfg(64, 8, 4, 2, 2, 512),
	}
	b := Estimate(base, a, 12, 12)
	for _, c := range bigger {
		e := Estimate(c, a, 12, 12)
		if e.Params <= b.Params || e.FlopsPerToken <= b.FlopsPerToken {
			t.Errorf("%+v: params %d, flops %g not above base %d, %g", c, e.Params, e.FlopsPerToken, b.Params, b.FlopsPerToken)
		}
		if e.KVCacheBytesPerToken < b.KVCacheBytesPerToken {
			t.Errorf("%+v: KV bytes %d below base %d", c, e.KVCacheBytesPerToken, b.KVCacheBytesPerToken)
		}
	}
	if l := Estimate(base, a, 24, 12); l.FlopsPerToken <= b.FlopsPerToken {
		t.Errorf("longer source did not raise FLOPs per token")
	}
}

// TestMaxPositions checks the pre-data bound of learned position rows.
func TestMaxPositions(t *testing.T) {
	cases := []struct {
		task space.Task
		want int
	}{
		{space.Task{Kind: "synthetic", MaxLen: 50, Synthetic: space.Synthetic{MaxLen: 10}}, 11},
		{space.Task{Kind: "synthetic", MaxLen: 8, Synthetic: space.Synthetic{MaxLen: 10}}, 9},
		{space.Task{Kind: "aligned", MaxLen: 20}, 21},
	}
	for _, c := range cases {
		if got := c.task.MaxPositions(); got != c.want {
			t.Errorf("MaxPositions(%+v) = %d, want %d", c.task, got, c.want)
		}
	}
}
