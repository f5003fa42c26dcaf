package record

import (
	"encoding/json"
	"fmt"
)

// StudyInfoVersion is the StudyInfo layout Encode writes.
const StudyInfoVersion = 2

// StudyInfo is what a study stores about itself so that reports need nothing but the store.
type StudyInfo struct {
	Version   int       `json:"version"`           // layout version (StudyInfoVersion)
	SpaceFile string    `json:"space_file"`        // the space file the study was started from
	Trials    int       `json:"trials"`            // number of finished trials wanted
	Seed      int64     `json:"seed"`              // study seed
	Sampler   string    `json:"sampler"`           // sampler kind
	Pruner    string    `json:"pruner"`            // pruner kind
	Objective Objective `json:"objective"`         // quality metric, cost and trade-off
	Budget    Budget    `json:"budget"`            // hard constraints
	Searched  []string  `json:"searched"`          // names of the searched (not fixed) parameters, in file order
	Task      string    `json:"task,omitempty"`    // task kind (synthetic, aligned, tsv, command); "" in studies from before it was stored
	Figures   Figures   `json:"figures,omitempty"` // how reports show the trials' figures (set by the study's task kind)
	// SeedScheme is how the study's seeds descend from its seed (package search): set when the
	// study is created, kept for its life, so that a resumed study draws the seeds it started with.
	SeedScheme int `json:"seed_scheme,omitempty"`
	// Params is each declared parameter's domain as text (name → "int [32, 128] step 32", "fixed 0.1", …);
	// empty in studies from before it was stored.
	Params map[string]string `json:"params,omitempty"`
}

// The seed schemes of StudyInfo.SeedScheme.
const (
	// SeedSchemeFirst is the first derivation, of every study stored before SeedScheme was: its
	// first step is symmetric in the study seed and the stream number.
	SeedSchemeFirst = 0
	// SeedSchemeMixed derives every seed with one asymmetric mixer (search/internal/observe.Seed).
	SeedSchemeMixed = 1
	// SeedSchemeCurrent is the scheme of studies created now.
	SeedSchemeCurrent = SeedSchemeMixed
)

// Figures says how reports show a study's trials: which columns, which per-step curve, whether
// the trial's log is kept. Each task kind of package search declares its own.
type Figures string

// The ways of showing figures.
const (
	// FiguresTrained: a trained model's figures (the quality metrics, the per-epoch loss and
	// quality curve, the typed configuration).
	FiguresTrained Figures = "trained"
	// FiguresReported: values a trial reported by name (its goals and constraints as columns,
	// the per-step values, the point as declared, the log and stderr tail).
	FiguresReported Figures = "reported"
)

// Shown returns how reports show the study's figures: Figures, or for a study stored before its
// task kind said it, what that task kind showed (a trial command its reported values, every
// other task a trained model's figures).
func (i StudyInfo) Shown() Figures {
	switch {
	case i.Figures != "":
		return i.Figures
	case i.Task == "command":
		return FiguresReported
	}
	return FiguresTrained
}

// Objective is the stored objective: a vector of named goals (Goals), and the scalar score's
// quality P against one cost E. Written in a space file either as metric/cost/tradeoff (the goals
// are then maximize [metric], minimize [cost]) or as maximize/minimize lists with an optional
// reference and constraints (Listed; a command's study always is).
type Objective struct {
	Metric   string  `json:"metric"`   // bleu | accuracy (P, maximised); list form: the first quality goal (bleu when none)
	Cost     string  `json:"cost"`     // params | flops | kv_bytes | latency (E); list form: the first cost goal with a budget, or ""
	Tradeoff float64 `json:"tradeoff"` // weight of log-cost against quality
	SrcLen   int     `json:"src_len"`  // source length the FLOPs figure assumes
	TgtLen   int     `json:"tgt_len"`  // target length the FLOPs figure assumes

	Maximize    []string           `json:"maximize,omitempty"`    // goals to maximise, canonical names (empty in the metric/cost form)
	Minimize    []string           `json:"minimize,omitempty"`    // goals to minimise, canonical names (empty in the metric/cost form)
	Reference   map[string]float64 `json:"reference,omitempty"`   // hypervolume reference by goal, as written
	Constraints []string           `json:"constraints,omitempty"` // reported values that are constraint values, ≤ 0 feasible
}

// Goal is one component of the objective vector.
type Goal struct {
	Name     string `json:"name"`     // bleu, accuracy, params, flops, kv_bytes, latency, or a reported name
	Maximize bool   `json:"maximize"` // larger is better (else smaller is better)
}

// Direction returns "maximize" or "minimize".
func (g Goal) Direction() string {
	if g.Maximize {
		return "maximize"
	}
	return "minimize"
}

// Listed reports whether the objective is written in the maximize/minimize form.
func (o Objective) Listed() bool { return len(o.Maximize)+len(o.Minimize) > 0 }

// Goals returns the objective vector in order: the maximised goals, then the minimised ones; in
// the metric/cost form, [metric (maximised), cost (minimised)].
func (o Objective) Goals() []Goal {
	if !o.Listed() {
		return []Goal{{Name: o.Metric, Maximize: true}, {Name: o.Cost}}
	}
	out := make([]Goal, 0, len(o.Maximize)+len(o.Minimize))
	for _, n := range o.Maximize {
		out = append(out, Goal{Name: n, Maximize: true})
	}
	for _, n := range o.Minimize {
		out = append(out, Goal{Name: n})
	}
	return out
}

// HasGoal reports whether name is one of the goals.
func (o Objective) HasGoal(name string) bool {
	for _, g := range o.Goals() {
		if g.Name == name {
			return true
		}
	}
	return false
}

// Budget is the stored set of hard constraints; a zero field is unset. Its keys, in space files
// and in its JSON, are those of BudgetFields.
type Budget struct {
	MaxParams        int64   // ‖θ‖₀
	MaxL2Norm        float64 // ‖θ‖₂
	MaxFlopsPerToken float64 // forward multiply-adds per target token
	MaxKVCacheBytes  int64   // decoder KV-cache bytes per generated token
	MaxLatencyMS     float64 // measured median latency per sentence
	// Predicted bounds the predicted costs (a space file's costs section) by cost name; its
	// space-file and JSON keys are "max_" + the name.
	Predicted map[string]float64
}

// studyInfoV1 is the schema-1 layout: no version, objective and budget with Go field names.
type studyInfoV1 struct {
	SpaceFile string `json:"space_file"`
	Trials    int    `json:"trials"`
	Seed      int64  `json:"seed"`
	Sampler   string `json:"sampler"`
	Pruner    string `json:"pruner"`
	Objective struct {
		Metric, Cost   string
		Tradeoff       float64
		SrcLen, TgtLen int
	} `json:"objective"`
	Budget struct {
		MaxParams        int64
		MaxL2Norm        float64
		MaxFlopsPerToken float64
		MaxKVCacheBytes  int64
		MaxLatencyMS     float64
	} `json:"budget"`
	Searched []string `json:"searched"`
}

// ParseStudyInfo reads the JSON of a StudyInfo of any version this build knows (the result is at
// StudyInfoVersion): version 2, version 1 with Go field names, or snake_case without a version.
func ParseStudyInfo(js string) (StudyInfo, error) {
	var head struct {
		Version   int                        `json:"version"`
		Objective map[string]json.RawMessage `json:"objective"`
	}
	if err := json.Unmarshal([]byte(js), &head); err != nil {
		return StudyInfo{}, fmt.Errorf("record: study info: %w", err)
	}
	_, goNames := head.Objective["Metric"]
	switch {
	case head.Version <= 1 && goNames:
		var v1 studyInfoV1
		if err := json.Unmarshal([]byte(js), &v1); err != nil {
			return StudyInfo{}, fmt.Errorf("record: study info (version 1): %w", err)
		}
		o, b := v1.Objective, v1.Budget
		return StudyInfo{
			Version: StudyInfoVersion, SpaceFile: v1.SpaceFile, Trials: v1.Trials, Seed: v1.Seed,
			Sampler: v1.Sampler, Pruner: v1.Pruner, Searched: v1.Searched,
			Objective: Objective{Metric: o.Metric, Cost: o.Cost, Tradeoff: o.Tradeoff, SrcLen: o.SrcLen, TgtLen: o.TgtLen},
			Budget: Budget{MaxParams: b.MaxParams, MaxL2Norm: b.MaxL2Norm, MaxFlopsPerToken: b.MaxFlopsPerToken,
				MaxKVCacheBytes: b.MaxKVCacheBytes, MaxLatencyMS: b.MaxLatencyMS},
		}, nil
	case head.Version <= StudyInfoVersion:
		var info StudyInfo
		if err := json.Unmarshal([]byte(js), &info); err != nil {
			return StudyInfo{}, fmt.Errorf("record: study info: %w", err)
		}
		info.Version = StudyInfoVersion // the layout it now has in memory
		return info, nil
	}
	return StudyInfo{}, fmt.Errorf("record: study info version %d is newer than this build (%d)", head.Version, StudyInfoVersion)
}

// Encode renders info as the JSON stored in SysStudyInfo, at version StudyInfoVersion.
func (info StudyInfo) Encode() (string, error) {
	info.Version = StudyInfoVersion
	b, err := json.Marshal(info)
	if err != nil {
		return "", fmt.Errorf("record: encode study info: %w", err)
	}
	return string(b), nil
}

// Upgrade rewrites the JSON of a StudyInfo of any known version at version StudyInfoVersion;
// changed is false when js is already current.
func Upgrade(js string) (out string, changed bool, err error) {
	info, err := ParseStudyInfo(js)
	if err != nil {
		return "", false, err
	}
	out, err = info.Encode()
	if err != nil {
		return "", false, err
	}
	return out, out != js, nil
}
