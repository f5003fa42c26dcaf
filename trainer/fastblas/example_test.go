package fastblas_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/attnsearch/attnsearch/trainer/fastblas"
)

// A program installs the BLAS once, at the start of main, with one OpenBLAS thread per caller.
func ExampleInstall() {
	fastblas.Install(1)
	defer G.Use(gonum.Implementation{}) // only so that the other examples and tests get the default back

	a := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6}))
	b := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float32{1, 0, 0, 1, 1, 1}))
	c, err := tensor.MatMul(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Data())
	// Output: [4 5 10 11]
}
