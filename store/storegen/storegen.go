package storegen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

// Options describes a generated study.
type Options struct {
	Name   string // study name ("gen" when empty)
	Trials int    // number of trials
	Goals  int    // minimised goals: 2 (val_error, cost) or 3 (and latency_ms)
	Seed   uint64 // every draw descends from it
	Epochs int    // epochs (intermediate values) per trained trial (5 when 0)
}

// goalNames are the goals in objective order.
var goalNames = []string{"val_error", "cost", "latency_ms"}

// acts are the choices of the categorical parameter.
var acts = []string{"relu", "gelu", "tanh"}

// epoch is one entry of a trial's history, as a command's trial stores it.
type epoch struct {
	Epoch         int                `json:"epoch"`
	TrainLoss     float64            `json:"train_loss"`
	ValidLoss     float64            `json:"valid_loss"`
	ValidBLEU     float64            `json:"valid_bleu"`
	ValidAccuracy float64            `json:"valid_accuracy"`
	Score         float64            `json:"score"`
	Seconds       float64            `json:"seconds"`
	Values        map[string]float64 `json:"values"`
}

// normalised fills in the defaults of o and checks it.
func (o Options) normalised() (Options, error) {
	if o.Name == "" {
		o.Name = "gen"
	}
	if o.Epochs == 0 {
		o.Epochs = 5
	}
	if o.Goals != 2 && o.Goals != 3 {
		return o, fmt.Errorf("storegen: %d goals: want 2 or 3", o.Goals)
	}
	if o.Trials < 0 || o.Epochs < 1 {
		return o, fmt.Errorf("storegen: %d trials, %d epochs: want trials >= 0, epochs >= 1", o.Trials, o.Epochs)
	}
	return o, nil
}

// Info returns the study settings the generated study stores (record.SysStudyInfo).
func (o Options) Info() record.StudyInfo {
	return record.StudyInfo{Version: record.StudyInfoVersion, SpaceFile: "gen.yaml", Trials: o.Trials, Seed: int64(o.Seed),
		Sampler: "random", Pruner: "median", Task: "command", Searched: []string{"x", "y", "layers", "width", "act"},
		Objective: record.Objective{Minimize: goalNames[:o.Goals], Constraints: []string{"cost_limit"}}}
}

// FrontKeys are the figure keys the generated study's front is over (its goals' reported names)
// and their directions (objective.FrontKeys of Info's objective).
func (o Options) FrontKeys() (keys, dirs []string) {
	for _, g := range goalNames[:o.Goals] {
		keys, dirs = append(keys, g), append(dirs, "minimize")
	}
	return keys, dirs
}

// Write writes the study o describes to w in the export format.
func Write(w io.Writer, o Options) error {
	o, err := o.normalised()
	if err != nil {
		return err
	}
	info, err := o.Info().Encode()
	if err != nil {
		return fmt.Errorf("storegen: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	err = enc.Encode(store.ExportStudy{Kind: "study", Format: store.FormatName, Schema: store.ExportVersion, Name: o.Name,
		Direction: goptuna.StudyDirectionMaximize, Created: t0, UserAttrs: map[string]string{},
		SystemAttrs: map[string]string{record.SysStudyInfo: info}, Trials: o.Trials})
	if err != nil {
		return fmt.Errorf("storegen: %w", err)
	}
	ordinal := 0
	for n := 0; n < o.Trials; n++ {
		t := o.trial(n, &ordinal, t0)
		if err := enc.Encode(t); err != nil {
			return fmt.Errorf("storegen: trial %d: %w", n, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("storegen: %w", err)
	}
	return nil
}

// dist is a distribution's JSON as goptuna writes it.
func dist(js string) json.RawMessage { return json.RawMessage(js) }

// trial draws trial n (every draw from the seed and n); ordinal counts the fresh points.
func (o Options) trial(n int, ordinal *int, t0 time.Time) store.ExportTrial {
	rng := rand.New(rand.NewPCG(o.Seed, uint64(n)))
	kind := rng.IntN(100)
	x, y := -5+15*rng.Float64(), 15*rng.Float64()
	layers, width, act := 1+rng.IntN(6), 16+rng.IntN(241), rng.IntN(3)
	valErr := 0.02 + math.Abs(x-2)/10 + y/60 + 0.3/float64(layers) + 0.05*rng.Float64()
	cost := float64(layers*width) / 10 * (1 + 0.2*rng.Float64())
	lat := 0.5 + float64(layers)*float64(width)/400*(1+0.3*rng.Float64())
	goals := []float64{valErr, cost, lat}[:o.Goals]
	limit := cost - 120
	start := t0.Add(time.Duration(n) * 1500 * time.Millisecond)
	end := start.Add(time.Duration(800+rng.IntN(900)) * time.Millisecond)
	seed := strconv.FormatUint(rng.Uint64()>>1, 10)
	point, _ := json.Marshal(struct {
		X      float64 `json:"x"`
		Y      float64 `json:"y"`
		Layers int     `json:"layers"`
		Width  int     `json:"width"`
		Act    string  `json:"act"`
	}{x, y, layers, width, acts[act]})
	t := store.ExportTrial{Kind: "trial", Number: n, TrialID: n + 1, State: goptuna.TrialStateComplete.String(), Value: store.Float(-valErr),
		DatetimeStart: &start, DatetimeComplete: &end, Heartbeat: &start,
		Params: map[string]store.ExportParam{
			"x":      {Internal: store.Float(x), External: x, Distribution: dist(`{"name":"UniformDistribution","attributes":{"high":10,"low":-5}}`)},
			"y":      {Internal: store.Float(y), External: y, Distribution: dist(`{"name":"UniformDistribution","attributes":{"high":15,"low":0}}`)},
			"layers": {Internal: store.Float(layers), External: layers, Distribution: dist(`{"name":"IntUniformDistribution","attributes":{"high":6,"low":1}}`)},
			"width":  {Internal: store.Float(width), External: width, Distribution: dist(`{"name":"IntUniformDistribution","attributes":{"high":256,"low":16}}`)},
			"act":    {Internal: store.Float(act), External: acts[act], Distribution: dist(`{"name":"CategoricalDistribution","attributes":{"choices":["relu","gelu","tanh"]}}`)},
		},
		UserAttrs: map[string]string{
			record.KeyPoint: string(point), record.KeySeed: seed, "cost": record.FormatFloat(cost), "cost_limit": record.FormatFloat(limit),
			record.KeyConstraints: record.FormatVector([]float64{limit}), record.KeyFeasible: strconv.FormatBool(limit <= 0),
		},
		SystemAttrs: map[string]string{record.SysSeed: seed, record.SysOrdinal: strconv.Itoa(*ordinal)},
	}
	if o.Goals > 2 {
		t.UserAttrs["latency_ms"] = record.FormatFloat(lat)
	}
	if limit > 0 {
		t.UserAttrs[record.KeyInfeasible] = "cost_limit: " + record.FormatFloat(limit) + " > 0"
	}
	epochs := o.Epochs
	if n > 0 && o.kind(n-1) < staleKinds { // a retry of the trial before, whose worker died
		t.SystemAttrs[record.SysRetryOf] = strconv.Itoa(n - 1)
		delete(t.SystemAttrs, record.SysOrdinal)
		*ordinal--
	}
	switch {
	case kind < staleKinds && n+1 < o.Trials: // its worker died; the store failed it, the next trial retries it
		t.State, t.Value = goptuna.TrialStateFail.String(), store.Float(math.NaN())
		t.UserAttrs = map[string]string{record.KeyPoint: string(point), record.KeySeed: seed}
		t.SystemAttrs[record.SysFailReason], t.SystemAttrs[record.SysRetry] = record.ReasonStale, "1"
		epochs = 0
	case kind < 4: // failed by the command
		t.State, t.Value = goptuna.TrialStateFail.String(), store.Float(math.NaN())
		t.UserAttrs = map[string]string{record.KeyError: "exit status 1", record.KeyStderr: "Traceback (most recent call last):\nValueError: diverged"}
		epochs = 0
	case kind < 20: // pruned after an early epoch
		epochs = 1 + rng.IntN(o.Epochs)
		t.State = goptuna.TrialStatePruned.String()
		t.UserAttrs[record.KeyPrunedEpoch] = strconv.Itoa(epochs)
	}
	*ordinal++
	var hist []epoch
	var log []string
	for e := 1; e <= epochs; e++ {
		v := valErr * (1 + 2/float64(e*e))
		if e < epochs || t.State != goptuna.TrialStateComplete.String() {
			v *= 1 + 0.05*rng.Float64()
		} else {
			v = valErr
		}
		t.IntermediateValues = append(t.IntermediateValues, [2]store.Float{store.Float(e), store.Float(-v)})
		hist = append(hist, epoch{Epoch: e, Score: -v, Values: map[string]float64{"val_error": v}})
		log = append(log, fmt.Sprintf("epoch %d: val_error %.4f", e, v))
		goals[0] = v
	}
	if epochs > 0 {
		h, _ := json.Marshal(hist)
		t.UserAttrs[record.KeyHistory] = string(h)
		t.UserAttrs[record.KeyLog] = strings.Join(log, "\n")
		t.UserAttrs["val_error"] = record.FormatFloat(goals[0])
		t.UserAttrs[record.KeyObjectives] = record.FormatVector(goals)
		t.UserAttrs[record.KeyScore] = record.FormatFloat(-goals[0])
		t.Value = store.Float(-goals[0])
	}
	return t
}

// staleKinds of every 100 trials die with their worker (and are retried by the next trial).
const staleKinds = 2

// kind is trial n's first draw, which decides its fate (stale, failed, pruned, complete).
func (o Options) kind(n int) int { return rand.New(rand.NewPCG(o.Seed, uint64(n))).IntN(100) }

// Fill writes the study o describes into imp (streamed, never whole in memory here) and returns its ID.
func Fill(imp store.Importer, o Options) (int, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(Write(pw, o)) }()
	id, err := imp.Import(pr, "")
	pr.CloseWithError(io.ErrClosedPipe) // ends the writer if the import stopped early
	if err != nil {
		return -1, fmt.Errorf("storegen: fill %s: %w", o.Name, err)
	}
	return id, nil
}
