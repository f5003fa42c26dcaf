package space

import (
	"time"

	"github.com/attnsearch/attnsearch/record"
)

// Spec is a whole validated space file: the study, the task, the training settings, the
// searched parameters, the budget and the objective.
type Spec struct {
	File      string          // path the spec was loaded from ("" when built in code)
	Study     Study           // study settings: name, sampler, pruner, counts, seed
	Task      Task            // the data the trials train on
	Training  Training        // training settings that are not searched
	Params    []Param         // searched or fixed parameters, in file order
	Budget    Budget          // hard constraints on every candidate
	Objective Objective       // what the sampler optimises
	Costs     []PredictedCost // predicted costs (costs section), in file order
	Pos       map[string]Pos  // position of every key given in the file, by dotted path ("budget.max_params", "params.d_model")
	Supernet  Supernet        // the supernet section (study.strategy supernet only)
}

// Pos is a 1-based line and column in a space file.
type Pos struct {
	Line, Column int // 1-based; 0 when unknown
}

// Study holds the goptuna study settings of a space file.
type Study struct {
	Name    string  // study name inside the store
	Sampler Sampler // which sampler proposes points
	Pruner  Pruner  // which pruner stops bad trials early
	Trials  int     // number of finished trials wanted
	Workers int     // parallel trials (0 = one per core)
	Seed    int64   // root of every random choice of the study
	// EnqueueDefault makes the study's first trial the start point (each parameter's declared
	// default, else its central value: Param.Start), enqueued when the study is created.
	EnqueueDefault bool
	Strategy       string // "" (per_trial: every trial trains its point) | supernet (weight sharing, see Supernet)
}

// Sampler names a sampler kind of the sampler registry (search/sampler) and the options the file
// gives it (validated against the kind's declared options; absent options are absent here).
type Sampler struct {
	Kind    string             // tpe | cmaes | random | sobol | any registered kind
	Options map[string]float64 // option name → value (startup_trials, ei_candidates, sigma0, …)
}

// Pruner names a pruner kind of the pruner registry (search.BuiltinPruners) and the options the
// file gives it, with the kind's defaults filled in (validated against the kind's declared
// options when parsed with the registry; absent options are absent here).
type Pruner struct {
	Kind    string             // none | median | percentile | successive_halving | any registered kind
	Options map[string]float64 // option name → value (startup_trials, min_resource, …)
}

// Task describes the data set (the built-in synthetic task or a real corpus), or the user's
// command that evaluates each trial (kind command).
type Task struct {
	Kind      string    // synthetic | aligned (dir with {train,valid,test}.{src,tgt}) | tsv (Tatoeba/Anki file) | command
	Path      string    // aligned: directory; tsv: file (resolved relative to the space file)
	Synthetic Synthetic // options of the synthetic task
	Tokenizer string    // word | char | byte | bpe (subwords learned on the training split, max_vocab per side)
	MaxVocab  int       // vocabulary cap per side, specials included (0 = no cap; bpe: the subword vocabulary size)
	MinFreq   int       // minimum training frequency of a vocabulary entry (>= 1)
	MaxLines  int       // tsv/aligned: use at most this many training pairs (0 = all)
	ValidSize int       // tsv: pairs split off for validation
	TestSize  int       // tsv: pairs split off for test
	MaxLen    int       // longest sentence in tokens kept (longer: skipped and counted)

	Command []string          // command: program and arguments, run in Dir
	Dir     string            // command: the space file's directory (absolute)
	Timeout time.Duration     // command: per trial (0 = none)
	Env     map[string]string // command: extra environment variables
}

// Synthetic holds the size options of the built-in synthetic translation task.
type Synthetic struct {
	Grammar            string // simple (small SVO -> SOV task; "" = simple) | rich (the language pair of trainer/data)
	Train, Valid, Test int    // number of sentence pairs per split
	Vocab              int    // number of content words per side (rich: content lemmas)
	MinLen, MaxLen     int    // sentence length range in words
	Seed               int64  // generator seed (the data set, not the trial)
}

// Training holds the training settings that are not searched.
type Training struct {
	Epochs           int     // maximum epochs per trial
	MaxSteps         int     // cap on optimizer updates per trial (0 = none); the epoch it ends in is validated as usual
	BatchSize        int     // sentence pairs per batch
	MaxMinutes       float64 // wall-clock cap per trial (0 = none)
	Beta1, Beta2     float64 // Adam betas
	Eps              float64 // Adam epsilon
	Schedule         string  // inverse_sqrt | cosine | constant (after linear warm-up)
	ClipNorm         float64 // global gradient-norm clip (0 = off)
	WeightDecayMode  string  // decoupled | l2
	TieEmbeddings    bool    // tie target embedding and output projection
	Positions        string  // sinusoidal | learned
	Beam             int     // beam size for the final test decode (1 = greedy)
	LatencySentences int     // validation sentences timed for latency
	Threads          int     // threads per trainer (0 = fair share)
	EvalSentences    int     // validation sentences decoded per epoch for BLEU (0 = all)
}

// Budget holds the hard constraints; a zero field is unset. It is the stored record's type (one
// definition with its JSON names): max_params (P_max, ‖θ‖₀), max_l2_norm (R_max, ‖θ‖₂, enforced
// by projection during training), max_flops_per_token, max_kv_cache_bytes, max_latency_ms.
type Budget = record.Budget

// Objective says what the study optimises: a vector of named goals (Goals) and the scalar score
// (quality P against one cost E, see objective.Score). Written either as metric/cost/tradeoff or
// as maximize/minimize lists with optional reference and constraints. It is the stored record's
// type.
type Objective = record.Objective

// Goal is one component of the objective vector.
type Goal = record.Goal

// Param is one declared parameter: a typed distribution or a fixed value.
type Param struct {
	Name    string   // one of Names
	Kind    string   // int | float | categorical | fixed
	Low     float64  // int, float: lower bound (inclusive)
	High    float64  // int, float: upper bound (inclusive)
	Step    float64  // int, float: grid step (0 = continuous float / step 1 int)
	Log     bool     // int, float: sample on a log scale
	Choices []string // categorical: choices as written
	Value   string   // fixed: the value as written
	Typed   []any    // command tasks: the choices (or the fixed value) typed as declared: int64, float64, string, bool
	Default string   // int, float, categorical: the declared default (`default:`), "" when none
	Line    int      // position in the file, for messages
	Column  int      // position in the file, for messages
}

// Config is one point of the space: every searched name resolved to a typed value.
type Config struct {
	DModel         int     // d_model
	Heads          int     // heads (query heads)
	KVHeads        int     // kv_heads: 1 = multi-query, Heads = standard multi-head
	EncLayers      int     // enc_layers
	DecLayers      int     // dec_layers
	DFF            int     // d_ff
	Dropout        float64 // dropout on attention weights and residuals
	LR             float64 // peak learning rate
	WeightDecay    float64 // weight_decay
	WarmupSteps    int     // warmup_steps
	LabelSmoothing float64 // label_smoothing
}

// Names lists the parameter names the trainer understands, in canonical order.
var Names = builtinNames()
