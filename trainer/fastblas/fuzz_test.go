//go:build !(openblas && cgo)

package fastblas

import (
	"testing"

	"gonum.org/v1/gonum/blas"
)

// FuzzSgemm checks the SIMD Sgemm (every micro-kernel this CPU has) against gonum's float64
// reference on fuzzed shapes, transposes, paddings and scalars. The seeds below run in every
// `go test`; `go test -fuzz FuzzSgemm ./trainer/fastblas` explores further (inputs it finds
// failing are kept in testdata/fuzz/FuzzSgemm and then run as tests).
func FuzzSgemm(f *testing.F) {
	for _, s := range []struct {
		m, n, k, pads uint8
		trans         uint8
		ab            uint8
	}{
		{1, 1, 1, 0, 0, 0}, {6, 16, 1, 0, 1, 1}, {7, 33, 17, 0x25, 2, 2}, {129, 65, 31, 0x13, 3, 3},
		{15, 63, 127, 0x3f, 1, 4}, {16, 32, 5, 0, 0, 5}, {2, 3, 200, 0x11, 2, 6}, {33, 31, 16, 0x2a, 3, 7},
		{120, 96, 64, 0, 0, 8}, {5, 255, 3, 0x07, 1, 0},
	} {
		f.Add(s.m, s.n, s.k, s.pads, s.trans, s.ab, uint64(1))
	}
	alphas := []float32{0, 1, -0.5}
	betas := []float32{0, 1, 0.3}
	f.Fuzz(func(t *testing.T, m, n, k, pads, trans, ab uint8, seed uint64) {
		tc := sgemmCase{
			tA: []blas.Transpose{blas.NoTrans, blas.Trans}[trans&1], tB: []blas.Transpose{blas.NoTrans, blas.Trans}[trans>>1&1],
			m: int(m), n: int(n), k: int(k),
			padA: int(pads & 3), padB: int(pads >> 2 & 3), padC: int(pads >> 4 & 3),
			alpha: alphas[int(ab%3)], beta: betas[int(ab/3%3)], seed: seed,
		}
		checkSgemm(t, Implementation{}.Sgemm, tc)
		for _, kn := range testKernels() {
			checkSgemm(t, kernelSgemm(kn), tc)
		}
	})
}
