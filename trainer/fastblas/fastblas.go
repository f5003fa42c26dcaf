package fastblas

import (
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Implementation is gonum's pure-Go BLAS with the hot routines replaced: by the SIMD kernels by default, by OpenBLAS with -tags openblas.
type Implementation struct {
	gonum.Implementation
	// NoSIMD keeps gonum's kernels where the SIMD ones would run: the path of CPUs without AVX2+FMA (for tests and comparisons).
	NoSIMD bool
}

// float is the element type of the real BLAS routines.
type float interface{ float32 | float64 }

// Both libraries accept it.
var (
	_ gorgonia.BLAS = Implementation{}
	_ tensor.BLAS   = Implementation{}
)

// Install makes Implementation the BLAS of gorgonia and tensor, sets the thread count of one product (OpenBLAS's or the SIMD kernels'; threads < 1 keeps the default), and returns Name().
func Install(threads int) string {
	if threads >= 1 {
		SetThreads(threads)
	}
	gorgonia.Use(Implementation{})
	return Name()
}
