package fastmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulpErr is |got − want| in units of the float32 spacing at want (the spacing of the smallest
// normal for subnormal results).
func ulpErr(got float32, want float64) float64 {
	w := float32(want)
	if math.IsInf(float64(w), 0) || math.IsNaN(want) {
		if math.Float32bits(got) == math.Float32bits(w) || (math.IsNaN(want) && got != got) {
			return 0
		}
		return math.Inf(1)
	}
	exp := math.Max(float64(math.Ilogb(math.Abs(want))), -126)
	ulp := math.Ldexp(1, int(exp)-23)
	return math.Abs(float64(got)-want) / ulp
}

// TestExpErrorBound sweeps every 241st float32 of [−110, 95] (about 2 million) and the edges,
// shifted by 0 and by a random shift: the SIMD exp within 2 ulp of math.Exp where the result is
// normal, within 1 ulp of 2⁻¹⁴⁹ where it is subnormal, exact at the special values.
func TestExpErrorBound(t *testing.T) {
	if !simd {
		t.Skip("no AVX2+FMA (or ATTNSEARCH_NOSIMD set): ExpShift is math.Exp")
	}
	xs := []float32{0, -0, 1, -1, 88.72283, 88.72284, 88.72285, 89, 1e30, -87.33654, -103.2789, -103.9, -103.97208, -104, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30}
	lo, hi := math.Float32bits(-110), math.Float32bits(95)
	for b := uint32(0); b < hi; b += 241 { // positive floats up to 95
		xs = append(xs, math.Float32frombits(b))
	}
	for b := uint32(0x80000000); b < lo; b += 241 { // negative floats down to −110
		xs = append(xs, math.Float32frombits(b))
	}
	y := make([]float32, len(xs))
	worst, worstSub := 0.0, 0.0
	var at float32
	for _, shift := range []float32{0, 1.75} {
		xs := xs
		if shift != 0 {
			xs = append([]float32(nil), xs...)
			for i := range xs {
				xs[i] += shift
			}
		}
		ExpShift(y, xs, shift)
		for i, x := range xs {
			want := math.Exp(float64(x - shift))
			e := ulpErr(y[i], want)
			if want < 0x1p-126 && want > 0 {
				worstSub = max(worstSub, e)
				if e > 1 {
					t.Fatalf("exp(%g) = %g, want %g (subnormal: %.3g ulp of 2^-126 spacing)", x-shift, y[i], want, e)
				}
				continue
			}
			if e > worst {
				worst, at = e, x-shift
			}
			if e > 2 {
				t.Fatalf("exp(%g) = %g (bits %08x), want %g: %.3g ulp", x-shift, y[i], math.Float32bits(y[i]), want, e)
			}
		}
	}
	t.Logf("%d arguments: worst %.3f ulp (at %g), worst subnormal %.3f ulp", 2*len(xs), worst, at, worstSub)
}

// TestExpShiftSum checks the sums and lengths that are not multiples of 8, in place and not.
func TestExpShiftSum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 17, 64, 65, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 4)
		}
		shift := float32(r.NormFloat64())
		y := make([]float32, n+3)
		got := ExpShift(y, x, shift)
		want := ExpShiftMath(make([]float32, n), x, shift)
		if math.Abs(got-want) > 1e-6*want+1e-30 {
			t.Fatalf("n=%d: sum %g, want %g", n, got, want)
		}
		in := append([]float32(nil), x...)
		if s := ExpShift(in, in, shift); s != got {
			t.Fatalf("n=%d: in place sum %g, separate %g", n, s, got)
		}
		for i := range x {
			if in[i] != y[i] || ulpErr(y[i], math.Exp(float64(x[i]-shift))) > 2 {
				t.Fatalf("n=%d: y[%d] = %g, in place %g, want %g", n, i, y[i], in[i], math.Exp(float64(x[i]-shift)))
			}
		}
		if y[n] != 0 {
			t.Fatalf("n=%d: wrote past len(x)", n)
		}
	}
}

func BenchmarkExpShift(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%64) - 63
	}
	y := make([]float32, len(x))
	b.Run("simd", func(b *testing.B) {
		for b.Loop() {
			ExpShift(y, x, 0.5)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/exp")
	})
	b.Run("math.Exp", func(b *testing.B) {
		for b.Loop() {
			ExpShiftMath(y, x, 0.5)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/exp")
	})
}

// TestSumExpShift compares the sum without stores with ExpShift's, across its 256-element chunks.
func TestSumExpShift(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{0, 3, 255, 256, 257, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 3)
		}
		want := ExpShift(make([]float32, n), x, 0.25)
		if got := SumExpShift(x, 0.25); math.Abs(got-want) > 1e-6*want { // float32 lane sums, chunked differently
			t.Fatalf("n=%d: %g, ExpShift's sum %g", n, got, want)
		}
	}
}
