package trainer

import (
	"math"

	G "gorgonia.org/gorgonia"
)

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
	return o.fill(v, false,
		func(dx []float32) { reluGrad32(dx, dataOf[float32](v[0]), dataOf[float32](v[1])) },
		func(dx []float64) { reluGrad(dx, dataOf[float64](v[0]), dataOf[float64](v[1])) })
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
