package trainer

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestShards(t *testing.T) {
	for _, c := range []struct{ threads, B, want int }{
		{0, 32, 1}, {1, 32, 1}, {2, 32, 2}, {4, 32, 4}, {16, 32, 8}, {2, 7, 1}, {2, 8, 2}, {3, 1, 1},
	} {
		if got := shards(c.threads, c.B); got != c.want {
			t.Errorf("shards(%d threads, batch %d) = %d, want %d", c.threads, c.B, got, c.want)
		}
	}
}

// TestShardedGradients runs one step of a small encoder-decoder (float64) as 1, 2 and 4
// data-parallel shards over the same weights and batch and requires the same loss and the same
// summed gradients: the shards see their slice of the batch with the whole batch's token count.
// With 4 shards of one sentence the last has none and is skipped.
func TestShardedGradients(t *testing.T) {
	for _, eps := range []float64{0, 0.1} {
		d := tinyDims(false, true, 2)
		p := newParams(d, tensor.Float64, 3)
		S, T := batchShape(tinyPairs)
		stepOf := func(n int) (float64, [][]float64) {
			st, err := buildSharded(d, p, 4, S, T, 0, n)
			if err != nil {
				t.Fatal(err)
			}
			defer st.close()
			loss, grads, err := st.run(d, tinyPairs, eps, 0, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if want := min(n, len(tinyPairs)); len(grads) != want {
				t.Fatalf("%d shards: %d ran, want %d", n, len(grads), want)
			}
			sum := make([][]float64, len(p.specs))
			for i := range p.specs {
				per := make([]*G.Node, len(grads))
				for k := range grads {
					per[k] = grads[k][i]
				}
				g, _, err := gradSum(per, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				sum[i] = append([]float64(nil), g...)
			}
			return loss, sum
		}
		loss1, g1 := stepOf(1)
		for _, n := range []int{2, 4} {
			loss, g := stepOf(n)
			if math.Abs(loss-loss1) > 1e-12*math.Abs(loss1) {
				t.Errorf("eps %g, %d shards: loss %.15g, one shard %.15g", eps, n, loss, loss1)
			}
			for i, s := range p.specs {
				for j := range g1[i] {
					if math.Abs(g[i][j]-g1[i][j]) > 1e-12*math.Max(1, math.Abs(g1[i][j])) {
						t.Fatalf("eps %g, %d shards: %s[%d] = %.15g, one shard %.15g", eps, n, s.name, j, g[i][j], g1[i][j])
					}
				}
			}
		}
	}
}

// TestGroups checks that Adam's parameter groups cover every parameter once, in order.
func TestGroups(t *testing.T) {
	specs := tinyDims(true, false, 2).layout()
	for _, n := range []int{1, 2, 3, 8, 1000} {
		gs := groups(specs, n)
		if len(gs) == 0 || len(gs) > n || gs[0][0] != 0 || gs[len(gs)-1][1] != len(specs) {
			t.Fatalf("groups(%d): %v", n, gs)
		}
		for k := 1; k < len(gs); k++ {
			if gs[k][0] != gs[k-1][1] || gs[k][0] >= gs[k][1] {
				t.Fatalf("groups(%d): %v not contiguous", n, gs)
			}
		}
	}
}
