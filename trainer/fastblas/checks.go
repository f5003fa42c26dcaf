package fastblas

import "gonum.org/v1/gonum/blas"

// Panic messages, identical to gonum's (gonum.org/v1/gonum/blas/gonum/errors.go).
const (
	zeroIncX     = "blas: zero x index increment"
	zeroIncY     = "blas: zero y index increment"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badTranspose = "blas: illegal transpose"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortX       = "blas: insufficient length of x"
	shortY       = "blas: insufficient length of y"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

func validTrans(t blas.Transpose) bool {
	return t == blas.NoTrans || t == blas.Trans || t == blas.ConjTrans
}

// storedDims returns the rows and columns of the stored matrix X whose op(X), for transpose t, is rows×cols.
func storedDims(t blas.Transpose, rows, cols int) (int, int) {
	if t == blas.NoTrans {
		return rows, cols
	}
	return cols, rows
}

// shortVec reports whether a vector of length l is too short for n elements at stride inc (inc != 0, n > 0).
func shortVec(n, inc, l int) bool {
	if inc < 0 {
		inc = -inc
	}
	return (n-1)*inc >= l
}

// checkGemm panics as gonum's ?gemm does on bad arguments and reports whether C has any element (m, n > 0).
func checkGemm(tA, tB blas.Transpose, m, n, k, lda, ldb, ldc, la, lb, lc int) bool {
	if !validTrans(tA) || !validTrans(tB) {
		panic(badTranspose)
	}
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case k < 0:
		panic(kLT0)
	}
	rowA, colA := storedDims(tA, m, k)
	rowB, colB := storedDims(tB, k, n)
	switch {
	case lda < max(1, colA):
		panic(badLdA)
	case ldb < max(1, colB):
		panic(badLdB)
	case ldc < max(1, n):
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return false
	}
	switch {
	case la < (rowA-1)*lda+colA:
		panic(shortA)
	case lb < (rowB-1)*ldb+colB:
		panic(shortB)
	case lc < (m-1)*ldc+n:
		panic(shortC)
	}
	return true
}

// checkGemv panics as gonum's ?gemv does on bad arguments and reports whether there is work (m, n > 0).
func checkGemv(tA blas.Transpose, m, n, lda, incX, incY, la, lx, ly int) bool {
	if !validTrans(tA) {
		panic(badTranspose)
	}
	lenX, lenY := n, m
	if tA != blas.NoTrans {
		lenX, lenY = m, n
	}
	return checkMatVec(m, n, lda, incX, incY, la, lenX, lx, lenY, ly)
}

// checkGer panics as gonum's ?ger does on bad arguments and reports whether there is work (m, n > 0).
func checkGer(m, n, lda, incX, incY, lx, ly, la int) bool {
	return checkMatVec(m, n, lda, incX, incY, la, m, lx, n, ly)
}

// checkMatVec panics, in gonum's order, on the arguments ?gemv and ?ger share: an m×n matrix A and
// vectors x and y of lenX and lenY elements; it reports whether there is work (m, n > 0).
func checkMatVec(m, n, lda, incX, incY, la, lenX, lx, lenY, ly int) bool {
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case lda < max(1, n):
		panic(badLdA)
	case incX == 0:
		panic(zeroIncX)
	case incY == 0:
		panic(zeroIncY)
	}
	if m == 0 || n == 0 {
		return false
	}
	switch {
	case shortVec(lenX, incX, lx):
		panic(shortX)
	case shortVec(lenY, incY, ly):
		panic(shortY)
	case la < lda*(m-1)+n:
		panic(shortA)
	}
	return true
}

// checkDot panics as gonum's ?dot does on bad arguments and reports whether there is work (n > 0).
func checkDot(n, incX, incY, lx, ly int) bool {
	switch {
	case incX == 0:
		panic(zeroIncX)
	case incY == 0:
		panic(zeroIncY)
	case n < 0:
		panic(nLT0)
	case n == 0:
		return false
	case shortVec(n, incX, lx):
		panic(shortX)
	case shortVec(n, incY, ly):
		panic(shortY)
	}
	return true
}
