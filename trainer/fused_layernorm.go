package trainer

import (
	"math"

	G "gorgonia.org/gorgonia"
)

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
	dx, err := G.ApplyOp(&lnGradOp{newFop("fusedLayerNormDx", in[0].Shape(), nil, 2, 2, 2), o, false}, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	dg, err := G.ApplyOp(&lnGradOp{newFop("fusedLayerNormDg", in[1].Shape(), nil, 2, 2), o, true}, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(&colSumOp{newFop("fusedColSum", in[2].Shape(), nil, 2)}, grad)
	return G.Nodes{dx, dg, db}, err
}

// lnGradOp is one of LayerNorm's gradients from its forward op's row statistics: dx (lnGradX,
// from x, g, dy), or with gain set dg (lnGradG, from x, dy).
type lnGradOp struct {
	fop
	fwd  *layerNormOp // its row statistics
	gain bool
}

func (o *lnGradOp) Do(v ...G.Value) (G.Value, error) {
	out := o.output(v[0].Dtype(), o.gain) // dg accumulates over the rows
	switch d := out.Data().(type) {
	case []float32:
		lnGrad(o, v, d)
	case []float64:
		lnGrad(o, v, d)
	}
	return out, nil
}

func lnGrad[T floats](o *lnGradOp, v []G.Value, d []T) {
	if o.gain {
		lnGradG(d, dataOf[T](v[0]), dataOf[T](v[1]), o.fwd.stats)
		return
	}
	lnGradX(d, dataOf[T](v[0]), dataOf[T](v[1]), dataOf[T](v[2]), o.fwd.stats)
}

// lnGradX is dx = inv·(dŷ − mean(dŷ) − x̂·mean(dŷ⊙x̂)) with dŷ = dy⊙g.
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

// lnGradG is dg = Σ_rows dy⊙x̂.
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
