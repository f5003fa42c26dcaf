package fastmath

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestAdamLayout pins Adam's field offsets, which adam_amd64.s reads.
func TestAdamLayout(t *testing.T) {
	var k Adam
	got := []uintptr{unsafe.Offsetof(k.Scale), unsafe.Offsetof(k.B1), unsafe.Offsetof(k.C1), unsafe.Offsetof(k.B2),
		unsafe.Offsetof(k.C2), unsafe.Offsetof(k.IB1), unsafe.Offsetof(k.IB2), unsafe.Offsetof(k.Eps), unsafe.Offsetof(k.LR),
		unsafe.Offsetof(k.WD)}
	for i, off := range got {
		if off != uintptr(8*i) {
			t.Fatalf("field %d of Adam at offset %d, the assembly reads %d", i, off, 8*i)
		}
	}
}

// TestAdamUpdateMatchesGo runs AdamUpdate (SIMD where the CPU has it) and the Go loop on the
// same random weights, gradients and moments, for lengths around the 4-lane blocks and with
// and without clipping and decay, and requires bit-identical weights and moments.
func TestAdamUpdateMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	t.Logf("SIMD: %v", SIMD())
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 63, 64, 65, 1000, 4099} {
		for _, k := range []Adam{
			{Scale: 1, B1: 0.9, C1: 0.1, B2: 0.98, C2: 0.02, IB1: 1 / (1 - 0.9), IB2: 1 / (1 - 0.98), Eps: 1e-9, LR: 1e-3},
			{Scale: 0.37, B1: 0.9, C1: 1 - 0.9, B2: 0.999, C2: 1 - 0.999, IB1: 1 / (1 - math.Pow(0.9, 7)), IB2: 1 / (1 - math.Pow(0.999, 7)), Eps: 1e-8, LR: 5e-3, WD: 0.01},
		} {
			th := make([]float32, n)
			g, m, v := make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range th {
				th[i] = float32(rng.NormFloat64() * 0.1)
				g[i] = rng.NormFloat64() * math.Pow(10, -float64(rng.IntN(8)))
				m[i] = rng.NormFloat64() * 1e-3
				v[i] = math.Abs(rng.NormFloat64()) * 1e-6
			}
			if n > 2 {
				g[1], m[2], v[2] = 0, 0, 0 // zero moments: the ε keeps the quotient finite
			}
			th2, m2, v2 := append([]float32(nil), th...), append([]float64(nil), m...), append([]float64(nil), v...)
			AdamUpdate(th, g, m, v, &k)
			adamGo(th2, g, m2, v2, &k)
			for i := range th {
				if math.Float32bits(th[i]) != math.Float32bits(th2[i]) || math.Float64bits(m[i]) != math.Float64bits(m2[i]) ||
					math.Float64bits(v[i]) != math.Float64bits(v2[i]) {
					t.Fatalf("n %d, %+v, element %d: th %v m %v v %v, Go %v %v %v", n, k, i, th[i], m[i], v[i], th2[i], m2[i], v2[i])
				}
			}
			if n > 0 && th[0] == th2[0] && m[0] == 0 {
				t.Fatalf("n %d: moments not updated", n)
			}
		}
	}
}

func BenchmarkAdamUpdate(b *testing.B) {
	const n = 109248 // the reference model's parameters
	th := make([]float32, n)
	g, m, v := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range g {
		g[i] = 1e-3
	}
	k := Adam{Scale: 1, B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, IB1: 10, IB2: 1000, Eps: 1e-8, LR: 1e-3}
	for _, c := range []struct {
		name string
		f    func()
	}{{"kernel", func() { AdamUpdate(th, g, m, v, &k) }}, {"go", func() { adamGo(th, g, m, v, &k) }}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.f()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
		})
	}
}
