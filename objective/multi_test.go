package objective

import (
	"math"
	"math/rand"
	"testing"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/space"
)

func TestMinimized(t *testing.T) {
	g := []space.Goal{{Name: "bleu", Maximize: true}, {Name: "params"}}
	v := Minimized(g, []float64{30, 1e6})
	if v[0] != -30 || v[1] != 1e6 {
		t.Fatalf("Minimized = %v", v)
	}
}

func TestHypervolumeAgreesWith2DForm(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for iter := 0; iter < 100; iter++ {
		var p2 []Point2
		var vs [][]float64
		for i := 0; i < rng.Intn(30); i++ {
			q, c := rng.Float64()*100, rng.Float64()*10
			p2 = append(p2, Point2{Quality: q, Cost: c})
			vs = append(vs, []float64{-q, c})
		}
		a := Hypervolume(p2, Point2{Quality: 0, Cost: 9})
		b := front.HypervolumeMin(vs, []float64{0, 9})
		if math.Abs(a-b) > 1e-9*math.Max(1, a) {
			t.Fatalf("iter %d: 2-D form %v, N-D form %v", iter, a, b)
		}
	}
}
