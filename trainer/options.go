package trainer

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/attnsearch/attnsearch/space"
)

// ErrDiverged reports a NaN or Inf loss or gradient; the trial fails, nothing panics.
var ErrDiverged = errors.New("training diverged")

// Options are the settings of one Train call besides the configuration and the data.
type Options struct {
	Training  space.Training                           // the space file's training settings
	MaxL2Norm float64                                  // R_max: project θ onto the ‖θ‖₂ ≤ R_max ball after every step (0 = off)
	Seed      int64                                    // root of weight init, batch order and dropout
	Threads   int                                      // data-parallel shards per step (0 = one shard); GOMAXPROCS, process-wide, is the program's to set
	OnEpoch   func(ctx context.Context, e Epoch) error // after each epoch's validation; non-nil stops training
	Progress  io.Writer                                // per-epoch lines (nil = silent)
	EvalTest  bool                                     // decode the test set at the end
	// Arch is the architecture to build (nil = ArchFor(ds, Training)); search passes the study's
	// StudyArch so that the model has exactly the parameters the cost model counted.
	Arch *space.Arch
	// Clock, when set, measures the time training.max_minutes caps, from a reading at the start
	// of Train (nil = wall-clock time). The calibration passes process CPU time, so that every
	// model gets the same compute on a shared machine; reported seconds stay wall-clock.
	Clock func() time.Duration
	// Init, when set, replaces the initial weights it names (row-major, in the model's shapes):
	// a sub-network retrained from the weights it inherited from a SuperTransformer (SubWeights).
	Init map[string][]float32
}

// Epoch holds the figures of one finished epoch.
type Epoch struct {
	Epoch, Step   int     // 1-based epoch, optimizer steps so far
	TrainLoss     float64 // mean training loss of the epoch (label-smoothed)
	ValidLoss     float64 // teacher-forced validation cross-entropy per token (no smoothing)
	ValidBLEU     float64 // greedy-decode BLEU on EvalSentences validation sentences (0-100)
	ValidAccuracy float64 // teacher-forced validation token accuracy (0-1)
	Seconds       float64 // wall time since training began
}

// Result holds the final metrics of one training run.
type Result struct {
	Epochs, Steps                     int      // epochs and optimizer steps done
	ValidBLEU, ValidAccuracy          float64  // last epoch's validation figures
	ValidExact                        float64  // exact-match rate of the validation decode
	TestBLEU, TestAccuracy, TestExact float64  // test figures (EvalTest only)
	LatencyMS                         float64  // median ms per sentence, batch 1, greedy
	L2Norm                            float64  // final ‖θ‖₂
	TrainSeconds                      float64  // training wall time (without the final test decode)
	Params                            int64    // parameter count (= objective.Estimate's Params)
	PeakMemBytes                      uint64   // maximum sampled Go heap in use (runtime.MemStats.HeapInuse)
	History                           []Epoch  // one entry per epoch
	TestTranslations                  []string // detokenised test translations (EvalTest only)
}
