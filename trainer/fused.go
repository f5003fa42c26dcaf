package trainer

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/attnsearch/attnsearch/trainer/fastblas"
	"github.com/attnsearch/attnsearch/trainer/fastmath"
	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Fused ops: custom gorgonia ops with hand-written forward and backward passes that replace
// chains of stock ops (linear layers, LayerNorm, ReLU, scaled masked softmax, head permutations,
// batched attention products). Each op writes into an output buffer it owns and reuses on every
// run, so a step allocates nothing for them; a graph runs its ops one at a time, so the buffer is
// never shared between concurrent runs. The composed path (builder.fused false) is kept as the
// reference the tests compare against.

// fop is the common part of the fused ops: name (with parameters, for hashing and printing),
// input ranks, output shape, differentiable inputs and the reused output buffer.
type fop struct {
	name   string
	in     []int // rank of each input
	out    tensor.Shape
	diff   []bool
	buf    *tensor.Dense
	bufDt  tensor.Dtype
	bufSet bool
}

func (o *fop) Arity() int { return len(o.in) }

func (o *fop) Type() hm.Type {
	ts := make(hm.Types, 0, len(o.in)+1)
	for _, r := range o.in {
		ts = append(ts, G.TensorType{Dims: r, Of: hm.TypeVariable('a')})
	}
	ts = append(ts, G.TensorType{Dims: o.out.Dims(), Of: hm.TypeVariable('a')})
	return hm.NewFnType(ts...)
}

func (o *fop) InferShape(...G.DimSizer) (tensor.Shape, error) { return o.out.Clone(), nil }
func (o *fop) ReturnsPtr() bool                               { return false }
func (o *fop) CallsExtern() bool                              { return false }
func (o *fop) OverwritesInput() int                           { return -1 }
func (o *fop) String() string                                 { return o.name }
func (o *fop) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "%s%v", o.name, o.out) }
func (o *fop) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}
func (o *fop) DiffWRT(n int) []bool { return o.diff }

// output returns the op's reused output buffer in dtype dt, zeroed when zero is set.
func (o *fop) output(dt tensor.Dtype, zero bool) *tensor.Dense {
	if !o.bufSet || o.bufDt != dt {
		o.buf = tensor.New(tensor.Of(dt), tensor.WithShape(o.out...))
		o.bufDt, o.bufSet = dt, true
		return o.buf
	}
	if zero {
		o.buf.Zero()
	}
	return o.buf
}

// newFop builds the common part; diff nil means no input is differentiable (backward-only ops).
func newFop(name string, out tensor.Shape, diff []bool, in ...int) fop {
	if diff == nil {
		diff = make([]bool, len(in))
	}
	return fop{name: name, in: in, out: out.Clone(), diff: diff}
}

// apply adds op to the graph with the given children under the builder's sticky error.
func (b *builder) apply(op G.Op, what string, xs ...*G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	n, err := G.ApplyOp(op, xs...)
	return b.ok(n, err, what)
}

// floats is the element type of every fused op.
type floats interface{ float32 | float64 }

// dataOf returns the backing slice of a value in element type T.
func dataOf[T floats](v G.Value) []T { return v.Data().([]T) }

// colSumOp sums the rows of x (N, M) into (1, M).
type colSumOp struct{ fop }

func (o *colSumOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), true)
	// Row by row through gonum's vectorised axpy (alpha 1: the same sums as a plain loop).
	var impl gonum.Implementation
	m := o.out.TotalSize()
	switch x := v[0].Data().(type) {
	case []float32:
		y := out.Data().([]float32)
		for r := 0; r < len(x); r += m {
			impl.Saxpy(m, 1, x[r:r+m], 1, y, 1)
		}
	case []float64:
		y := out.Data().([]float64)
		for r := 0; r < len(x); r += m {
			impl.Daxpy(m, 1, x[r:r+m], 1, y, 1)
		}
	}
	return out, nil
}

// --- ReLU: y = max(x, 0); dx = dy where y > 0 ---

// relu32 is relu without branches: a set sign bit (negative, -0) clears the value to +0.
func relu32(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		b := math.Float32bits(v)
		y[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
	}
}

func relu[T floats](y, x []T) {
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

type reluGradOp struct{ fop }

func (o *reluGradOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	switch y := v[0].Data().(type) {
	case []float32:
		reluGrad32(out.Data().([]float32), y, dataOf[float32](v[1]))
	case []float64:
		reluGrad(out.Data().([]float64), y, dataOf[float64](v[1]))
	}
	return out, nil
}

// reluGrad32 is reluGrad without branches (signs are random, so a branch mispredicts half the
// time): y = max(x, 0) is +0 or positive, so its bits are 0 or a positive int32.
func reluGrad32(dx, y, dy []float32) {
	dy = dy[:len(y)]
	dx = dx[:len(y)]
	for i, v := range y {
		m := uint32(-int32(math.Float32bits(v)) >> 31)
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & m)
	}
}

func reluGrad[T floats](dx, y, dy []T) {
	for i, v := range y {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}

// --- LayerNorm: y = (x - mean)/sqrt(var + eps) ⊙ g + b over the rows of x (N, D) ---

const lnEps = 1e-5

// layerNormOp keeps each row's mean and 1/sqrt(var+eps) from its forward run for the backward
// ops of the same step (they run after it).
type layerNormOp struct {
	fop
	stats []float64 // mean, inv per row
}

func (b *builder) fusedLayerNorm(x, g, bias *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.apply(&layerNormOp{fop: newFop("fusedLayerNorm", x.Shape(), []bool{true, true, true}, 2, 2, 2)}, "layernorm", x, g, bias)
}

func (o *layerNormOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	if o.stats == nil {
		o.stats = make([]float64, 2*o.out[0])
	}
	switch x := v[0].Data().(type) {
	case []float32:
		lnForward(out.Data().([]float32), x, dataOf[float32](v[1]), dataOf[float32](v[2]), o.stats)
	case []float64:
		lnForward(out.Data().([]float64), x, dataOf[float64](v[1]), dataOf[float64](v[2]), o.stats)
	}
	return out, nil
}

// lnStats returns the mean and 1/sqrt(var+eps) of one row (accumulated in float64).
func lnStats[T floats](x []T) (mean, inv float64) {
	// Four float64 partial sums per pass: one running sum would wait on the adder at every element.
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(x); j += 4 {
		s0, s1 = s0+float64(x[j]), s1+float64(x[j+1])
		s2, s3 = s2+float64(x[j+2]), s3+float64(x[j+3])
	}
	for ; j < len(x); j++ {
		s0 += float64(x[j])
	}
	mean = (s0 + s1 + s2 + s3) / float64(len(x))
	var q0, q1, q2, q3 float64
	j = 0
	for ; j+4 <= len(x); j += 4 {
		c0, c1, c2, c3 := float64(x[j])-mean, float64(x[j+1])-mean, float64(x[j+2])-mean, float64(x[j+3])-mean
		q0, q1, q2, q3 = q0+c0*c0, q1+c1*c1, q2+c2*c2, q3+c3*c3
	}
	for ; j < len(x); j++ {
		c := float64(x[j]) - mean
		q0 += c * c
	}
	return mean, 1 / math.Sqrt((q0+q1+q2+q3)/float64(len(x))+lnEps)
}

// lnForward normalises each row of x (N, D) into y and keeps the rows' mean and 1/σ in stats;
// the output is computed in T, against the mean rounded to T (see lnGradX).
func lnForward[T floats](y, x, g, b []T, stats []float64) {
	d := len(g)
	for r := 0; r+d <= len(x); r += d {
		xr, yr := x[r:r+d], y[r:r+d:r+d]
		mean, inv := lnStats(xr)
		stats[2*(r/d)], stats[2*(r/d)+1] = mean, inv
		m, iv := T(mean), T(inv)
		for j := range yr {
			yr[j] = (xr[j]-m)*iv*g[j] + b[j]
		}
	}
}

func (o *layerNormOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&lnGradXOp{newFop("fusedLayerNormDx", in[0].Shape(), nil, 2, 2, 2), o}, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	dg, err := G.ApplyOp(&lnGradGOp{newFop("fusedLayerNormDg", in[1].Shape(), nil, 2, 2), o}, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(&colSumOp{newFop("fusedColSum", in[2].Shape(), nil, 2)}, grad)
	return G.Nodes{dx, dg, db}, err
}

// lnGradXOp is dx = inv·(dŷ − mean(dŷ) − x̂·mean(dŷ⊙x̂)) with dŷ = dy⊙g, from (x, g, dy).
type lnGradXOp struct {
	fop
	fwd *layerNormOp // its row statistics
}

func (o *lnGradXOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	switch x := v[0].Data().(type) {
	case []float32:
		lnGradX(out.Data().([]float32), x, dataOf[float32](v[1]), dataOf[float32](v[2]), o.fwd.stats)
	case []float64:
		lnGradX(out.Data().([]float64), x, dataOf[float64](v[1]), dataOf[float64](v[2]), o.fwd.stats)
	}
	return out, nil
}

func lnGradX[T floats](dx, x, g, dy []T, stats []float64) {
	d := len(g)
	n := float64(d)
	for r := 0; r+d <= len(x); r += d {
		xr, dyr, dxr := x[r:r+d], dy[r:r+d:r+d], dx[r:r+d:r+d]
		mean, inv := stats[2*(r/d)], stats[2*(r/d)+1]
		// s1 = mean(dy⊙g), s2 = mean(dy⊙g⊙x̂) = inv·(Σ dy⊙g⊙x − mean·Σ dy⊙g)/d, each summed in
		// four float64 partial sums (one running sum waits on the adder at every element).
		var a0, a1, a2, a3, b0, b1, b2, b3 float64
		j := 0
		for ; j+4 <= d; j += 4 {
			g0, g1 := float64(dyr[j])*float64(g[j]), float64(dyr[j+1])*float64(g[j+1])
			g2, g3 := float64(dyr[j+2])*float64(g[j+2]), float64(dyr[j+3])*float64(g[j+3])
			a0, a1, a2, a3 = a0+g0, a1+g1, a2+g2, a3+g3
			b0, b1 = b0+g0*float64(xr[j]), b1+g1*float64(xr[j+1])
			b2, b3 = b2+g2*float64(xr[j+2]), b3+g3*float64(xr[j+3])
		}
		for ; j < d; j++ {
			gy := float64(dyr[j]) * float64(g[j])
			a0 += gy
			b0 += gy * float64(xr[j])
		}
		sum := a0 + a1 + a2 + a3
		s1 := sum / n
		s2 := inv * ((b0 + b1 + b2 + b3) - mean*sum) / n
		// dx = inv·(dy⊙g − s1 − x̂·s2) = inv·dy⊙g − inv·s1 − inv²·s2·(x − mean), in T; x − mean
		// is taken against the mean rounded to T, which keeps it exact where x is near the mean.
		ci, c, k, m := T(inv), T(inv*s1), T(inv*inv*s2), T(mean)
		for j := range dxr {
			dxr[j] = ci*(dyr[j]*g[j]) - c - k*(xr[j]-m)
		}
	}
}

// lnGradGOp is dg = Σ_rows dy⊙x̂, from (x, dy).
type lnGradGOp struct {
	fop
	fwd *layerNormOp // its row statistics
}

func (o *lnGradGOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), true)
	switch x := v[0].Data().(type) {
	case []float32:
		lnGradG(out.Data().([]float32), x, dataOf[float32](v[1]), o.fwd.stats)
	case []float64:
		lnGradG(out.Data().([]float64), x, dataOf[float64](v[1]), o.fwd.stats)
	}
	return out, nil
}

func lnGradG[T floats](dg, x, dy []T, stats []float64) {
	d := len(dg)
	for r := 0; r < len(x); r += d {
		xr, dyr := x[r:r+d], dy[r:r+d]
		mean, inv := stats[2*(r/d)], stats[2*(r/d)+1]
		for j := range xr {
			dg[j] += dyr[j] * T((float64(xr[j])-mean)*inv)
		}
	}
}

// --- scaled masked softmax over the last axis: y = softmax(scale·s + mask) ---

type softmaxOp struct {
	fop
	scale float64
}

// fusedSoftmax is softmax(scale·s + mask) over the last axis of s; mask (same shape) may be nil.
func (b *builder) fusedSoftmax(s, mask *G.Node, scale float64) *G.Node {
	if b.err != nil {
		return nil
	}
	name := fmt.Sprintf("fusedSoftmax(%g)", scale)
	if mask == nil {
		return b.apply(&softmaxOp{newFop(name, s.Shape(), []bool{true}, s.Dims()), scale}, "softmax", s)
	}
	return b.apply(&softmaxOp{newFop(name+"masked", s.Shape(), []bool{true, false}, s.Dims(), mask.Dims()), scale}, "softmax", s, mask)
}

func (o *softmaxOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	n := o.out[len(o.out)-1]
	switch x := v[0].Data().(type) {
	case []float32:
		var m []float32
		if len(v) > 1 {
			m = dataOf[float32](v[1])
		}
		softmax(out.Data().([]float32), x, m, float32(o.scale), n)
	case []float64:
		var m []float64
		if len(v) > 1 {
			m = dataOf[float64](v[1])
		}
		softmax(out.Data().([]float64), x, m, o.scale, n)
	}
	return out, nil
}

func softmax[T floats](y, x, mask []T, scale T, n int) {
	for r := 0; r < len(x); r += n {
		yr, xr := y[r:r+n], x[r:r+n]
		for j, v := range xr {
			yr[j] = v * scale
		}
		if mask != nil {
			for j, m := range mask[r : r+n] {
				yr[j] += m
			}
		}
		mx := yr[0]
		for _, v := range yr[1:] {
			if v > mx { // not max(): its NaN and signed-zero handling costs a branch chain per element
				mx = v
			}
		}
		iz := 1 / expShift(yr, yr, mx)
		for j := range yr {
			yr[j] = T(float64(yr[j]) * iz)
		}
	}
}

func (o *softmaxOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	op := &softmaxGradOp{newFop(fmt.Sprintf("fusedSoftmaxGrad(%g)", o.scale), in[0].Shape(), nil, out.Dims(), grad.Dims()), o.scale}
	ds, err := G.ApplyOp(op, out, grad)
	if len(in) > 1 {
		return G.Nodes{ds, nil}, err
	}
	return G.Nodes{ds}, err
}

// softmaxGradOp is ds = scale·y⊙(dy − Σ dy⊙y) per row, from (y, dy).
type softmaxGradOp struct {
	fop
	scale float64
}

func (o *softmaxGradOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	n := o.out[len(o.out)-1]
	switch y := v[0].Data().(type) {
	case []float32:
		softmaxGrad(out.Data().([]float32), y, dataOf[float32](v[1]), o.scale, n)
	case []float64:
		softmaxGrad(out.Data().([]float64), y, dataOf[float64](v[1]), o.scale, n)
	}
	return out, nil
}

func softmaxGrad[T floats](ds, y, dy []T, scale float64, n int) {
	for r := 0; r < len(y); r += n {
		yr, dyr, dsr := y[r:r+n], dy[r:r+n], ds[r:r+n]
		var s float64
		for j, v := range yr {
			s += float64(v) * float64(dyr[j])
		}
		for j, v := range yr {
			dsr[j] = T(scale * float64(v) * (float64(dyr[j]) - s))
		}
	}
}

// --- permutation of a logical shape (with the reshapes around it folded in) ---

type permuteOp struct {
	fop
	logical []int // the input viewed in this shape
	perm    []int // output axis i is logical axis perm[i]
}

// permute views x as logical, permutes its axes by perm and returns the result in shape out.
func (b *builder) permute(x *G.Node, logical, perm []int, out ...int) *G.Node {
	if b.err != nil {
		return nil
	}
	return b.apply(newPermute(x.Shape(), logical, perm, out), "permute", x)
}

func newPermute(in tensor.Shape, logical, perm, out []int) *permuteOp {
	name := fmt.Sprintf("fusedPermute(%v,%v)", logical, perm)
	return &permuteOp{newFop(name, tensor.Shape(out), []bool{true}, in.Dims()), append([]int(nil), logical...), append([]int(nil), perm...)}
}

func (o *permuteOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	switch x := v[0].Data().(type) {
	case []float32:
		permute(out.Data().([]float32), x, o.logical, o.perm)
	case []float64:
		permute(out.Data().([]float64), x, o.logical, o.perm)
	}
	return out, nil
}

// permute copies x (row-major in shape logical) into y with axes reordered by perm; the last
// logical axis, when it stays last, is copied as a contiguous run.
func permute[T floats](y, x []T, logical, perm []int) {
	r := len(logical)
	stride := make([]int, r) // input strides
	s := 1
	for i := r - 1; i >= 0; i-- {
		stride[i] = s
		s *= logical[i]
	}
	oshape := make([]int, r)
	ostride := make([]int, r) // input stride of each output axis
	for i, p := range perm {
		oshape[i], ostride[i] = logical[p], stride[p]
	}
	inner := 1
	depth := r
	if perm[r-1] == r-1 {
		inner, depth = logical[r-1], r-1
	}
	idx := make([]int, depth)
	off, o := 0, 0
	for {
		copy(y[o:o+inner], x[off:off+inner])
		o += inner
		i := depth - 1
		for ; i >= 0; i-- {
			idx[i]++
			off += ostride[i]
			if idx[i] < oshape[i] {
				break
			}
			off -= ostride[i] * oshape[i]
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

func (o *permuteOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	inv := make([]int, len(o.perm))
	permuted := make([]int, len(o.perm))
	for i, p := range o.perm {
		inv[p] = i
		permuted[i] = o.logical[p]
	}
	dx, err := G.ApplyOp(newPermute(grad.Shape(), permuted, inv, in[0].Shape()), grad)
	return G.Nodes{dx}, err
}

// --- batched product through fastblas.SgemmBatched: C_i = op(A_i)·op(B_i) for 3-D A, B ---

type bmmOp struct {
	fop
	tA, tB  bool
	m, n, k int
}

// fusedBMM is the batched product of 3-D a and b (transposed as asked), one BLAS call per batch.
func (b *builder) fusedBMM(x, y *G.Node, tA, tB bool) *G.Node {
	if b.err != nil {
		return nil
	}
	op, err := newBMM(x.Shape(), y.Shape(), tA, tB)
	if err != nil {
		b.err = err
		return nil
	}
	return b.apply(op, "batched product", x, y)
}

func newBMM(as, bs tensor.Shape, tA, tB bool) (*bmmOp, error) {
	if as.Dims() != 3 || bs.Dims() != 3 || as[0] != bs[0] {
		return nil, fmt.Errorf("trainer: batched product of shapes %v and %v", as, bs)
	}
	m, k := as[1], as[2]
	if tA {
		m, k = k, m
	}
	k2, n := bs[1], bs[2]
	if tB {
		k2, n = n, k2
	}
	if k != k2 {
		return nil, fmt.Errorf("trainer: batched product of shapes %v and %v (transposed %v, %v)", as, bs, tA, tB)
	}
	name := fmt.Sprintf("fusedBMM(%v,%v)", tA, tB)
	return &bmmOp{newFop(name, tensor.Shape{as[0], m, n}, []bool{true, true}, 3, 3), tA, tB, m, n, k}, nil
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func (o *bmmOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	as, bs := v[0].Shape(), v[1].Shape()
	lda, ldb := as[2], bs[2]
	sa, sb, sc := as[1]*as[2], bs[1]*bs[2], o.m*o.n
	tA, tB, count := trans(o.tA), trans(o.tB), as[0]
	impl := G.WhichBLAS()
	fast, batched := impl.(batcher)
	switch a := v[0].Data().(type) {
	case []float32:
		b, c := dataOf[float32](v[1]), out.Data().([]float32)
		if batched {
			fast.SgemmBatched(tA, tB, o.m, o.n, o.k, 1, a, lda, sa, b, ldb, sb, 0, c, o.n, sc, count)
			break
		}
		for i := range count {
			impl.Sgemm(tA, tB, o.m, o.n, o.k, 1, a[i*sa:(i+1)*sa], lda, b[i*sb:(i+1)*sb], ldb, 0, c[i*sc:(i+1)*sc], o.n)
		}
	case []float64:
		b, c := dataOf[float64](v[1]), out.Data().([]float64)
		if batched {
			fast.DgemmBatched(tA, tB, o.m, o.n, o.k, 1, a, lda, sa, b, ldb, sb, 0, c, o.n, sc, count)
			break
		}
		for i := range count {
			impl.Dgemm(tA, tB, o.m, o.n, o.k, 1, a[i*sa:(i+1)*sa], lda, b[i*sb:(i+1)*sb], ldb, 0, c[i*sc:(i+1)*sc], o.n)
		}
	}
	return out, nil
}

// batcher is a BLAS with strided batched products (fastblas.Implementation); the batched
// products use it when it is gorgonia's installed BLAS and call Sgemm per matrix otherwise.
type batcher interface {
	SgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC, count int)
	DgemmBatched(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda, strideA int, b []float64, ldb, strideB int, beta float64, c []float64, ldc, strideC, count int)
}

var _ batcher = fastblas.Implementation{}

func (o *bmmOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	a, b := in[0], in[1]
	type prod struct {
		x, y   *G.Node
		tx, ty bool
	}
	var da, db prod
	switch {
	case !o.tA && !o.tB: // C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC
		da, db = prod{grad, b, false, true}, prod{a, grad, true, false}
	case !o.tA && o.tB: // C = A·Bᵀ: dA = dC·B, dB = dCᵀ·A
		da, db = prod{grad, b, false, false}, prod{grad, a, true, false}
	case o.tA && !o.tB: // C = Aᵀ·B: dA = B·dCᵀ, dB = A·dC
		da, db = prod{b, grad, false, true}, prod{a, grad, false, false}
	default: // C = Aᵀ·Bᵀ: dA = Bᵀ·dCᵀ, dB = dCᵀ·Aᵀ
		da, db = prod{b, grad, true, true}, prod{grad, a, true, true}
	}
	var nodes G.Nodes
	for _, p := range []prod{da, db} {
		op, err := newBMM(p.x.Shape(), p.y.Shape(), p.tx, p.ty)
		if err != nil {
			return nil, err
		}
		n, err := G.ApplyOp(op, p.x, p.y)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// --- label-smoothed cross-entropy: loss = Σ_r w_r·logsumexp(z_r) − Σ target ⊙ z ---

// crossEntropyOp keeps each row's log-sum-exp from its forward run for the gradient op.
type crossEntropyOp struct {
	fop
	lses []float64
}

// fusedCrossEntropy is crossEntropy's loss as one op (a scalar); only logits are differentiable.
func (b *builder) fusedCrossEntropy(logits, target, w *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	op := &crossEntropyOp{fop: newFop("fusedCrossEntropy", tensor.ScalarShape(), []bool{true, false, false}, 2, 2, 2)}
	return b.apply(op, "cross-entropy", logits, target, w)
}

func (o *crossEntropyOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, hm.TypeVariable('a'))
}

func (o *crossEntropyOp) Do(v ...G.Value) (G.Value, error) {
	if o.lses == nil {
		o.lses = make([]float64, v[2].Shape().TotalSize())
	}
	switch z := v[0].Data().(type) {
	case []float32:
		l := crossEntropy(z, dataOf[float32](v[1]), dataOf[float32](v[2]), o.lses)
		return G.NewF32(float32(l)), nil
	case []float64:
		return G.NewF64(crossEntropy(z, dataOf[float64](v[1]), dataOf[float64](v[2]), o.lses)), nil
	}
	return nil, fmt.Errorf("trainer: cross-entropy of %v", v[0].Dtype())
}

// lse is the max-shifted log-sum-exp of one row.
func lse[T floats](z []T) float64 {
	mx := z[0]
	for _, x := range z[1:] {
		mx = max(mx, x)
	}
	var s float64
	if z32, ok := any(z).([]float32); ok {
		s = fastmath.SumExpShift(z32, float32(mx))
	} else {
		for _, x := range z {
			s += math.Exp(float64(x - mx))
		}
	}
	return math.Log(s) + float64(mx)
}

// expShift sets y[i] = exp(x[i] − shift) and returns their sum: float32 through fastmath's
// vectorised exp (within 2 ulp), float64 through math.Exp.
func expShift[T floats](y, x []T, shift T) float64 {
	if x32, ok := any(x).([]float32); ok {
		return fastmath.ExpShift(any(y).([]float32), x32, float32(shift))
	}
	var s float64
	for i, v := range x {
		e := math.Exp(float64(v - shift))
		y[i] = T(e)
		s += e
	}
	return s
}

func crossEntropy[T floats](z, target, w []T, lses []float64) float64 {
	n := len(z) / len(w)
	var loss float64
	for r := range w {
		zr, tr := z[r*n:(r+1)*n], target[r*n:(r+1)*n]
		lses[r] = 0
		if w[r] != 0 {
			lses[r] = lse(zr)
			loss += float64(w[r]) * lses[r]
		}
		for j, t := range tr {
			loss -= float64(t) * float64(zr[j])
		}
	}
	return loss
}

func (o *crossEntropyOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dz, err := G.ApplyOp(&crossEntropyGradOp{newFop("fusedCrossEntropyGrad", in[0].Shape(), nil, 2, 2, 2, 0), o}, in[0], in[1], in[2], grad)
	return G.Nodes{dz, nil, nil}, err
}

// crossEntropyGradOp is dz = g·(w_r·softmax(z_r) − target_r), from (z, target, w, g).
type crossEntropyGradOp struct {
	fop
	fwd *crossEntropyOp // its rows' log-sum-exp
}

func (o *crossEntropyGradOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, hm.TypeVariable('a'), t)
}

func (o *crossEntropyGradOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	switch z := v[0].Data().(type) {
	case []float32:
		crossEntropyGrad(out.Data().([]float32), z, dataOf[float32](v[1]), dataOf[float32](v[2]), float64(v[3].Data().(float32)), o.fwd.lses)
	case []float64:
		crossEntropyGrad(out.Data().([]float64), z, dataOf[float64](v[1]), dataOf[float64](v[2]), v[3].Data().(float64), o.fwd.lses)
	}
	return out, nil
}

// crossEntropyGrad uses the forward pass's log-sum-exp of each row (rows of weight 0 only
// subtract their target, which is 0 there too).
func crossEntropyGrad[T floats](dz, z, target, w []T, g float64, lses []float64) {
	n := len(z) / len(w)
	for r := range w {
		zr, tr, dr := z[r*n:(r+1)*n], target[r*n:(r+1)*n], dz[r*n:(r+1)*n]
		l, wr := lses[r], float64(w[r])
		if wr == 0 {
			for j, t := range tr {
				dr[j] = T(-g * float64(t))
			}
			continue
		}
		if _, ok := any(zr).([]float32); ok { // vectorised exp, shifted by l rounded to float32
			expShift(dr, zr, T(l))
			for j, e := range dr {
				dr[j] = T(g * (wr*float64(e) - float64(tr[j])))
			}
			continue
		}
		for j, x := range zr {
			dr[j] = T(g * (wr*math.Exp(float64(x)-l) - float64(tr[j])))
		}
	}
}

// --- linear layer: y = x·W + b through the installed BLAS into the op's own buffer ---

// linearOp is x·W + b (x·W alone when the op has two inputs), with relu set max(·, 0) in the
// same pass over the output.
type linearOp struct {
	fop
	relu bool
}

// fusedLinear is x (N, in) · W (in, out) + b (1, out), or x·W when bias is nil; its backward
// products use matOp.
func (b *builder) fusedLinear(x, w, bias *G.Node) *G.Node {
	return b.fusedLinearAct(x, w, bias, false)
}

// fusedLinearAct is fusedLinear followed, when relu is set, by ReLU in the same op: the
// product's output is rectified while it is still in cache, and the backward masks the incoming
// gradient once (reluGradOp) before the linear backward products.
func (b *builder) fusedLinearAct(x, w, bias *G.Node, relu bool) *G.Node {
	if b.err != nil {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 2 || ws.Dims() != 2 || xs[1] != ws[0] {
		b.err = fmt.Errorf("trainer: linear of shapes %v and %v", xs, ws)
		return nil
	}
	name := "fusedLinear"
	if relu {
		name = "fusedLinearReLU"
	}
	if bias == nil {
		op := &linearOp{newFop(name+"NoBias", tensor.Shape{xs[0], ws[1]}, []bool{true, true}, 2, 2), relu}
		return b.apply(op, "linear", x, w)
	}
	op := &linearOp{newFop(name, tensor.Shape{xs[0], ws[1]}, []bool{true, true, true}, 2, 2, 2), relu}
	return b.apply(op, "linear", x, w, bias)
}

func (o *linearOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	n, in, m := o.out[0], v[0].Shape()[1], o.out[1]
	impl := G.WhichBLAS()
	// Each row starts as the bias; the product is added with beta 1 (x·W + b, summed once).
	// Without a bias the product overwrites the buffer (beta 0).
	beta := 0.0
	if len(v) == 3 {
		beta = 1
	}
	switch x := v[0].Data().(type) {
	case []float32:
		y := out.Data().([]float32)
		if beta == 1 {
			b := dataOf[float32](v[2])
			for r := 0; r < n*m; r += m {
				copy(y[r:r+m], b)
			}
		}
		impl.Sgemm(blas.NoTrans, blas.NoTrans, n, m, in, 1, x, in, dataOf[float32](v[1]), m, float32(beta), y, m)
		if o.relu {
			relu32(y, y)
		}
	case []float64:
		y := out.Data().([]float64)
		if beta == 1 {
			b := dataOf[float64](v[2])
			for r := 0; r < n*m; r += m {
				copy(y[r:r+m], b)
			}
		}
		impl.Dgemm(blas.NoTrans, blas.NoTrans, n, m, in, 1, x, in, dataOf[float64](v[1]), m, beta, y, m)
		if o.relu {
			relu(y, y)
		}
	}
	return out, nil
}

func (o *linearOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if o.relu { // the gradient of the pre-activation: grad where out > 0
		g, err := G.ApplyOp(&reluGradOp{newFop("fusedReLUGrad", out.Shape(), nil, out.Dims(), grad.Dims())}, out, grad)
		if err != nil {
			return nil, err
		}
		grad = g
	}
	dx, err := G.ApplyOp(newMat(grad.Shape(), in[1].Shape(), false, true), grad, in[1])
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(newMat(in[0].Shape(), grad.Shape(), true, false), in[0], grad)
	if err != nil {
		return nil, err
	}
	if len(in) == 2 {
		return G.Nodes{dx, dw}, nil
	}
	db, err := G.ApplyOp(&colSumOp{newFop("fusedColSum", in[2].Shape(), nil, 2)}, grad)
	return G.Nodes{dx, dw, db}, err
}

// matOp is the 2-D product op(A)·op(B) through the installed BLAS (backward of linearOp).
type matOp struct {
	fop
	tA, tB bool
	k      int
}

func newMat(as, bs tensor.Shape, tA, tB bool) *matOp {
	m, k := as[0], as[1]
	if tA {
		m, k = k, m
	}
	n := bs[1]
	if tB {
		n = bs[0]
	}
	return &matOp{newFop(fmt.Sprintf("fusedMat(%v,%v)", tA, tB), tensor.Shape{m, n}, nil, 2, 2), tA, tB, k}
}

func (o *matOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), false)
	m, n := o.out[0], o.out[1]
	lda, ldb := v[0].Shape()[1], v[1].Shape()[1]
	impl := G.WhichBLAS()
	switch a := v[0].Data().(type) {
	case []float32:
		impl.Sgemm(trans(o.tA), trans(o.tB), m, n, o.k, 1, a, lda, dataOf[float32](v[1]), ldb, 0, out.Data().([]float32), n)
	case []float64:
		impl.Dgemm(trans(o.tA), trans(o.tB), m, n, o.k, 1, a, lda, dataOf[float64](v[1]), ldb, 0, out.Data().([]float64), n)
	}
	return out, nil
}
