// Package fastmath holds the vectorised elementwise kernels of the fused training ops: a float32
// exp with a shift and a sum (softmax, log-sum-exp, cross-entropy gradients), and the Adam update
// of float32 weights from float64 gradients and moments (AdamUpdate: the same float64 operations
// in the same order as its Go loop, bit for bit; 1.8 against 4.2 ns per element on the 2-core
// AVX-512 development machine, BenchmarkAdamUpdate, where the divider and square root are what
// the loop waits on).
//
// On amd64 with AVX2+FMA (golang.org/x/sys/cpu, checked at start-up) the kernels run in Go
// assembly, 8 float32 (exp) or 4 float64 (Adam) lanes at a time; elsewhere, or with
// ATTNSEARCH_NOSIMD set in the environment, they run as plain Go (the exp on math.Exp). Error bound of the SIMD exp, tested over every 241st float32 of
// its range (TestExpErrorBound): at most 2 ulp (relative error 2.4e-7) where the result is a
// normal float32, and within 1 ulp of the smallest subnormal (2⁻¹⁴⁹) below it; +Inf above
// 88.72284, 0 below −103.97208, NaN for NaN, as math.Exp rounded to float32.
package fastmath
