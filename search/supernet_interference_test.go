package search

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
)

// interferenceSteps is the training of each SuperTransformer of BenchmarkSupernetInterference:
// about where a model of the start point alone leaves the unigram plateau and learns to attend.
const interferenceSteps = 600

// interferenceGroups are the elastic dimensions varied together, one SuperTransformer each.
var interferenceGroups = []struct {
	name string
	dims []string
}{
	{"none", nil},
	{"layers", []string{"enc_layers", "dec_layers"}},
	{"heads", []string{"heads", "kv_heads"}},
	{"d_ff", []string{"d_ff"}},
	{"layers+d_ff", []string{"enc_layers", "dec_layers", "d_ff"}},
	{"d_model", []string{"d_model"}},
	{"all", space.ElasticNames},
}

// BenchmarkSupernetInterference measures what sharing weights across each elastic dimension
// costs on the main job's task (spaces/mt-supernet.yaml): for each group of dimensions, a
// SuperTransformer trains interferenceSteps updates (two threads, one sub-network per update:
// the space's start point with the group's dimensions drawn uniformly, repaired, inside
// retrain.reference's box), and reports its mean training loss over the last 100 updates and
// the start point's inherited BLEU on the 200 validation sentences. Group "none" trains the
// start point alone: the figures a standalone model reaches. Skipped unless ATTNSEARCH_RANK_DIR
// is set (it writes nothing there); run with -benchtime=1x (about 10 minutes on two cores).
func BenchmarkSupernetInterference(b *testing.B) {
	if os.Getenv(rankDirEnv) == "" {
		b.Skipf("set %s to run it", rankDirEnv)
	}
	steps := interferenceSteps
	if os.Getenv(rankQuickEnv) != "" {
		steps = 2
	}
	spec, err := space.Load(filepath.Join("..", "spaces", "mt-supernet.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	sr := openSuperRun(b, spec, filepath.Join(b.TempDir(), "unused.ckpt"))
	_, start, err := sr.archPoint(nil)
	if err != nil {
		b.Fatal(err)
	}
	container, err := sr.corner(true)
	if err != nil {
		b.Fatal(err)
	}
	arch := sr.arch2()
	for _, grp := range interferenceGroups {
		b.Run(grp.name, func(b *testing.B) {
			for range b.N {
				sn, err := trainer.NewSuperNet(container, container, sr.ds, trainer.Options{Training: spec.Training,
					MaxL2Norm: spec.Budget.MaxL2Norm, Seed: 7, Threads: 2, Arch: &arch}, steps)
				if err != nil {
					b.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(9, 0))
				t0 := time.Now()
				var tail float64
				for n := range steps {
					cfg := start
					for try := 0; len(grp.dims) > 0; try++ {
						vals := map[string]int{"d_model": start.DModel, "heads": start.Heads, "kv_heads": start.KVHeads,
							"enc_layers": start.EncLayers, "dec_layers": start.DecLayers, "d_ff": start.DFF}
						for _, name := range grp.dims {
							if vs, ok := sr.elastic[name]; ok {
								vals[name] = vs[rng.IntN(len(vs))]
							}
						}
						if _, c, err := sr.archPoint(vals); err == nil && sr.inBox(c) {
							cfg = c
							break
						}
						if try > 1000 {
							b.Fatalf("%s: no sub-network drawn inside the box", grp.name)
						}
					}
					loss, err := sn.Step([]space.Config{cfg})
					if err != nil {
						b.Fatal(err)
					}
					if n >= steps-100 {
						tail += loss / float64(min(steps, 100))
					}
				}
				r, err := sn.Evaluate(context.Background(), start, 200)
				if err != nil {
					b.Fatal(err)
				}
				sn.Close()
				b.Logf("%s varied: %d updates in %.0f s, training loss %.3f (last 100), %s inherited BLEU %.2f",
					grp.name, steps, time.Since(t0).Seconds(), tail, archKey(start), r.BLEU)
				b.ReportMetric(tail, "train-loss")
				b.ReportMetric(r.BLEU, "inherited-bleu")
			}
		})
	}
}
