// Package space reads and validates YAML space files (study, task, training settings, searched
// parameters, budget, objective) and turns sampled points into typed trainer configurations
// (Resolve). It never drives goptuna: search draws each parameter through goptuna's Suggest calls
// (search/suggest.go) into a Point, the generic form of a point (name → value), and Spec.Resolve
// gives its typed Config. The sampler kinds a file may name, and their options, come from the
// registry of search/sampler (ParseWith; Parse uses sampler.Builtin). Arch is the one
// description of the architecture facts a Config does not carry (vocabularies, positions).
//
// # The file
//
// A space file is one YAML document, read strictly: an unknown key, a duplicate key, a value of
// the wrong type, an empty or inverted range, a log range with low <= 0, a step that does not
// divide its range, an unknown sampler, pruner or parameter name, or a missing corpus is an
// *Error "file:line:col: field: message". Only task and params are required; everything else
// has the default shown below (budget: the objective's cost needs its budget, see objective).
// Load and Parse do not know the cost model: call objective.ValidateSpace after loading to reject
// a budget that no point of the space can meet.
//
// Reference (every key, with its default; keys that need another task kind, or whose default
// depends on other fields, are commented out; the tests parse this block):
//
//	study:
//	  # name: <file name without extension>
//	  trials: 20                  # finished trials wanted
//	  workers: 1                  # parallel trials (0 = one per core)
//	  seed: 1                     # root of every random choice of the study
//	  enqueue_default: false      # true: the first trial trains the start point (each `default:`,
//	  #   else the central value), then the sampler takes over
//	  strategy: per_trial         # per_trial | supernet (weight sharing, section supernet below)
//	  sampler: auto               # auto (chosen by the study: docs/samplers-benchmark.md) | tpe |
//	  #   cmaes | random | sobol | motpe | nsga2, or a mapping:
//	  #  {kind: tpe, startup_trials: 0, ei_candidates: 0}   (0 = library default)
//	  #  {kind: cmaes, startup_trials: 0, sigma0: 0}
//	  pruner: none                # none | median | percentile | successive_halving, or a mapping:
//	  #  {kind: median, startup_trials: 5, warmup_steps: 0}
//	  #  {kind: percentile, percentile: 50, startup_trials: 5, warmup_steps: 0}
//	  #  {kind: successive_halving, min_resource: 1, reduction_factor: 3, min_early_stopping_rate: 0}
//	task:
//	  kind: synthetic             # required: synthetic | aligned | tsv
//	  # path: ../data/corpus      # aligned: directory with {train,valid,test}.{src,tgt};
//	                              # tsv: Tatoeba/Anki file; relative to the space file
//	  synthetic: {train: 2000, valid: 200, test: 200, vocab: 32, min_len: 3, max_len: 10, seed: 1}
//	  #  also grammar: simple | rich (rich: the language pair of trainer/data; vocab counts its
//	  #  content lemmas, >= 20; sentences of 3 to 60 words)
//	  tokenizer: word             # word | char | byte | bpe (corpora: subwords learned on train)
//	  max_vocab: 0                # per side, specials included; 0 = no cap (corpora: 8000);
//	                              # bpe: the subword vocabulary size per side
//	  min_freq: 1
//	  # max_lines: 0              # corpora: training pairs used (0 = all)
//	  # valid_size: 500           # tsv only
//	  # test_size: 500            # tsv only
//	  max_len: 50                 # longest sentence kept, in tokens
//	training:
//	  epochs: 10
//	  max_steps: 0                # cap on optimizer updates per trial (0 = none); the epoch it
//	                              # ends in is validated; attnsearch train --max-steps overrides
//	  batch_size: 32
//	  max_minutes: 0              # wall-clock cap per trial (0 = none)
//	  beta1: 0.9
//	  beta2: 0.98
//	  eps: 1e-9
//	  schedule: inverse_sqrt      # inverse_sqrt | cosine | constant (after linear warm-up)
//	  clip_norm: 1                # 0 = off
//	  weight_decay_mode: decoupled  # decoupled | l2
//	  tie_embeddings: false
//	  positions: sinusoidal       # sinusoidal | learned
//	  beam: 1
//	  latency_sentences: 50
//	  threads: 0                  # with workers: 1, the trial's GOMAXPROCS and data-parallel shards
//	  #   (0 = all cores); parallel workers train on one thread each
//	  eval_sentences: 0           # 0 = the whole validation set
//	params:                       # required, at least one; each name at most once
//	  d_model: {type: int, low: 32, high: 128, step: 32}
//	  heads: {type: categorical, choices: [2, 4, 8]}
//	  kv_heads: {low: 1, high: 8}          # type defaults to the name's own type
//	  enc_layers: {low: 1, high: 8, log: true}
//	  lr: {type: float, low: 1e-4, high: 3e-3, log: true}
//	  dropout: {low: 0, high: 0.3, step: 0.05}
//	  label_smoothing: 0.1                 # a bare value is fixed ({type: fixed, value: 0.1})
//	  # any range or choice list may add default: V (a value of its domain), the value
//	  # attnsearch train uses when --set leaves the parameter out
//	budget:                       # every key optional; a missing key is no limit
//	  max_params: 300000          # ‖θ‖₀
//	  max_l2_norm: 200            # ‖θ‖₂, enforced by projection during training
//	  max_flops_per_token: 5e5    # forward multiply-adds per target token
//	  max_kv_cache_bytes: 2048    # decoder self-attention K/V bytes per generated token
//	  max_latency_ms: 20          # measured after training
//	  # max_pi_ms: 15             # a predicted cost's limit: max_ + its name (see costs)
//	objective:
//	  metric: bleu                # bleu | accuracy (P, maximised)
//	  cost: params                # params | flops | kv_bytes | latency (E, minimised; needs its budget)
//	  tradeoff: 2                 # λ: halving E is worth λ points of P
//	  # src_len: <task.max_len>   # lengths the FLOPs figure assumes
//	  # tgt_len: <task.max_len>
//	costs:                        # predicted costs, checked before training (built-in tasks)
//	  # pi_ms: {predictor: pi.json}  # from attnsearch latency fit, relative to the space file
//	# supernet:                   # only with study.strategy: supernet; the defaults:
//	#   train: {minutes: 0, steps: 2000, sampling: sandwich}  # limits (0 = none; minutes alone drops
//	#                             # the step default); uniform | sandwich (largest, smallest, 1 random)
//	#                             # distill: true (sandwich only): the others learn the largest's outputs
//	#                             # widths: joint | even (the drawn sub-network's d_model evenly over
//	#                             # the widths with a sub-network inside retrain.reference's box)
//	#                             # largest: widest | rotate (the sandwich's largest: the widest
//	#                             # sub-network in the box, or each box width's largest in turn)
//	#                             # lr: the shared weights' peak learning rate (default: the
//	#                             # space's lr start value; lower means less interference)
//	#   evaluate: {sentences: 50} # validation sentences that score a sub-network (inherited weights)
//	#                             # rank: bleu | likelihood (the references' log-likelihood orders
//	#                             # the inherited front for retraining; BLEU is measured either way)
//	#   trials: 1000              # sub-networks the search phase evaluates
//	#   retrain: {top_k: 8, steps: 1000, from: scratch}  # the inherited front's best, trained as
//	#                             # ordinary trials for steps updates; from: scratch | inherited;
//	#                             # minutes: M caps each (whichever first; alone: no step cap);
//	#                             # reference: {params: 1e6, latency_ms: 5} picks the top_k
//	#                             # inside that box by hypervolume (default: rank, crowding)
//
// # Several objectives
//
// The objective may instead name a vector of goals, which the multi-objective samplers (motpe,
// nsga2), the reports' front and hypervolume, and multi-objective pruning use:
//
//	objective:
//	  maximize: [bleu]                  # qualities: bleu, accuracy
//	  minimize: [params, latency_ms]    # costs: params, flops, kv_bytes, latency (latency_ms, … accepted)
//	  reference: {bleu: 0, params: 420000, latency_ms: 20}   # optional hypervolume reference
//	  tradeoff: 2                       # still the scalar score's λ
//
// A single name needs no brackets. The goals' order is the maximised ones, then the minimised
// ones. A goal without a written reference takes 0 (a quality) or its budget limit (a cost), and
// none when there is no budget (the reports then use the worst value seen). The scalar score
// (single-objective samplers, best) takes P from the first quality goal (bleu when none) and E
// from the first cost goal that has a budget (none: the score is P). For built-in tasks the
// constraints are the budget's limits; tasks whose trials report their own figures (trial
// commands) may list reported names under constraints: [c1, …] (a value ≤ 0 is feasible) and use
// any names as goals. metric/cost cannot be mixed with maximize/minimize.
//
// # Predicted costs
//
// A cost can come from a fitted predictor (attnsearch latency fit, package objective/predict):
// costs: {pi_ms: {predictor: pi.json}} names the cost pi_ms, computed for every point from the
// architecture before training. It can be a goal (objective.minimize: [pi_ms], not in the
// metric/cost form) and bounded by budget.max_pi_ms: a point over it is rejected before
// training, as over max_params. The predictor file lists its features; a feature the space's
// architecture does not provide (objective.FeatureNames) is an error at load naming the
// file's costs.NAME.predictor. A name may not be a built-in figure's (params, latency, …).
//
// # Parameters
//
// Names (canonical order, see Names) and their types, legal values and defaults when the file
// does not declare them: d_model int [1, 65536] = 64; heads int [1, 1024] = 4; kv_heads int
// [1, 1024] = heads; enc_layers, dec_layers int [1, 256] = 2; d_ff int [1, 2^20] = 4·d_model;
// dropout float [0, 1) = 0.1; lr float (0, 10] = 0.001; weight_decay float [0, 10] = 0;
// warmup_steps int [0, 1e9] = 100; label_smoothing float [0, 1) = 0.1.
//
// A point built without a value for a searched parameter (attnsearch train without it in --set;
// Spec.Point) takes the parameter's declared default, else the central value of its domain: the
// geometric midpoint √(low·high) of a log range, the midpoint of a linear one (both snapped to
// the integer or step grid, ties upward), the first choice of a categorical (Param.Start,
// Param.Central; Spec.Starts says which was used).
//
// Distributions map onto goptuna's (in search/suggest.go): int -> SuggestInt / SuggestStepInt; float -> SuggestFloat,
// SuggestDiscreteFloat (step) or SuggestLogFloat (log); categorical -> SuggestCategorical over the
// choices as written. goptuna v0.9.0 has no log-scaled integer distribution: an int with
// log: true is drawn with SuggestLogFloat on [low−0.5, high+0.5] and rounded to the nearest
// integer (as Optuna does), so the trial stores the continuous draw while the Config holds the
// integer; log cannot be combined with a step other than 1. Fixed values are not suggested.
//
// # Command tasks
//
// With task kind command each trial runs the user's own program (see trainer/command for the
// protocol), and the built-in tasks' rules give way to the command's:
//
//	task:
//	  kind: command
//	  command: [python3, train.py, --fast]  # argv, run in the space file's directory; a relative
//	                                        # program path starts there, a bare name is on PATH
//	  timeout: 30m                          # per trial, a Go duration (optional: none)
//	  env: {CUDA_VISIBLE_DEVICES: "{worker}"}  # extra environment (optional)
//	params:                                 # any names (a letter or _, then letters, digits, _ . -)
//	  x0: {type: float, low: 0, high: 1}    # type is required for ranges
//	  layers: {type: int, low: 1, high: 6}
//	  act: {type: categorical, choices: [relu, gelu]}  # choices of any scalar type, sent as declared
//	  seed_data: 3                          # a fixed value of any scalar type
//	objective:
//	  minimize: [f1, f2]                    # names of reported values (a name or a list)
//	  maximize: [acc]
//	  constraints: [c1]                     # reported values, feasible when <= 0
//
// Sections training and budget, the objective's metric/cost/tradeoff/src_len/tgt_len, and the
// corpus keys of task do not apply (no cost model exists for a command); at least one value must
// be maximised or minimised, and a name may appear in one list only. Parse checks that the
// program exists. Param.Declared types a sampled value as the command receives it.
//
// In the command's arguments and in env values, {worker} stands for the index of the worker
// that runs the trial (0 to workers−1, counted in each process: with workers: 2, one trial runs
// with CUDA_VISIBLE_DEVICES=0 and the other with 1) and {trial} for the trial number; search
// substitutes both when it starts each trial (search/command.go). Other text is passed as written.
//
// # Weight-sharing search
//
// With study.strategy: supernet a study runs three phases, in one store, each resuming where it
// stopped. Train: one SuperTransformer holds the weights of the space's largest architecture;
// every update trains one sub-network drawn uniformly from the elastic dimensions (sandwich: the
// largest, the smallest and one drawn), which uses the leading slices of the weights (the first
// d_model columns, the leading heads and key/value heads, the leading d_ff units, the first
// layers). The elastic dimensions are the architecture parameters d_model, heads, kv_heads,
// enc_layers, dec_layers and d_ff, each over its declared values (Spec.Elastic); the other
// parameters take their start values (declared default, else central value) in every phase.
// Search: the sampler proposes architectures, each scored with its inherited weights (BLEU on
// evaluate.sentences validation sentences, the cost model's figures, the measured latency of
// those translations) and stored as a trial with fidelity inherited; points over the budget are
// rejected before evaluation. Retrain: the top_k feasible points of the inherited front (by
// non-domination rank, then crowding distance; with retrain.reference, the non-dominated points
// inside that box first, greedily by the hypervolume they add) are trained as ordinary trials
// (fidelity retrained) for retrain.steps updates or retrain.minutes, whichever comes first.
// study.pruner must be none; the task must be built in.
//
// # Structural rules
//
// A point handed to the trainer always satisfies d_model % heads == 0 and heads % kv_heads == 0.
// The mechanism is a deterministic repair after sampling: when heads does not divide d_model, it
// is replaced by the value of heads' declared domain that divides d_model and lies nearest to the
// sampled one (ties: the smaller); then kv_heads is repaired the same way against heads (an
// undeclared kv_heads simply equals heads). The sampler keeps the value it proposed, so points
// that repair to the same architecture form a plateau the sampler sees as equal. When no value
// of the domain divides (e.g. heads ∈ {4, 8} with d_model = 30), Resolve returns an error wrapping
// ErrStructural and the trial should be finished as infeasible. Parse rejects a space in which no
// combination satisfies the rules (checked for d_model domains of up to 512 values).
package space
