//go:build !(openblas && cgo)

package fastblas

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"gonum.org/v1/gonum/blas"
)

// SIMD SGEMM: the BLIS/GotoBLAS scheme on an mr×nr register-blocked micro-kernel (assembly on
// amd64: 6×16 with AVX2+FMA, 6×32 with AVX-512F). B is taken kc×nc at a time in nr-column strips
// (k-major), A kc×mc at a time in mr-row strips; the micro-kernel multiplies one strip of each, its
// accumulators in registers, and writes alpha·AB + beta·C into a full tile of C (a partial tile at
// the edges goes through a small buffer). Strips are read in place where the operand's layout
// allows it and packed otherwise (see sgemmPart). A block of A (mc×kc, 120 KiB) stays in L2, a
// strip of B (kc×nr, 16 or 32 KiB) in L1. Large products are split over goroutines by rows (or
// columns, whichever has more tiles), each part packing its own panels.
const (
	mr    = 6    // rows of the micro-kernel's tile
	maxNr = 32   // columns of the widest micro-kernel's tile
	kc    = 256  // depth of one packed block
	mc    = 120  // rows of one packed block of A (multiple of mr)
	nc    = 2048 // columns of one block of B (multiple of every nr)

	// parallelMin is the least m·n·k for which a product is split over goroutines. Waking a
	// second goroutine and joining it costs microseconds (tens on a loaded machine), and the
	// AVX-512 kernel does 512×64×64 (2.1M multiply-adds) in about 20 µs: only products of 4M and
	// more (the model's feed-forward ones, 8.4M) are worth splitting.
	parallelMin = 128 * 128 * 256

	// maxInPlaceLd bounds the leading dimension of an operand read in place: from 1024 floats
	// (4 KiB) apart, the rows of a strip fall into the same few L1 sets, and packing pays
	// (measured: 1024³ 50-58 GFLOP/s packed, 46-54 in place; 512³ and the model's shapes faster in place).
	maxInPlaceLd = 1024
)

// threads is the number of goroutines one SIMD product may use; 0 means GOMAXPROCS. Like
// OpenBLAS's thread count, it is one setting for the process (SetThreads).
var threads atomic.Int32

func simdThreads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// packBuf holds the packed panels of one product, grown to what it needs (reused through a pool:
// a step makes hundreds).
type packBuf struct {
	a, b []float32
	tile [mr * maxNr]float32
}

// kernel is a micro-kernel: fn computes C[0:mr, 0:nr] = alpha·A·B + beta·C with A(i,p) =
// a[i·rsA + p·csA], B(p,j) = b[p·ldb + j], k >= 1, beta 0 not reading C.
type kernel struct {
	name string
	nr   int
	fn   func(k int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
}

// run calls the micro-kernel on a full mr×nr tile of c after checking every index it reads or writes.
func (kn kernel) run(k int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[(mr-1)*rsA+(k-1)*csA]
	_ = b[(k-1)*ldb+kn.nr-1]
	_ = c[(mr-1)*ldc+kn.nr-1]
	kn.fn(k, &a[0], rsA, csA, &b[0], ldb, &c[0], ldc, alpha, beta)
}

var packPool = sync.Pool{New: func() any { return new(packBuf) }}

// grow returns s with length n, reallocated only when its capacity is short.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// operand is a row-major matrix view: element (i, j) of op(X) is x[i*ld+j], or x[j*ld+i] when transposed.
type operand struct {
	x     []float32
	ld    int
	trans bool
	pack  bool // packed by strips rather than read in place (see sgemmPart)
}

// newOperand views x; isA: the left operand, which the kernel reads in place transposed or not
// (B only untransposed); operands whose rows lie maxInPlaceLd or more apart are packed.
func newOperand(x []float32, ld int, t blas.Transpose, isA bool) operand {
	trans := t != blas.NoTrans
	return operand{x: x, ld: ld, trans: trans, pack: (trans && !isA) || ld >= maxInPlaceLd}
}

// strides returns the row and column strides of op(A) in place.
func (o operand) strides() (rs, cs int) {
	if o.trans {
		return 1, o.ld
	}
	return o.ld, 1
}

// sgemmSIMD computes C = alpha·op(A)·op(B) + beta·C for checked arguments with m, n > 0.
func sgemmSIMD(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	sgemmKernel(kernelFor(n), tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmKernel is sgemmSIMD on the given micro-kernel (k > 0, alpha != 0).
func sgemmKernel(kn kernel, tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	A, B := newOperand(a, lda, tA, true), newOperand(b, ldb, tB, false)
	parts := 1
	if m*n*k >= parallelMin {
		parts = simdThreads()
	}
	if parts <= 1 {
		sgemmPart(kn, A, B, 0, m, 0, n, k, alpha, beta, c, ldc)
		return
	}
	// Split the dimension with more tiles into parts of whole tiles.
	byRows := (m+mr-1)/mr >= (n+kn.nr-1)/kn.nr
	tiles, unit, size := (n+kn.nr-1)/kn.nr, kn.nr, n
	if byRows {
		tiles, unit, size = (m+mr-1)/mr, mr, m
	}
	parts = min(parts, tiles)
	fanOut(parts, func(p int) {
		lo, hi := min(size, tiles*p/parts*unit), min(size, tiles*(p+1)/parts*unit)
		if byRows {
			sgemmPart(kn, A, B, lo, hi, 0, n, k, alpha, beta, c, ldc)
		} else {
			sgemmPart(kn, A, B, 0, m, lo, hi, k, alpha, beta, c, ldc)
		}
	})
}

// fanOut runs part(0) … part(parts−1) concurrently, the last one on the calling goroutine, and
// returns when all are done.
func fanOut(parts int, part func(p int)) {
	var wg sync.WaitGroup
	for p := range parts - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			part(p)
		}()
	}
	part(parts - 1)
	wg.Wait()
}

// scaleC sets C = beta·C (beta 0 overwrites, NaN included).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// sgemmPart computes rows [i0, i1) and columns [j0, j1) of C on the calling goroutine. A (either
// way round) and an untransposed B are read in place by the micro-kernel when their rows are
// short, full strips straight from the caller's slice; other operands, and partial edge strips,
// are packed. (Packing A is a gather or a run of short copies that cost as much as the products
// at the model's shapes, where n is 64: in place, they ran 1.3-1.8× faster.)
func sgemmPart(kn kernel, A, B operand, i0, i1, j0, j1, k int, alpha, beta float32, c []float32, ldc int) {
	buf := packPool.Get().(*packBuf)
	defer packPool.Put(buf)
	// Buffers as large as this product needs (a strip of B and A each when only edges are packed).
	kcMax := min(kc, k)
	bCols, aRows := maxNr, mr
	if B.pack {
		bCols = (min(nc, j1-j0) + maxNr - 1) / maxNr * maxNr
	}
	if A.pack {
		aRows = (min(mc, i1-i0) + mr - 1) / mr * mr
	}
	buf.b, buf.a = grow(buf.b, kcMax*bCols), grow(buf.a, kcMax*aRows)
	for jc := j0; jc < j1; jc += nc {
		ncb := min(nc, j1-jc)
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			bt := beta
			if pc > 0 {
				bt = 1 // later blocks of k add to what the first wrote
			}
			if B.pack {
				packB(buf.b, kn.nr, B, pc, kcb, jc, ncb)
			} else if rest := ncb % kn.nr; rest != 0 {
				packB(buf.b, kn.nr, B, pc, kcb, jc+ncb-rest, rest) // the edge strip only, at the start
			}
			for ic := i0; ic < i1; ic += mc {
				mcb := min(mc, i1-ic)
				if A.pack {
					packA(buf.a, A, ic, mcb, pc, kcb)
				} else if rest := mcb % mr; rest != 0 {
					packA(buf.a, A, ic+mcb-rest, rest, pc, kcb) // the edge strip only, at the start
				}
				macroKernel(kn, buf, A, B, ic, jc, pc, mcb, ncb, kcb, alpha, bt, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// macroKernel multiplies the mcb×kcb block of A at (ic, pc) by the kcb×ncb panel of B at (pc, jc)
// into c, taking each strip from the packed buffers or in place (see sgemmPart).
func macroKernel(kn kernel, buf *packBuf, A, B operand, ic, jc, pc, mcb, ncb, kcb int, alpha, beta float32, c []float32, ldc int) {
	nr := kn.nr
	for jr := 0; jr < ncb; jr += nr {
		nb := min(nr, ncb-jr)
		bp, ldb := buf.b, nr // an unpacked operand's edge strip
		switch {
		case B.pack:
			bp = buf.b[jr*kcb:]
		case nb == nr:
			bp, ldb = B.x[pc*B.ld+jc+jr:], B.ld
		}
		for ir := 0; ir < mcb; ir += mr {
			mb := min(mr, mcb-ir)
			ap, rs, cs := buf.a, 1, mr // an unpacked operand's edge strip
			switch {
			case A.pack:
				ap = buf.a[ir*kcb:]
			case mb == mr:
				rs, cs = A.strides()
				ap = A.x[(ic+ir)*rs+pc*cs:]
			}
			if mb == mr && nb == nr {
				kn.run(kcb, ap, rs, cs, bp, ldb, c[ir*ldc+jr:], ldc, alpha, beta)
				continue
			}
			kn.run(kcb, ap, rs, cs, bp, ldb, buf.tile[:], nr, 1, 0)
			for i := range mb {
				row := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+nb]
				t := buf.tile[i*nr : i*nr+nb]
				if beta == 0 {
					for j, v := range t {
						row[j] = alpha * v
					}
					continue
				}
				for j, v := range t {
					row[j] = alpha*v + beta*row[j]
				}
			}
		}
	}
}

// packA copies rows [i0, i0+mcb) and columns [p0, p0+kcb) of op(A) into dst as mr-row strips, each
// k-major (strip s holds element (i, p) at s·mr·kcb + p·mr + i), the last strip zero-padded.
func packA(dst []float32, A operand, i0, mcb, p0, kcb int) {
	for ir := 0; ir < mcb; ir += mr {
		mb := min(mr, mcb-ir)
		d := dst[ir*kcb : (ir+mr)*kcb]
		if A.trans { // element (i, p) at x[p*ld + i]: each p is a contiguous run of mb
			for p := range kcb {
				src := A.x[(p0+p)*A.ld+i0+ir:]
				dp := d[p*mr : p*mr+mr : p*mr+mr]
				for i := range mb {
					dp[i] = src[i]
				}
				clear(dp[mb:])
			}
			continue
		}
		if mb == mr {
			base := (i0+ir)*A.ld + p0
			r0 := A.x[base : base+kcb]
			r1 := A.x[base+A.ld : base+A.ld+kcb]
			r2 := A.x[base+2*A.ld : base+2*A.ld+kcb]
			r3 := A.x[base+3*A.ld : base+3*A.ld+kcb]
			r4 := A.x[base+4*A.ld : base+4*A.ld+kcb]
			r5 := A.x[base+5*A.ld : base+5*A.ld+kcb]
			for p := range kcb {
				dp := d[p*mr : p*mr+mr : p*mr+mr]
				dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
			continue
		}
		clear(d)
		for i := range mb {
			row := A.x[(i0+ir+i)*A.ld+p0:]
			for p := range kcb {
				d[p*mr+i] = row[p]
			}
		}
	}
}

// packB copies rows [p0, p0+kcb) and columns [j0, j0+ncb) of op(B) into dst as nr-column strips,
// each k-major (strip s holds element (p, j) at s·nr·kcb + p·nr + j), the last strip zero-padded.
func packB(dst []float32, nr int, B operand, p0, kcb, j0, ncb int) {
	for jr := 0; jr < ncb; jr += nr {
		nb := min(nr, ncb-jr)
		d := dst[jr*kcb : (jr+nr)*kcb]
		if !B.trans { // element (p, j) at x[p*ld + j]: each p is a contiguous run of nb
			for p := range kcb {
				src := B.x[(p0+p)*B.ld+j0+jr:]
				dp := d[p*nr : p*nr+nr]
				copy(dp, src[:nb])
				clear(dp[nb:])
			}
			continue
		}
		if nb < nr {
			clear(d)
		}
		for j := range nb {
			row := B.x[(j0+jr+j)*B.ld+p0:]
			row = row[:kcb]
			for p, v := range row {
				d[p*nr+j] = v
			}
		}
	}
}

// kernelGo16 is the 6×16 micro-kernel in plain Go: the reference for the assembly ones, and the
// kernel off amd64.
var kernelGo16 = kernel{"go6x16", 16, func(k int, a *float32, rsA, csA int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32) {
	microKernelGo(16, k, unsafe.Slice(a, (mr-1)*rsA+(k-1)*csA+1), rsA, csA, unsafe.Slice(b, (k-1)*ldb+16), ldb, unsafe.Slice(c, (mr-1)*ldc+16), ldc, alpha, beta)
}}

// microKernelGo computes C[0:mr, 0:nr] = alpha·A·B + beta·C as the assembly kernels do.
func microKernelGo(nr, k int, a []float32, rsA, csA int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	var acc [mr * maxNr]float32
	for p := range k {
		bp := b[p*ldb : p*ldb+nr]
		for i := range mr {
			av := a[i*rsA+p*csA]
			row := acc[i*nr : i*nr+nr]
			for j, bv := range bp {
				row[j] += av * bv
			}
		}
	}
	for i := range mr {
		row := c[i*ldc : i*ldc+nr]
		for j := range row {
			if beta == 0 {
				row[j] = alpha * acc[i*nr+j]
			} else {
				row[j] = alpha*acc[i*nr+j] + beta*row[j]
			}
		}
	}
}

// sgemmBatchedSIMD runs count checked products (m, n > 0) at the given strides; when the products
// are too small to split one by one, the batch itself is split over goroutines.
func sgemmBatchedSIMD(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC, count int) {
	one := func(i int) {
		sgemmSIMD(tA, tB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, c[i*strideC:], ldc)
	}
	parts := 1
	if m*n*k < parallelMin && count*m*n*k >= parallelMin {
		parts = min(simdThreads(), count)
	}
	if parts <= 1 {
		for i := range count {
			one(i)
		}
		return
	}
	fanOut(parts, func(p int) {
		for i := count * p / parts; i < count*(p+1)/parts; i++ {
			one(i)
		}
	})
}
