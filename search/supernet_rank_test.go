package search

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/trainer"
)

// rankDirEnv names the directory BenchmarkSupernetRankingMainJob keeps its cache in (the
// trained SuperTransformers' checkpoints and the from-scratch figures); without it the
// benchmark is skipped.
const rankDirEnv = "ATTNSEARCH_RANK_DIR"

// rankSetsEnv lists the architecture sets the benchmark ranks (comma-separated, default
// "tune"): tune is the set the levers were chosen on, heldout a second draw for checking them.
const rankSetsEnv = "ATTNSEARCH_RANK_SETS"

// rankQuickEnv, when set, shrinks every training to 2 updates: a check that the benchmark runs.
const rankQuickEnv = "ATTNSEARCH_RANK_QUICK"

// rankReseedEnv, when set, also trains every ranked architecture from scratch a second time from
// other initial weights and data order (seeds 2000+i instead of 1000+i) and reports Kendall's
// tau-b between the two from-scratch BLEUs: how far the figure the inherited ranking is scored
// against reproduces itself.
const rankReseedEnv = "ATTNSEARCH_RANK_RESEED"

// scratchSeed and reseededSeed are the first seeds of the from-scratch trainings (architecture i
// of a set takes seed+i).
const scratchSeed, reseededSeed = 1000, 2000

// rankScratchSteps is the from-scratch training of each ranked architecture: two epochs of the
// main job's 16,000 pairs at batch 32, about the updates spaces/mt-supernet.yaml's retrained
// trials make in their minute on two cores.
const rankScratchSteps = 1000

// rankVariant is one way of training the SuperTransformer whose ranking is measured.
type rankVariant struct {
	name     string
	sampling string
	steps    int
	lr       string // the shared weights' peak learning rate ("" = the space's start value)
	warmup   string // warmup_steps ("" = the space's)
	noBox    bool   // train sub-networks of the whole space, not only inside retrain.reference
	distill  bool   // train.distill: the sandwich's smaller sub-networks learn the largest's outputs
	widths   string // train.widths ("" = joint, as before the key, whatever the space says)
	largest  string // train.largest ("" = widest, as before the key, whatever the space says)
	// from names a variant that this one continues (the same training, stopped earlier): its
	// finished checkpoint is this one's start when this one has none yet. The inverse_sqrt
	// schedule does not depend on the horizon, so the continued run is the longer one.
	from string
}

// rankVariants are the SuperTransformer trainings compared, in the order they run: 1,400
// uniform updates, or 500 sandwich updates (three sub-networks each, the largest inside
// retrain.reference's box), are what spaces/mt-supernet.yaml's 3 minutes give on two cores.
var rankVariants = []rankVariant{
	{name: "uniform-1400", sampling: "uniform", steps: 1400},
	{name: "uniform-2800", sampling: "uniform", steps: 2800, from: "uniform-1400"},
	{name: "uniform-4200", sampling: "uniform", steps: 4200, from: "uniform-2800"},
	{name: "sandwich-500", sampling: "sandwich", steps: 500},
	{name: "sandwich-1000", sampling: "sandwich", steps: 1000, from: "sandwich-500"},
	{name: "sandwich-1500", sampling: "sandwich", steps: 1500, from: "sandwich-1000"},
	{name: "sandwich-distill-500", sampling: "sandwich", steps: 500, distill: true},
	{name: "sandwich-distill-1000", sampling: "sandwich", steps: 1000, distill: true, from: "sandwich-distill-500"},
	{name: "sandwich-distill-1500", sampling: "sandwich", steps: 1500, distill: true, from: "sandwich-distill-1000"},
	{name: "sandwich-even-500", sampling: "sandwich", steps: 500, widths: space.WidthsEven},
	{name: "sandwich-even-1000", sampling: "sandwich", steps: 1000, widths: space.WidthsEven, from: "sandwich-even-500"},
	{name: "sandwich-even-500-lr2.5e-3", sampling: "sandwich", steps: 500, widths: space.WidthsEven, lr: "2.5e-3"},
	{name: "sandwich-even-500-warmup50", sampling: "sandwich", steps: 500, widths: space.WidthsEven, warmup: "50"},
	{name: "sandwich-even-500-lr1.25e-3", sampling: "sandwich", steps: 500, widths: space.WidthsEven, lr: "1.25e-3"},
	{name: "sandwich-even-500-lr1e-2", sampling: "sandwich", steps: 500, widths: space.WidthsEven, lr: "1.0e-2"},
	{name: "sandwich-even-rotate-500", sampling: "sandwich", steps: 500, widths: space.WidthsEven, largest: space.LargestRotate},
	{name: "sandwich-even-rotate-1000", sampling: "sandwich", steps: 1000, widths: space.WidthsEven, largest: space.LargestRotate, from: "sandwich-even-rotate-500"},
	{name: "uniform-1400-lr1e-2", sampling: "uniform", steps: 1400, lr: "1.0e-2"},
	{name: "uniform-1400-warmup600", sampling: "uniform", steps: 1400, warmup: "600"},
	{name: "uniform-1400-nobox", sampling: "uniform", steps: 1400, noBox: true},
}

// rankEvalSizes are the validation sentence counts an inherited sub-network is scored on.
var rankEvalSizes = []int{30, 100, 200}

// rankScores are the inherited scores ranked against the from-scratch BLEU: greedy BLEU, and the
// teacher-forced log-likelihood and token accuracy of the references (trainer.SuperNet.EvaluateForced).
var rankScores = []string{"bleu", "loglik", "accuracy"}

// apply returns spec trained as v describes.
func (v rankVariant) apply(spec *space.Spec) *space.Spec {
	s := *spec
	s.Supernet.Sampling, s.Supernet.TrainSteps, s.Supernet.TrainMinutes = v.sampling, v.steps, 0
	s.Supernet.Distill = v.distill
	s.Supernet.Widths, s.Supernet.Largest = cmp.Or(v.widths, space.WidthsJoint), cmp.Or(v.largest, space.LargestWidest)
	s.Supernet.TrainLR = 0 // a variant's learning rate is the space's lr (or its own lr), whatever train.lr says
	if v.noBox {
		s.Supernet.RetrainReference = nil
	}
	s.Params = append([]space.Param(nil), spec.Params...)
	for i, p := range s.Params {
		switch {
		case p.Name == "lr" && v.lr != "":
			s.Params[i] = space.Param{Name: p.Name, Kind: space.KindFixed, Value: v.lr, Line: p.Line, Column: p.Column}
		case p.Name == "warmup_steps" && v.warmup != "":
			s.Params[i] = space.Param{Name: p.Name, Kind: space.KindFixed, Value: v.warmup, Line: p.Line, Column: p.Column}
		}
	}
	return &s
}

// spreadArchs returns n architectures spread over the space of sr (or, with box, over the
// sub-networks inside retrain.reference's box): the smallest corner, the largest within the
// budget (d_model at its largest feasible value, the most parameters), then draws that take the
// feasible d_model values evenly in turn (each once when there are enough), every other elastic
// dimension drawn uniformly from seed, repaired, and drawn again until the point is within the
// budget (and the box).
func spreadArchs(sr *superRun, n int, seed uint64, box bool) ([]space.Config, error) {
	o, b := sr.spec.Objective, sr.spec.Budget
	feasible := func(cfg space.Config) bool {
		cost := objective.Estimate(cfg, sr.arch2(), o.SrcLen, o.TgtLen)
		_, viol := objective.ScoreTrial(0, cost, nil, o, b)
		return len(viol) == 0 && (!box || sr.inBox(cfg))
	}
	smallest, err := sr.corner(false)
	if err != nil {
		return nil, err
	}
	tops := sr.widthTops(feasible) // the d_model values with a feasible sub-network, and the largest of each
	if len(tops) == 0 || !feasible(smallest) {
		return nil, errors.New("the smallest sub-network is not within the budget")
	}
	dm := make([]int, len(tops))
	for i, c := range tops {
		dm[i] = c.DModel
	}
	archs := []space.Config{smallest, tops[len(tops)-1]}
	if n < 2 {
		return archs[:n], nil
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for len(archs) < n {
		k, m := len(archs)-2, n-2 // the draw's d_model: evenly over the values, the corners' left out when enough
		d := dm[k*len(dm)/m]
		if len(dm)-2 >= m {
			d = dm[1+k*(len(dm)-2)/m]
		}
		found := false
		for try := 0; try < 100000 && !found; try++ {
			vals := map[string]int{"d_model": d}
			for _, name := range space.ElasticNames {
				if vs, ok := sr.elastic[name]; ok && name != "d_model" {
					vals[name] = vs[rng.IntN(len(vs))]
				}
			}
			if _, cfg, err := sr.archPoint(vals); err == nil && feasible(cfg) {
				archs, found = append(archs, cfg), true
			}
		}
		if !found {
			return nil, fmt.Errorf("no architecture with d_model %d drawn within the budget", d)
		}
	}
	return archs, nil
}

// archKey names an architecture by its elastic dimensions.
func archKey(c space.Config) string {
	return fmt.Sprintf("d%d-h%d-kv%d-e%d-d%d-ff%d", c.DModel, c.Heads, c.KVHeads, c.EncLayers, c.DecLayers, c.DFF)
}

// scratchFigure is one architecture trained from scratch.
type scratchFigure struct {
	BLEU    float64 `json:"bleu"`
	Steps   int     `json:"steps"`
	Seconds float64 `json:"seconds"`
	Params  int64   `json:"params"`
}

// scratchCache is the from-scratch figures kept in a JSON file (architecture key → figure).
type scratchCache struct {
	path string
	mu   sync.Mutex
	figs map[string]scratchFigure
}

// openScratchCache reads path (an absent file is an empty cache).
func openScratchCache(path string) (*scratchCache, error) {
	c := &scratchCache{path: path, figs: map[string]scratchFigure{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &c.figs); err != nil {
		return nil, fmt.Errorf("scratch cache %s: %w", path, err)
	}
	return c, nil
}

// get returns the figure of key.
func (c *scratchCache) get(key string) (scratchFigure, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.figs[key]
	return f, ok
}

// put records key's figure and rewrites the file (a temporary file renamed over it).
func (c *scratchCache) put(key string, f scratchFigure) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.figs[key] = f
	b, err := json.MarshalIndent(c.figs, "", " ")
	if err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}

// scratchBLEU trains each architecture of archs from new weights for steps updates (one
// thread each, two at a time), or takes its figure from the cache, and returns the validation
// BLEU of all the validation sentences.
// seed is scratchSeed or reseededSeed; the latter's figures are cached under keys ending
// "/seed2000".
func scratchBLEU(ctx context.Context, logf func(string, ...any), sr *superRun, archs []space.Config, steps int, seed int64, cache *scratchCache) ([]float64, error) {
	tr := sr.spec.Training
	tr.MaxSteps, tr.MaxMinutes, tr.EvalSentences = steps, 0, len(sr.ds.Valid)
	arch := sr.arch2()
	out := make([]float64, len(archs))
	errs := make([]error, len(archs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				key := fmt.Sprintf("%s/%d", archKey(archs[i]), steps)
				if seed != scratchSeed {
					key += fmt.Sprintf("/seed%d", seed)
				}
				if f, ok := cache.get(key); ok {
					out[i] = f.BLEU
					continue
				}
				t0 := time.Now()
				res, err := trainer.Train(ctx, archs[i], sr.ds, trainer.Options{Training: tr, MaxL2Norm: sr.spec.Budget.MaxL2Norm,
					Seed: seed + int64(i), Threads: 1, Arch: &arch})
				if err != nil {
					errs[i] = fmt.Errorf("%s from scratch: %w", archKey(archs[i]), err)
					continue
				}
				f := scratchFigure{BLEU: res.ValidBLEU, Steps: res.Steps, Seconds: time.Since(t0).Seconds(), Params: res.Params}
				logf("scratch %s (%d params, seed %d): BLEU %.2f after %d updates, %.0f s", archKey(archs[i]), f.Params, seed+int64(i), f.BLEU, f.Steps, f.Seconds)
				out[i] = f.BLEU
				errs[i] = cache.put(key, f)
			}
		}()
	}
	for i := range archs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// rankSet is one set of ranked architectures: drawn from seed over the whole space or the box.
type rankSet struct {
	name string
	seed uint64
	box  bool
}

// knownRankSets are the architecture sets the benchmark can rank: tune (the whole space, the set
// the levers are chosen on), heldout (the whole space, another draw), box (inside
// retrain.reference's box, where the study retrains; the set session 4's levers were chosen on),
// box-heldout (inside the box, another draw: where those levers are checked), box-heldout2 (a
// third draw inside the box, for the levers session 5 chose on box and box-heldout) and
// box-heldout3 (a fourth, for what session 5 chose on the first three); box-heldout4 and
// box-heldout5 were drawn in session 6, before any of its levers was measured, and ranked only
// once they were chosen; box-heldout6 and box-heldout7 were drawn in session 7, after its
// train.lr was shipped, to score the shipped study once on architectures no choice has seen.
var knownRankSets = []rankSet{{"tune", 1, false}, {"heldout", 2, false}, {"box", 3, true},
	{"box-heldout", 4, true}, {"box-heldout2", 5, true}, {"box-heldout3", 6, true},
	{"box-heldout4", 7, true}, {"box-heldout5", 8, true}, {"box-heldout6", 9, true}, {"box-heldout7", 10, true}}

// rankSets returns the sets of knownRankSets named in ATTNSEARCH_RANK_SETS (comma-separated,
// default tune).
func rankSets() ([]rankSet, error) {
	v := os.Getenv(rankSetsEnv)
	if v == "" {
		v = "tune"
	}
	var sets []rankSet
	for _, s := range strings.Split(v, ",") {
		i := slices.IndexFunc(knownRankSets, func(rs rankSet) bool { return rs.name == s })
		if i < 0 {
			names := make([]string, len(knownRankSets))
			for k, rs := range knownRankSets {
				names[k] = rs.name
			}
			return nil, fmt.Errorf("%s: unknown set %q (%s)", rankSetsEnv, s, strings.Join(names, ", "))
		}
		sets = append(sets, knownRankSets[i])
	}
	return sets, nil
}

// BenchmarkSupernetRankingMainJob measures how well inherited weights rank architectures on the
// main job's task and space (spaces/mt-supernet.yaml): Kendall's tau-b between the validation
// BLEU of 16 architectures spread over the space (both corners; d_model evenly over its values,
// the other dimensions drawn; all within the budget) with the weights they inherit and the
// validation BLEU of the same architectures trained from scratch for rankScratchSteps updates,
// for each SuperTransformer training of rankVariants (a fixed number of updates, so that the
// machine's load does not change the result) and each evaluation set size of rankEvalSizes. It
// also reports tau over the architectures inside retrain.reference's box. The from-scratch
// figures are trained once and cached in $ATTNSEARCH_RANK_DIR/scratch.json, each variant's
// SuperTransformer in $ATTNSEARCH_RANK_DIR/<variant>.ckpt; skipped without that variable. Run
// with -benchtime=1x (an hour and more on two cores the first time).
func BenchmarkSupernetRankingMainJob(b *testing.B) {
	dir := os.Getenv(rankDirEnv)
	if dir == "" {
		b.Skipf("set %s to a directory for the cache to run it", rankDirEnv)
	}
	scratchSteps, quick := rankScratchSteps, os.Getenv(rankQuickEnv) != ""
	if quick {
		scratchSteps = 2
	}
	rsets, err := rankSets()
	if err != nil {
		b.Fatal(err)
	}
	spec, err := space.Load(filepath.Join("..", "spaces", "mt-supernet.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cache, err := openScratchCache(filepath.Join(dir, "scratch.json"))
	if err != nil {
		b.Fatal(err)
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "log.txt"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	var logMu sync.Mutex
	logf := func(format string, args ...any) { // to the benchmark's log and, as it happens, to log.txt
		b.Logf(format, args...)
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(logFile, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, args...)...)
	}
	// The architectures and their from-scratch figures, from the space as declared.
	base := openSuperRun(b, spec, filepath.Join(b.TempDir(), "unused.ckpt"))
	sets := make([][]space.Config, len(rsets))
	scratch := make([][]float64, len(rsets))
	for k, rs := range rsets {
		if sets[k], err = spreadArchs(base, 16, rs.seed, rs.box); err != nil {
			b.Fatal(err)
		}
		if scratch[k], err = scratchBLEU(ctx, logf, base, sets[k], scratchSteps, scratchSeed, cache); err != nil {
			b.Fatal(err)
		}
		if os.Getenv(rankReseedEnv) == "" {
			continue
		}
		again, err := scratchBLEU(ctx, logf, base, sets[k], scratchSteps, reseededSeed, cache)
		if err != nil {
			b.Fatal(err)
		}
		for i, cfg := range sets[k] {
			logf("reseeded %s: %s from scratch %.2f (seed %d), %.2f (seed %d)", rsets[k].name, archKey(cfg), scratch[k][i], scratchSeed+i, again[i], reseededSeed+i)
		}
		tau := kendallTau(again, scratch[k])
		logf("reseeded %s: tau %.3f between the two from-scratch trainings", rsets[k].name, tau)
		b.ReportMetric(tau, "tau-reseeded-"+rsets[k].name)
	}
	for _, v := range rankVariants {
		b.Run(v.name, func(b *testing.B) {
			for range b.N {
				if quick {
					v.steps = 2
				}
				ckpt := filepath.Join(dir, v.name+".ckpt")
				if err := continueFrom(b, spec, dir, rankVariants, v, ckpt); err != nil {
					b.Fatal(err)
				}
				sr := openSuperRun(b, v.apply(spec), ckpt)
				t0 := time.Now()
				if err := sr.train(ctx); err != nil {
					b.Fatal(err)
				}
				logf("%s: SuperTransformer trained (%d updates) in %.0f s (0 when cached)", v.name, sr.sn.Steps(), time.Since(t0).Seconds())
				for k, archs := range sets {
					inBox := make([]bool, len(archs))
					for i, cfg := range archs {
						inBox[i] = base.inBox(cfg)
					}
					for _, n := range rankEvalSizes {
						// Three inherited scores: BLEU of greedy translations, and without decoding
						// the reference tokens' mean log-likelihood and the share predicted.
						scores := map[string][]float64{}
						for _, cfg := range archs {
							r, err := sr.sn.EvaluateForced(ctx, cfg, n)
							if err != nil {
								b.Fatal(err)
							}
							scores["bleu"] = append(scores["bleu"], r.BLEU)
							scores["loglik"] = append(scores["loglik"], -r.Loss)
							scores["accuracy"] = append(scores["accuracy"], r.Accuracy)
						}
						for i, cfg := range archs {
							logf("%s %s eval %d: %s (in box %v): inherited BLEU %.2f, log-likelihood %.3f, accuracy %.3f; from scratch %.2f",
								v.name, rsets[k].name, n, archKey(cfg), inBox[i], scores["bleu"][i], scores["loglik"][i], scores["accuracy"][i], scratch[k][i])
						}
						for _, score := range rankScores {
							inh := scores[score]
							var bi, bs []float64
							for i := range archs {
								if inBox[i] {
									bi, bs = append(bi, inh[i]), append(bs, scratch[k][i])
								}
							}
							lo, hi := minMax(inh)
							tau, tauBox := kendallTau(inh, scratch[k]), kendallTau(bi, bs)
							logf("%s %s eval %d %s: tau %.3f (all %d), %.3f (the %d in the box); inherited %.3f-%.3f",
								v.name, rsets[k].name, n, score, tau, len(archs), tauBox, len(bi), lo, hi)
							b.ReportMetric(tau, fmt.Sprintf("tau-%s-%s-eval%d", score, rsets[k].name, n))
							b.ReportMetric(tauBox, fmt.Sprintf("tau-box-%s-%s-eval%d", score, rsets[k].name, n))
						}
					}
				}
				sr.sn.Close()
			}
		})
	}
}

// continueFrom starts variant v's checkpoint ckpt, when it does not exist yet, from the
// checkpoint of the variant v continues (v.from among vs, its file <dir>/<name>.ckpt; nothing
// without one), trained to its end: that variant's weights, Adam moments and update count,
// marked unfinished.
func continueFrom(tb testing.TB, spec *space.Spec, dir string, vs []rankVariant, v rankVariant, ckpt string) error {
	if v.from == "" {
		return nil
	}
	if _, err := os.Stat(ckpt); err == nil {
		return nil
	}
	i := slices.IndexFunc(vs, func(w rankVariant) bool { return w.name == v.from })
	if i < 0 {
		return fmt.Errorf("%s continues %s, which is not a variant", v.name, v.from)
	}
	src := filepath.Join(dir, vs[i].name+".ckpt")
	sr := openSuperRun(tb, vs[i].apply(spec), src)
	if err := sr.train(context.Background()); err != nil { // loads the finished checkpoint
		return err
	}
	defer sr.sn.Close()
	return sr.sn.Save(ckpt, map[string]string{"seconds": "0"})
}

// openSuperRun prepares spec and opens its supernet run (not trained yet) on a new store in a
// temporary directory, the SuperTransformer checkpointed to the file ckpt.
func openSuperRun(tb testing.TB, spec *space.Spec, ckpt string) *superRun {
	tb.Helper()
	p, err := Prepare(context.Background(), spec, Options{SupernetCheckpoint: ckpt})
	if err != nil {
		tb.Fatal(err)
	}
	st, err := bolt.Open(filepath.Join(tb.TempDir(), "s.db"), bolt.Options{NoSnapshot: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	sr, _, err := p.newSuperRun(st)
	if err != nil {
		tb.Fatal(err)
	}
	return sr
}

// minMax returns the smallest and largest of xs (0, 0 when empty).
func minMax(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[0], s[len(s)-1]
}

// rankKeyList is the architectures' keys, for a test's messages.
func rankKeyList(archs []space.Config) string {
	keys := make([]string, len(archs))
	for i, c := range archs {
		keys[i] = archKey(c) + "@" + strconv.Itoa(i)
	}
	return strings.Join(keys, " ")
}
