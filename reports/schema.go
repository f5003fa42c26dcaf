package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// User attribute keys of a trial: every metric and cost figure, as decimal strings.
const (
	KeyParams        = "params"                   // ‖θ‖₀: total parameter count (cost model, equal to the trained model's)
	KeyParamsCore    = "params_core"              // encoder and decoder stacks with their final norms
	KeyParamsEmbed   = "params_embed"             // embeddings, learned positions, output projection
	KeyFlops         = "flops_per_token"          // forward multiply-adds per target token
	KeyKVBytes       = "kv_cache_bytes_per_token" // decoder KV-cache bytes per generated token
	KeyBLEU          = "bleu"                     // validation BLEU (0-100) at the end of training
	KeyTestBLEU      = "test_bleu"                // test BLEU (0-100) after the final decode
	KeyAccuracy      = "token_accuracy"           // validation token accuracy (teacher-forced, 0-1)
	KeyTestAccuracy  = "test_accuracy"            // test token accuracy (0-1)
	KeyExact         = "exact_match"              // validation exact-match rate (0-1)
	KeyLatency       = "latency_ms"               // median ms to translate one sentence, batch 1, greedy, one thread
	KeyL2Norm        = "l2_norm"                  // ‖θ‖₂ of the final weights
	KeyTrainSeconds  = "train_seconds"            // wall time of training
	KeyEpochs        = "epochs"                   // epochs trained
	KeySteps         = "steps"                    // optimizer steps taken
	KeyPeakMem       = "peak_mem_bytes"           // peak heap bytes during training
	KeyScore         = "score"                    // objective.Score of the final (or last intermediate) P
	KeyFeasible      = "feasible"                 // "true" or "false": verdict of the analytic check
	KeyInfeasible    = "infeasible"               // violated constraints, one per line
	KeyError         = "error"                    // a failed trial's error
	KeyPrunedEpoch   = "pruned_epoch"             // epoch after which the pruner stopped the trial
	KeyConfig        = "config"                   // the effective config as --set text (space.Config.SetString)
	KeyHistory       = "history"                  // JSON array of Epoch: the per-epoch curve
	KeySeed          = "seed"                     // the trainer seed (copy of SysSeed, for users)
	KeyWorkerThreads = "threads"                  // threads the trainer used
)

// System attribute keys of trials and studies: bookkeeping of the search.
const (
	SysSeed      = "attnsearch:seed"       // trial: trainer seed, derived from (study seed, ordinal); copied to a retry
	SysOrdinal   = "attnsearch:ordinal"    // trial: index of the sampled point among fresh points (retries excluded)
	SysRetry     = "attnsearch:retry"      // trial: "1" on a FAIL that is retried (interrupted, stale)
	SysRetryOf   = "attnsearch:retry_of"   // trial: number of the trial whose point this trial retries
	SysStudyInfo = "attnsearch:study_info" // study: JSON of StudyInfo
)

// Metric keys of quality (P) and cost (E), indexed by the space file's objective names.
var (
	metricKeys = map[string]string{"bleu": KeyBLEU, "accuracy": KeyAccuracy}
	costKeys   = map[string]string{"params": KeyParams, "flops": KeyFlops, "kv_bytes": KeyKVBytes, "latency": KeyLatency}
)

// MetricKey returns the trial attribute key holding objective metric m (bleu | accuracy).
func MetricKey(m string) (string, error) {
	if k, ok := metricKeys[m]; ok {
		return k, nil
	}
	return "", fmt.Errorf("reports: unknown objective metric %q", m)
}

// CostKey returns the trial attribute key holding objective cost c (params | flops | kv_bytes | latency).
func CostKey(c string) (string, error) {
	if k, ok := costKeys[c]; ok {
		return k, nil
	}
	return "", fmt.Errorf("reports: unknown objective cost %q", c)
}

// StudyInfo is what a study stores about itself so that reports need nothing but the store.
type StudyInfo struct {
	SpaceFile string          `json:"space_file"` // the space file the study was started from
	Trials    int             `json:"trials"`     // number of finished trials wanted
	Seed      int64           `json:"seed"`       // study seed
	Sampler   string          `json:"sampler"`    // sampler kind
	Pruner    string          `json:"pruner"`     // pruner kind
	Objective space.Objective `json:"objective"`  // quality metric, cost and trade-off
	Budget    space.Budget    `json:"budget"`     // hard constraints
	Searched  []string        `json:"searched"`   // names of the searched (not fixed) parameters, in file order
}

// Epoch is one point of a trial's per-epoch curve (KeyHistory).
type Epoch struct {
	Epoch         int     `json:"epoch"`          // 1-based epoch
	TrainLoss     float64 `json:"train_loss"`     // mean training loss
	ValidLoss     float64 `json:"valid_loss"`     // validation loss
	ValidBLEU     float64 `json:"valid_bleu"`     // validation BLEU (0-100)
	ValidAccuracy float64 `json:"valid_accuracy"` // validation token accuracy (0-1)
	Score         float64 `json:"score"`          // objective score of this epoch's P (the intermediate value)
	Seconds       float64 `json:"seconds"`        // wall time since training started
}

// FormatFloat renders a figure for storage: shortest decimal that round-trips.
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Display renders a figure for people: integers in full, others with up to 6 significant digits.
func Display(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// Trial is one stored trial decoded for reporting.
type Trial struct {
	ID           int                    // storage ID
	Number       int                    // trial number within the study
	State        goptuna.TrialState     // goptuna state
	Value        float64                // final score (COMPLETE, PRUNED with an intermediate value)
	HasValue     bool                   // Value is meaningful
	Params       map[string]interface{} // sampled parameters, external representation
	Config       string                 // effective config as --set text ("" when not sampled yet)
	Metrics      map[string]float64     // every numeric user attribute
	Feasible     bool                   // passed the analytic check (false also when never checked)
	Infeasible   []string               // violated constraints
	Error        string                 // failure error
	PrunedEpoch  int                    // epoch at which the pruner stopped it (0 = not pruned)
	History      []Epoch                // per-epoch curve
	Retry        bool                   // an interrupted or stale FAIL whose point was tried again
	RetryOf      int                    // number of the trial this one retries (-1 = none)
	Seed         int64                  // trainer seed
	Start, End   time.Time              // start and completion time
	Pareto       bool                   // on the Pareto front of its study
	Intermediate map[int]float64        // intermediate values by step (epoch)
}

// StateName names a goptuna trial state as the JSON report does.
func StateName(s goptuna.TrialState) string {
	switch s {
	case goptuna.TrialStateRunning:
		return "RUNNING"
	case goptuna.TrialStateComplete:
		return "COMPLETE"
	case goptuna.TrialStatePruned:
		return "PRUNED"
	case goptuna.TrialStateFail:
		return "FAIL"
	case goptuna.TrialStateWaiting:
		return "WAITING"
	}
	return fmt.Sprintf("STATE(%d)", int(s))
}

// textKeys are user attributes that are not numbers.
var textKeys = map[string]bool{KeyFeasible: true, KeyInfeasible: true, KeyError: true, KeyConfig: true, KeyHistory: true}

// Decode turns a stored trial into a Trial; a malformed attribute is an error naming the key.
func Decode(ft goptuna.FrozenTrial) (Trial, error) {
	t := Trial{
		ID: ft.ID, Number: ft.Number, State: ft.State, Value: ft.Value,
		Params: ft.Params, Metrics: map[string]float64{}, RetryOf: -1,
		Start: ft.DatetimeStart, End: ft.DatetimeComplete, Intermediate: ft.IntermediateValues,
	}
	t.HasValue = ft.State == goptuna.TrialStateComplete ||
		(ft.State == goptuna.TrialStatePruned && len(ft.IntermediateValues) > 0)
	for k, v := range ft.UserAttrs {
		if textKeys[k] {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return t, fmt.Errorf("reports: trial %d: user attribute %q: %w", ft.Number, k, err)
		}
		t.Metrics[k] = f
	}
	t.Config = ft.UserAttrs[KeyConfig]
	if t.Config != "" {
		// The effective point (after the space's structural repair), not the raw suggestions.
		eff, err := parseConfig(t.Config)
		if err != nil {
			return t, fmt.Errorf("reports: trial %d: user attribute %q: %w", ft.Number, KeyConfig, err)
		}
		t.Params = eff
	}
	t.Feasible = ft.UserAttrs[KeyFeasible] == "true"
	if s := ft.UserAttrs[KeyInfeasible]; s != "" {
		t.Infeasible = strings.Split(s, "\n")
	}
	t.Error = ft.UserAttrs[KeyError]
	if t.Error == "" && ft.State == goptuna.TrialStateFail {
		// The store's stale-trial recovery records its reason as a system attribute.
		t.Error = ft.SystemAttrs[SysFailReason]
	}
	if v, ok := t.Metrics[KeyPrunedEpoch]; ok {
		t.PrunedEpoch = int(v)
		delete(t.Metrics, KeyPrunedEpoch)
	}
	if v, ok := t.Metrics[KeySeed]; ok {
		t.Seed = int64(v)
		delete(t.Metrics, KeySeed)
	}
	if s, ok := ft.SystemAttrs[SysSeed]; ok {
		seed, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return t, fmt.Errorf("reports: trial %d: system attribute %q: %w", ft.Number, SysSeed, err)
		}
		t.Seed = seed
	}
	if h := ft.UserAttrs[KeyHistory]; h != "" {
		if err := json.Unmarshal([]byte(h), &t.History); err != nil {
			return t, fmt.Errorf("reports: trial %d: user attribute %q: %w", ft.Number, KeyHistory, err)
		}
	}
	t.Retry = Retried(ft)
	if s, ok := ft.SystemAttrs[SysRetryOf]; ok {
		n, err := strconv.Atoi(s)
		if err != nil {
			return t, fmt.Errorf("reports: trial %d: system attribute %q: %w", ft.Number, SysRetryOf, err)
		}
		t.RetryOf = n
	}
	return t, nil
}

// SysFailReason is the store's system attribute saying why it failed a trial ("stale: worker
// died" for a RUNNING trial whose process stopped sending heartbeats).
const SysFailReason = "fail_reason"

// Retried reports whether ft is a FAIL whose point is tried again by a later trial: interrupted
// (SysRetry) or failed as stale by the store. Such trials do not count towards a study's total.
func Retried(ft goptuna.FrozenTrial) bool {
	return ft.State == goptuna.TrialStateFail &&
		(ft.SystemAttrs[SysRetry] == "1" || strings.HasPrefix(ft.SystemAttrs[SysFailReason], "stale"))
}

// Reason is a one-line account of why a trial is in its state: "pruned at epoch k", "infeasible:
// …", "failed: …", "interrupted, retried" or "".
func (t Trial) Reason() string {
	switch {
	case t.State == goptuna.TrialStatePruned:
		if t.PrunedEpoch > 0 {
			return fmt.Sprintf("pruned at epoch %d", t.PrunedEpoch)
		}
		return "pruned"
	case t.State == goptuna.TrialStateComplete && len(t.Infeasible) > 0:
		return "infeasible: " + strings.Join(t.Infeasible, "; ")
	case t.State == goptuna.TrialStateFail && t.Retry:
		return "failed (retried): " + t.Error
	case t.State == goptuna.TrialStateFail:
		return "failed: " + t.Error
	case t.RetryOf >= 0:
		return fmt.Sprintf("retry of trial %d", t.RetryOf)
	}
	return ""
}

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// parseConfig reads "name=value,…" (space.Config.SetString) into numbers by name.
func parseConfig(s string) (map[string]interface{}, error) {
	out := map[string]interface{}{}
	for _, item := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("malformed item %q", item)
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("item %q: %w", item, err)
		}
		out[k] = f
	}
	return out, nil
}
