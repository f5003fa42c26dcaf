package search

import (
	"context"
	"fmt"
	"math"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// Trainer evaluates one feasible point: it trains (or runs) it, reports per-step figures through
// Job.Report so that the pruner can stop it, and returns the final figures. The gorgonia trainer
// is the default; a GPU trainer or an external command implements the same interface.
type Trainer interface {
	Train(ctx context.Context, job Job) (Metrics, error)
}

// Job is one point to evaluate.
type Job struct {
	Trial   int          // trial number
	Seed    int64        // trainer seed, derived from the study seed and the point's ordinal
	Point   space.Point  // the sampled point by name, one entry per declared parameter
	Config  space.Config // typed view of Point for the built-in tasks (structural repair applied)
	Arch    space.Arch   // the study's architecture facts (vocabularies, positions)
	Threads int          // threads this trial may use (0 = leave the process's setting)
	Worker  int          // index of the worker of this process that runs it, 0 to workers−1
	// Report hands the figures of one finished step (epoch) to the search, which stores them and
	// asks the pruner; it returns goptuna.ErrTrialPruned when the trial must stop (return it, or
	// an error wrapping it). Built-in names: record.KeyBLEU, record.KeyAccuracy,
	// record.StepTrainLoss, record.StepValidLoss, record.StepSeconds.
	Report func(ctx context.Context, step int, values map[string]float64) error
}

// Metrics are the final figures of one evaluated point.
type Metrics struct {
	Values map[string]float64 // figures by record key (record.KeyBLEU, KeyAccuracy, KeyLatency, KeyL2Norm, …), stored as user attributes
	Attrs  map[string]string  // further text attributes to store (optional)
}

// gorgoniaTrainer is the default Trainer: package trainer on an in-memory data set.
type gorgoniaTrainer struct {
	spec *space.Spec
	ds   *data.Dataset
	init map[string][]float32 // initial weights by name (nil = the trainer's initialisation)
}

var _ Trainer = (*gorgoniaTrainer)(nil)

// Train trains job.Config on the data set and measures it.
func (g *gorgoniaTrainer) Train(ctx context.Context, job Job) (Metrics, error) {
	arch := job.Arch
	onEpoch := func(ctx context.Context, e trainer.Epoch) error {
		return job.Report(ctx, e.Epoch, map[string]float64{
			record.KeyBLEU: e.ValidBLEU, record.KeyAccuracy: e.ValidAccuracy,
			record.StepTrainLoss: e.TrainLoss, record.StepValidLoss: e.ValidLoss, record.StepSeconds: e.Seconds,
		})
	}
	res, err := trainer.Train(ctx, job.Config, g.ds, trainer.Options{
		Training: g.spec.Training, MaxL2Norm: g.spec.Budget.MaxL2Norm, Seed: job.Seed, Threads: job.Threads,
		OnEpoch: onEpoch, EvalTest: true, Arch: &arch, Init: g.init,
	})
	if err != nil {
		return Metrics{}, err
	}
	return Metrics{Values: map[string]float64{
		record.KeyBLEU: res.ValidBLEU, record.KeyTestBLEU: res.TestBLEU,
		record.KeyAccuracy: res.ValidAccuracy, record.KeyTestAccuracy: res.TestAccuracy,
		record.KeyExact: res.ValidExact, record.KeyLatency: res.LatencyMS,
		record.KeyL2Norm: res.L2Norm, record.KeyTrainSeconds: res.TrainSeconds,
		record.KeyEpochs: float64(res.Epochs), record.KeySteps: float64(res.Steps),
		record.KeyPeakMem: float64(res.PeakMemBytes),
	}}, nil
}

// figure returns values[key], or NaN when absent.
func figure(values map[string]float64, key string) float64 {
	if v, ok := values[key]; ok {
		return v
	}
	return math.NaN()
}

// epochOf turns one report into a history entry: the built-in names fill the fields, the others go to Values.
func epochOf(step int, values map[string]float64, score float64) record.Epoch {
	e := record.Epoch{Epoch: step, Score: score}
	for k, v := range values {
		switch k {
		case record.KeyBLEU:
			e.ValidBLEU = v
		case record.KeyAccuracy:
			e.ValidAccuracy = v
		case record.StepTrainLoss:
			e.TrainLoss = v
		case record.StepValidLoss:
			e.ValidLoss = v
		case record.StepSeconds:
			e.Seconds = v
		default:
			if e.Values == nil {
				e.Values = map[string]float64{}
			}
			e.Values[k] = v
		}
	}
	return e
}

// loadData returns opts.Dataset or loads the space file's task.
func loadData(ctx context.Context, spec *space.Spec, ds *data.Dataset) (*data.Dataset, error) {
	if ds != nil {
		return ds, nil
	}
	ds, err := data.Load(ctx, spec.Task, spec.Task.MaxLen)
	if err != nil {
		return nil, fmt.Errorf("search: load data: %w", err)
	}
	return ds, nil
}
