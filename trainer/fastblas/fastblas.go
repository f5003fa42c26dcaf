package fastblas

import (
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Implementation is gonum's pure-Go BLAS with the hot routines replaced by OpenBLAS when built with -tags openblas.
type Implementation struct {
	gonum.Implementation
}

// Both libraries accept it.
var (
	_ gorgonia.BLAS = Implementation{}
	_ tensor.BLAS   = Implementation{}
)

// Install makes Implementation the BLAS of gorgonia and tensor, sets OpenBLAS's thread count (threads < 1 keeps the library's default), and returns Name().
func Install(threads int) string {
	if threads >= 1 {
		SetThreads(threads)
	}
	gorgonia.Use(Implementation{})
	return Name()
}
