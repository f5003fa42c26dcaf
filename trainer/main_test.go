package trainer

import (
	"os"
	"testing"

	"github.com/attnsearch/attnsearch/trainer/fastblas"
)

// TestMain installs the fast BLAS (OpenBLAS with -tags openblas, gonum's pure Go otherwise) at
// one thread, as the attnsearch command does, before any graph runs.
func TestMain(m *testing.M) {
	fastblas.Install(1)
	os.Exit(m.Run())
}
