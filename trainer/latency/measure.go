package latency

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
	"github.com/c-bata/goptuna/sobol"
)

// Column names of the measurement file besides the features.
const (
	ColIndex   = "index"           // the point's index in the Sobol sequence (0-based)
	ColThreads = "threads"         // GOMAXPROCS while measuring
	ColReps    = "reps"            // repetitions
	ColMean    = "latency_ms_mean" // mean over the repetitions of the median ms per sentence
	ColStd     = "latency_ms_std"  // their sample standard deviation
)

// Features returns the feature columns of a measurement file (objective.FeatureNames): the
// default inputs of a latency fit.
func Features() []string { return objective.FeatureNames() }

// Columns returns the header of a measurement file.
func Columns() []string {
	return slices.Concat([]string{ColIndex}, Features(), []string{ColThreads, ColReps, ColMean, ColStd})
}

// archNames are the parameters the design varies.
var archNames = []string{"d_model", "heads", "kv_heads", "enc_layers", "dec_layers", "d_ff"}

// maxScan bounds the Sobol points tried per wanted sample (points outside the budget are skipped).
const maxScan = 200

// Options are the settings of Run.
type Options struct {
	Samples  int       // points wanted in the file (within the budget)
	Threads  int       // GOMAXPROCS while measuring (0 = leave it)
	Reps     int       // repetitions per point (< 1 = 3)
	Progress io.Writer // progress line (nil = silent)
}

// Summary says what Run did.
type Summary struct {
	Done, Measured, Skipped int // rows already in the file, rows measured now, Sobol points outside the budget or repeated
}

// Point is one point of the design.
type Point struct {
	Index  int          // Sobol index
	Config space.Config // the point, repaired as trials repair it
	Cost   objective.Cost
}

// Design returns the first n points of spec's design that lie within its analytic budget (with
// architecture a), skipping repeated configurations; it returns fewer when maxScan·n Sobol
// points give no more.
func Design(spec *space.Spec, a space.Arch, n int) ([]Point, int, error) {
	var dims []space.Param
	for _, name := range archNames {
		if p, ok := spec.Param(name); ok && p.Kind != space.KindFixed {
			dims = append(dims, p)
		}
	}
	if len(dims) == 0 {
		return nil, 0, errors.New("measure: the space searches no architecture parameter (d_model, heads, kv_heads, enc_layers, dec_layers, d_ff)")
	}
	eng := sobol.NewEngine(uint32(len(dims)))
	seen := map[space.Config]bool{}
	var out []Point
	skipped := 0
	for i := 0; len(out) < n && i < maxScan*max(n, 1); i++ {
		u := eng.Draw()
		pt := space.Point{}
		for j, p := range dims {
			pt[p.Name] = value(p, u[j])
		}
		cfg, err := spec.Resolve(pt)
		if errors.Is(err, space.ErrStructural) {
			skipped++
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("measure: point %d: %w", i, err)
		}
		c := objective.Estimate(cfg, a, spec.Objective.SrcLen, spec.Objective.TgtLen)
		if len(objective.Check(c, spec.Budget)) > 0 || seen[cfg] {
			skipped++
			continue
		}
		seen[cfg] = true
		out = append(out, Point{Index: i, Config: cfg, Cost: c})
	}
	return out, skipped, nil
}

// value maps u in [0, 1) to a value of p's domain: the choices and the int grid uniformly by
// index (on a log scale for log ranges), floats continuously.
func value(p space.Param, u float64) any {
	switch p.Kind {
	case space.KindCategorical:
		return p.Choices[min(int(u*float64(len(p.Choices))), len(p.Choices)-1)]
	case space.KindInt:
		if p.Log {
			v := math.Floor(math.Exp(math.Log(p.Low) + u*(math.Log(p.High+1)-math.Log(p.Low))))
			return int64(min(max(v, p.Low), p.High))
		}
		step := max(p.Step, 1)
		n := math.Floor((p.High-p.Low)/step) + 1
		return int64(p.Low + step*min(math.Floor(u*n), n-1))
	default:
		if p.Log {
			return math.Exp(math.Log(p.Low) + u*(math.Log(p.High)-math.Log(p.Low)))
		}
		return p.Low + u*(p.High-p.Low)
	}
}

// Run measures the design's first opts.Samples points of spec on ds into the CSV file at path,
// appending to it and skipping the indices it already holds.
func Run(ctx context.Context, spec *space.Spec, ds *data.Dataset, path string, opts Options) (Summary, error) {
	var sum Summary
	if opts.Samples < 1 {
		return sum, fmt.Errorf("measure: samples %d: want at least 1", opts.Samples)
	}
	reps := opts.Reps
	if reps < 1 {
		reps = 3
	}
	a := trainer.StudyArch(spec, ds)
	done, err := readDone(path, opts.Threads)
	if err != nil {
		return sum, err
	}
	pts, skipped, err := Design(spec, a, opts.Samples)
	if err != nil {
		return sum, err
	}
	sum.Skipped = skipped
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return sum, fmt.Errorf("measure: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	cw := csv.NewWriter(w)
	if done == nil {
		if err := cw.Write(Columns()); err != nil {
			return sum, fmt.Errorf("measure: %s: %w", path, err)
		}
	}
	start := time.Now()
	todo := 0
	for _, p := range pts {
		if !done[p.Index] {
			todo++
		}
	}
	sum.Done = len(pts) - todo
	for _, p := range pts {
		if done[p.Index] {
			continue
		}
		ms, err := trainer.MeasureLatency(ctx, p.Config, a, ds, trainer.LatencyOptions{
			Sentences: spec.Training.LatencySentences, Reps: reps, Seed: spec.Study.Seed + int64(p.Index), Threads: opts.Threads})
		if err != nil {
			return sum, fmt.Errorf("measure: point %d (%s): %w", p.Index, p.Config.SetString(), err)
		}
		mean, std := meanStd(ms)
		if err := cw.Write(row(p, opts.Threads, reps, mean, std)); err != nil {
			return sum, fmt.Errorf("measure: %s: %w", path, err)
		}
		cw.Flush()
		if err := errors.Join(cw.Error(), w.Flush()); err != nil {
			return sum, fmt.Errorf("measure: %s: %w", path, err)
		}
		sum.Measured++
		progress(opts.Progress, sum.Measured, todo, start)
	}
	if opts.Progress != nil && todo > 0 {
		fmt.Fprintln(opts.Progress)
	}
	if len(pts) < opts.Samples {
		return sum, fmt.Errorf("measure: the space has only %d distinct points within the budget among the first %d of its design (wanted %d)",
			len(pts), maxScan*opts.Samples, opts.Samples)
	}
	return sum, nil
}

// row renders one point's CSV row in Columns order.
func row(p Point, threads, reps int, mean, std float64) []string {
	feats, _ := objective.FeatureVector(Features(), p.Config, p.Cost)
	out := []string{strconv.Itoa(p.Index)}
	for _, v := range feats {
		out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
	}
	return append(out, strconv.Itoa(threads), strconv.Itoa(reps),
		strconv.FormatFloat(mean, 'g', 6, 64), strconv.FormatFloat(std, 'g', 6, 64))
}

// meanStd returns the mean and sample standard deviation of xs (0 for one value).
func meanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

// readDone returns the indices already measured in the file at path (nil when it does not exist
// or is empty): a measurement file (readPass) whose rows were measured at threads.
func readDone(path string, threads int) (map[int]bool, error) {
	if st, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) || err == nil && st.Size() == 0 {
		return nil, nil
	}
	rows, order, th, err := readPass(path)
	if err != nil {
		return nil, fmt.Errorf("measure: %w; write to a new file", err)
	}
	if len(order) > 0 && th != strconv.Itoa(threads) {
		return nil, fmt.Errorf("measure: %s:%d: measured at threads %s, now %d; write to a new file", path, rows[order[0]].line, th, threads)
	}
	done := make(map[int]bool, len(rows))
	for idx := range rows {
		done[idx] = true
	}
	return done, nil
}

// progress rewrites one line: a bar, the count and the time left.
func progress(w io.Writer, done, total int, start time.Time) {
	if w == nil || total == 0 {
		return
	}
	const width = 30
	k := done * width / total
	left := time.Duration(float64(time.Since(start)) / float64(done) * float64(total-done)).Round(time.Second)
	fmt.Fprintf(w, "\r[%s%s] %d/%d, %s left ", strings.Repeat("#", k), strings.Repeat(".", width-k), done, total, left)
}
