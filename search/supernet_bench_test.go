package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/samplertest"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/c-bata/goptuna"
)

// rankSpace is the ranking benchmark's study: a small synthetic task whose sub-networks learn
// something in a few hundred updates.
const rankSpace = `
study:
  name: rank
  strategy: supernet
  seed: 7
task:
  kind: synthetic
  synthetic: {train: 1000, valid: 60, test: 20, vocab: 16, min_len: 3, max_len: 8, seed: 2}
  max_len: 10
training:
  epochs: 50
  batch_size: 32
  latency_sentences: 4
  eval_sentences: 0
  threads: 1
params:
  d_model: {type: int, low: 16, high: 64, step: 16}
  heads: {type: categorical, choices: [1, 2, 4]}
  kv_heads: {type: int, low: 1, high: 4}
  enc_layers: {type: int, low: 1, high: 2}
  dec_layers: {type: int, low: 1, high: 2}
  d_ff: {type: int, low: 32, high: 128, step: 32}
  lr: 3.0e-3
  dropout: 0.0
  warmup_steps: 30
  label_smoothing: 0.1
budget:
  max_params: 1000000
objective:
  metric: bleu
  cost: params
supernet:
  train: {steps: %d, sampling: %s}
  evaluate: {sentences: 60}
  trials: 1
  retrain: {top_k: 1, steps: 1}
`

// BenchmarkSupernetRanking measures how well inherited weights rank architectures: Kendall's
// tau-b between the validation BLEU of 16 sub-networks (both corners and 14 uniform draws) with
// inherited weights and the same architectures trained from scratch for 400 updates. Run with
// -benchtime=1x (minutes on two cores).
func BenchmarkSupernetRanking(b *testing.B) {
	const scratchSteps = 400
	for _, c := range []struct {
		steps    int
		sampling string
	}{{400, "uniform"}, {400, "sandwich"}} {
		b.Run(fmt.Sprintf("%s-%d", c.sampling, c.steps), func(b *testing.B) {
			for range b.N {
				spec, err := space.Parse(filepath.Join(b.TempDir(), "rank.yaml"), []byte(fmt.Sprintf(rankSpace, c.steps, c.sampling)))
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				sr := openSuperRun(b, spec, filepath.Join(b.TempDir(), "ck"))
				if err := sr.train(ctx); err != nil {
					b.Fatal(err)
				}
				smallest, _ := sr.corner(false)
				largest, _ := sr.corner(true)
				archs := []space.Config{smallest, largest}
				for n := 0; len(archs) < 16; n++ {
					cs := sr.sampleArchs(10000+n, largest, smallest)
					archs = append(archs, cs[len(cs)-1])
				}
				tr := spec.Training
				tr.MaxSteps = scratchSteps
				var inh, scratch []float64
				for i, cfg := range archs {
					r, err := sr.sn.Evaluate(ctx, cfg, 0)
					if err != nil {
						b.Fatal(err)
					}
					res, err := trainer.Train(ctx, cfg, sr.ds, trainer.Options{Training: tr, Seed: int64(i + 1), Threads: 1})
					if err != nil {
						b.Fatal(err)
					}
					inh, scratch = append(inh, r.BLEU), append(scratch, res.ValidBLEU)
					b.Logf("%s: inherited %.2f, from scratch (%d updates) %.2f", cfg.SetString(), r.BLEU, scratchSteps, res.ValidBLEU)
				}
				sr.sn.Close()
				b.ReportMetric(kendallTau(inh, scratch), "kendall-tau")
			}
		})
	}
}

// kendallTau is Kendall's tau-b of two paired samples (ties in either corrected for).
func kendallTau(x, y []float64) float64 {
	var con, dis, tx, ty float64
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			dx, dy := x[i]-x[j], y[i]-y[j]
			switch {
			case dx == 0 && dy == 0:
			case dx == 0:
				tx++
			case dy == 0:
				ty++
			case dx*dy > 0:
				con++
			default:
				dis++
			}
		}
	}
	d := (con + dis + tx) * (con + dis + ty)
	if d == 0 {
		return 0
	}
	return (con - dis) / math.Sqrt(d)
}

// BenchmarkSupernetDraw measures the search phase's cost per trial outside evaluation: one
// motpe draw of spaces/mt-supernet.yaml's architecture on an in-memory study already holding n
// scored trials (random objective vectors), with the bounded history the search phase gives the
// sampler and with the whole history, plus the in-memory bookkeeping. It reports CPU ms per
// draw (robust to a shared machine's load) besides ns/op.
func BenchmarkSupernetDraw(b *testing.B) {
	spec, err := space.Load(filepath.Join("..", "spaces", "mt-supernet.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	arch := archSpec(spec)
	for _, n := range []int{1000, 5000} {
		for _, bounded := range []bool{true, false} {
			name := fmt.Sprintf("history-%d-bounded-%v", n, bounded)
			b.Run(name, func(b *testing.B) {
				algo, _, err := sampler.Builtin().New(spec.Study.Sampler.Kind, spec.Study.Seed, spec.Study.Sampler.Options)
				if err != nil {
					b.Fatal(err)
				}
				ps := &pointSampler{algo: algo, seed: spec.Study.Seed, scheme: record.SeedSchemeCurrent}
				mem := goptuna.NewInMemoryStorage()
				ss, err := searchSpace(arch)
				if err != nil {
					b.Fatal(err)
				}
				ms, err := goptuna.CreateStudy("draw", goptuna.StudyOptionStorage(mem), goptuna.StudyOptionDirection(goptuna.StudyDirectionMaximize),
					goptuna.StudyOptionSampler(ps), goptuna.StudyOptionRelativeSampler(ps), goptuna.StudyOptionDefineSearchSpace(ss), goptuna.StudyOptionLogger(nil))
				if err != nil {
					b.Fatal(err)
				}
				info, _ := InfoOf(arch).Encode()
				if err := mem.SetStudySystemAttr(ms.ID, record.SysStudyInfo, info); err != nil {
					b.Fatal(err)
				}
				hist := &history{}
				rng := rand.New(rand.NewPCG(1, 2))
				draw := func(ord int, fill bool) {
					id, err := mem.CreateNewTrial(ms.ID)
					if err != nil {
						b.Fatal(err)
					}
					if err := mem.SetTrialSystemAttr(id, record.SysOrdinal, strconv.Itoa(ord)); err != nil {
						b.Fatal(err)
					}
					tr := &goptuna.Trial{Study: ms, ID: id}
					if !fill {
						if err := tr.CallRelativeSampler(); err != nil {
							b.Fatal(err)
						}
					}
					if _, _, err := samplePoint(arch, tr); err != nil && !errors.Is(err, space.ErrStructural) {
						b.Fatal(err)
					}
					vec := []float64{rng.Float64() * 80, 1e5 + rng.Float64()*3e6, rng.Float64() * 20}
					for k, v := range map[string]string{record.KeyFeasible: "true", record.KeyObjectives: record.FormatVector(vec),
						record.KeyConstraints: record.FormatVector([]float64{-1, -1, -1})} {
						if err := mem.SetTrialUserAttr(id, k, v); err != nil {
							b.Fatal(err)
						}
					}
					_ = mem.SetTrialValue(id, vec[0])
					_ = mem.SetTrialState(id, goptuna.TrialStateComplete)
					ft, _ := mem.GetTrial(id)
					hist.add(arch, ft)
				}
				// n trials of history, drawn at random (the fill is not measured).
				ms.RelativeSampler = nil
				for i := 0; i < n; i++ {
					draw(i, true)
				}
				ps.view = ms
				if bounded {
					view, err := goptuna.LoadStudy("draw", goptuna.StudyOptionStorage(historyView{Storage: mem, hist: hist}), goptuna.StudyOptionLogger(nil))
					if err != nil {
						b.Fatal(err)
					}
					ps.view = view
				}
				ms.RelativeSampler = ps
				b.ResetTimer()
				c0 := time.Duration(samplertest.CPUTime())
				for i := 0; i < b.N; i++ {
					draw(n+i, false)
				}
				b.ReportMetric(float64((time.Duration(samplertest.CPUTime())-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/draw")
			})
		}
	}
}
