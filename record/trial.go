package record

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/c-bata/goptuna"
)

// Epoch is one point of a trial's per-epoch curve (KeyHistory).
type Epoch struct {
	Epoch         int                `json:"epoch"`            // 1-based epoch
	TrainLoss     float64            `json:"train_loss"`       // mean training loss
	ValidLoss     float64            `json:"valid_loss"`       // validation loss
	ValidBLEU     float64            `json:"valid_bleu"`       // validation BLEU (0-100)
	ValidAccuracy float64            `json:"valid_accuracy"`   // validation token accuracy (0-1)
	Score         float64            `json:"score"`            // objective score of this epoch's P (the intermediate value)
	Seconds       float64            `json:"seconds"`          // wall time since training started
	Values        map[string]float64 `json:"values,omitempty"` // other figures the trainer reported, by name
}

// FormatFloat renders a figure for storage: shortest decimal that round-trips.
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// FormatValue renders a trainer's figure for storage: integers in full (counts, bytes), others as FormatFloat.
func FormatValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return FormatFloat(v)
}

// Display renders a figure for people: integers in full, others with up to 6 significant digits.
func Display(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// FormatConfig renders values as config text "name=value,…" in the order of names (integers in
// full, others shortest round-trip), the text ParseConfig and `--set` read.
func FormatConfig(names []string, values map[string]float64) string {
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name + "=" + FormatValue(values[name])
	}
	return strings.Join(parts, ",")
}

// ParseConfig reads config text "name=value,…" into numbers by name.
func ParseConfig(s string) (map[string]interface{}, error) {
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

// Trial is one stored trial decoded for reporting.
type Trial struct {
	ID           int                    // storage ID
	Number       int                    // trial number within the study
	State        goptuna.TrialState     // goptuna state
	Value        float64                // final score (COMPLETE, PRUNED with an intermediate value)
	HasValue     bool                   // Value is meaningful
	Params       map[string]interface{} // sampled parameters, external representation
	Config       string                 // effective config as --set text ("" when not sampled yet); a command's: PointText
	Point        string                 // a command's parameters as it received them: JSON in file order (KeyPoint)
	Log          []string               // a command's last stdout log lines (KeyLog)
	Stderr       []string               // a command's last stderr lines (KeyStderr)
	Metrics      map[string]float64     // every numeric user attribute
	Feasible     bool                   // passed the analytic check (false also when never checked)
	Infeasible   []string               // violated constraints
	Error        string                 // failure error
	PrunedEpoch  int                    // epoch at which the pruner stopped it (0 = not pruned)
	History      []Epoch                // per-epoch curve
	Retry        bool                   // an interrupted or stale FAIL whose point was tried again
	Stale        bool                   // a FAIL the store recovered because its worker died (SysFailReason = ReasonStale)
	RetryOf      int                    // number of the trial this one retries (-1 = none)
	Attempt      int                    // which attempt at its point this trial is: 1, or k for the (k-1)th retry (set by SetAttempts; 0 = unknown)
	Seed         int64                  // trainer seed
	Start, End   time.Time              // start and completion time
	Pareto       bool                   // on the Pareto front of its study (set by the reports)
	Intermediate map[int]float64        // intermediate values by step (epoch)
	Objectives   []float64              // objective vector in goal order (KeyObjectives; nil when not stored)
	Constraints  []float64              // constraint values (KeyConstraints; nil when not stored)
	Rejected     bool                   // rejected before training (KeyRejected)
	Fidelity     string                 // KeyFidelity: inherited | retrained (supernet studies); "" = trained from scratch
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
var textKeys = map[string]bool{KeyFeasible: true, KeyInfeasible: true, KeyError: true, KeyConfig: true, KeyHistory: true,
	KeyPoint: true, KeyLog: true, KeyStderr: true, KeyObjectives: true, KeyConstraints: true, KeyRejected: true, KeyFidelity: true}

// FormatVector renders a vector of figures as comma-separated FormatFloat values (NaN and ±Inf
// survive).
func FormatVector(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = FormatFloat(x)
	}
	return strings.Join(parts, ",")
}

// ParseVector reads FormatVector's text ("" is the empty vector).
func ParseVector(s string) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]float64, len(parts))
	for i, p := range parts {
		x, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, fmt.Errorf("record: vector item %d %q: %w", i, p, err)
		}
		out[i] = x
	}
	return out, nil
}

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
			return t, fmt.Errorf("record: trial %d: user attribute %q: %w", ft.Number, k, err)
		}
		t.Metrics[k] = f
	}
	t.Config = ft.UserAttrs[KeyConfig]
	t.Fidelity = ft.UserAttrs[KeyFidelity]
	if t.Config != "" {
		// The effective point (after the space's structural repair), not the raw suggestions.
		eff, err := ParseConfig(t.Config)
		if err != nil {
			return t, fmt.Errorf("record: trial %d: user attribute %q: %w", ft.Number, KeyConfig, err)
		}
		t.Params = eff
	}
	if js := ft.UserAttrs[KeyPoint]; js != "" {
		// A command's trial: the parameters as the command received them.
		names, values, err := ParsePoint(js)
		if err != nil {
			return t, fmt.Errorf("record: trial %d: user attribute %q: %w", ft.Number, KeyPoint, err)
		}
		t.Params, t.Config, t.Point = values, PointText(names, values), js
	}
	t.Feasible = ft.UserAttrs[KeyFeasible] == "true"
	if s := ft.UserAttrs[KeyInfeasible]; s != "" {
		t.Infeasible = strings.Split(s, "\n")
	}
	t.Error = ft.UserAttrs[KeyError]
	if s := ft.UserAttrs[KeyLog]; s != "" {
		t.Log = strings.Split(s, "\n")
	}
	if s := ft.UserAttrs[KeyStderr]; s != "" {
		t.Stderr = strings.Split(s, "\n")
	}
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
			return t, fmt.Errorf("record: trial %d: system attribute %q: %w", ft.Number, SysSeed, err)
		}
		t.Seed = seed
	}
	if h := ft.UserAttrs[KeyHistory]; h != "" {
		if err := json.Unmarshal([]byte(h), &t.History); err != nil {
			return t, fmt.Errorf("record: trial %d: user attribute %q: %w", ft.Number, KeyHistory, err)
		}
	}
	for _, kv := range []struct {
		key string
		dst *[]float64
	}{{KeyObjectives, &t.Objectives}, {KeyConstraints, &t.Constraints}} {
		if s, ok := ft.UserAttrs[kv.key]; ok {
			v, err := ParseVector(s)
			if err != nil {
				return t, fmt.Errorf("record: trial %d: user attribute %q: %w", ft.Number, kv.key, err)
			}
			*kv.dst = v
		}
	}
	t.Rejected = ft.UserAttrs[KeyRejected] == "true"
	t.Retry = Retried(ft)
	t.Stale = ft.State == goptuna.TrialStateFail && ft.SystemAttrs[SysFailReason] == ReasonStale
	n, ok, err := RetryOf(ft)
	if err != nil {
		return t, err
	}
	if ok {
		t.RetryOf = n
	}
	return t, nil
}

// Retried reports whether ft is a FAIL whose point is tried again by a later trial: interrupted
// (SysRetry) or failed as stale by the store, however often its point was tried before (older
// builds' SysNotRequeued marks are ignored: those points are retried too). Such trials do not
// count towards a study's total.
func Retried(ft goptuna.FrozenTrial) bool {
	if ft.State != goptuna.TrialStateFail {
		return false
	}
	return ft.SystemAttrs[SysRetry] == "1" || strings.HasPrefix(ft.SystemAttrs[SysFailReason], "stale")
}

// RetryOf returns the number of the trial whose point ft repeats (SysRetryOf, or the schema-1
// SysRequeuedFrom); ok is false for a fresh point.
func RetryOf(ft goptuna.FrozenTrial) (n int, ok bool, err error) {
	for _, k := range []string{SysRetryOf, SysRequeuedFrom} {
		s, has := ft.SystemAttrs[k]
		if !has {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, false, fmt.Errorf("record: trial %d: system attribute %q: %w", ft.Number, k, err)
		}
		return n, true, nil
	}
	return 0, false, nil
}

// SetAttempts sets each trial's Attempt from the retry chains among trials (a retry is attempt
// k+1 of the trial it retries); a trial whose predecessor is not among trials counts from 2.
func SetAttempts(trials []Trial) {
	idx := make(map[int]int, len(trials))
	for i := range trials {
		idx[trials[i].Number] = i
	}
	var attempt func(i int, depth int) int
	attempt = func(i, depth int) int {
		t := &trials[i]
		if t.Attempt > 0 {
			return t.Attempt
		}
		t.Attempt = 1
		if t.RetryOf >= 0 {
			t.Attempt = 2
			if j, ok := idx[t.RetryOf]; ok && depth < len(trials) {
				t.Attempt = attempt(j, depth+1) + 1
			}
		}
		return t.Attempt
	}
	for i := range trials {
		attempt(i, 0)
	}
}

// Points counts the points among trials whose Attempt is set (first attempts) and the largest number of attempts any point took.
func Points(trials []Trial) (points, maxAttempts int) {
	for _, t := range trials {
		if t.Attempt == 1 {
			points++
		}
		maxAttempts = max(maxAttempts, t.Attempt)
	}
	return points, maxAttempts
}

// Reason is a one-line account of why a trial is in its state: "pruned at epoch k" ("step k"
// for a command's trial), "infeasible: …", "failed: …", "interrupted, retried" or "", followed by
// " (attempt k)" on the k-th attempt at a point (k > 1; a retry with no other reason: "attempt k").
func (t Trial) Reason() string {
	r := t.reason()
	switch {
	case t.Attempt <= 1:
		return r
	case r == "":
		return fmt.Sprintf("attempt %d", t.Attempt)
	}
	return fmt.Sprintf("%s (attempt %d)", r, t.Attempt)
}

// reason is Reason without the attempt.
func (t Trial) reason() string {
	switch {
	case t.State == goptuna.TrialStatePruned:
		if t.PrunedEpoch > 0 && t.Point != "" {
			return fmt.Sprintf("pruned at step %d", t.PrunedEpoch)
		}
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
