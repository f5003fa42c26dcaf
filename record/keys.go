package record

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
	KeyValidLoss     = "valid_loss"               // validation loss: mean negative log-likelihood per reference token (teacher-forced)
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
	KeyConfig        = "config"                   // the effective config as --set text (FormatConfig)
	KeyHistory       = "history"                  // JSON array of Epoch: the per-epoch curve
	KeySeed          = "seed"                     // the trainer seed (copy of SysSeed, for users)
	KeyWorkerThreads = "threads"                  // threads the trainer used
	KeyPoint         = "point"                    // command tasks: the parameters the command received, a JSON object in file order
	KeyLog           = "log"                      // command tasks: the last stdout lines that were not protocol lines
	KeyStderr        = "stderr"                   // command tasks: the last lines of stderr
	KeyObjectives    = "objectives"               // the objective vector in goal order (Objective.Goals), FormatVector; intermediate when pruned
	KeyConstraints   = "constraints"              // constraint values (≤ 0 feasible) in objective.ConstraintValues order, FormatVector; NaN = not known yet
	KeyRejected      = "rejected"                 // "true": rejected before training (infeasible by the cost model or the structural rules)
)

// reserved are the user attribute keys the search writes itself for a command's trial, which a
// command may not use as the name of a value it reports.
var reserved = map[string]bool{
	KeyScore: true, KeyFeasible: true, KeyInfeasible: true, KeyError: true, KeyPrunedEpoch: true,
	KeyConfig: true, KeyHistory: true, KeySeed: true, KeyPoint: true, KeyLog: true, KeyStderr: true,
	KeyObjectives: true, KeyConstraints: true, KeyRejected: true,
}

// Reserved reports whether name is a key the search stores itself, so that a command may not
// report a value by that name (its other values land in the trial's metrics under their names).
func Reserved(name string) bool { return reserved[name] }

// Names of the per-step figures a trainer reports besides the quality metrics (KeyBLEU,
// KeyAccuracy); they fill the matching fields of Epoch.
const (
	StepTrainLoss = "train_loss" // mean training loss of the epoch
	StepValidLoss = "valid_loss" // validation loss
	StepSeconds   = "seconds"    // wall time since training started
)

// System attribute keys of trials and studies: bookkeeping of the search and the store.
const (
	SysSeed      = "attnsearch:seed"       // trial: trainer seed, derived from (study seed, ordinal); copied to a retry
	SysOrdinal   = "attnsearch:ordinal"    // trial: index of the sampled point among fresh points (retries excluded)
	SysRetry     = "attnsearch:retry"      // trial: "1" on an interrupted FAIL whose point is tried again
	SysRetryOf   = "attnsearch:retry_of"   // trial: number of the trial whose point this trial retries
	SysStudyInfo = "attnsearch:study_info" // study: JSON of StudyInfo
	// SysRungPrefix + r: trial: the objective vector (FormatVector) recorded at rung r of
	// multi-objective successive halving.
	SysRungPrefix = "attnsearch:rung_"

	SysFailReason  = "fail_reason"  // trial: why the store failed it (ReasonStale)
	SysFixedParams = "fixed_params" // trial: goptuna's internal parameter values of an enqueued trial (JSON object)
	SysNotRequeued = "not_requeued" // trial: older builds' mark of a stale retry they did not retry (ignored now: it is retried)
	// SysRequeuedFrom is the retry mark of schema-1 stores' recovery at open; read like SysRetryOf.
	SysRequeuedFrom = "requeued_from"
)

// Values of SysFailReason and SysNotRequeued.
const (
	ReasonStale      = "stale: worker died"                                               // a RUNNING trial whose worker stopped sending heartbeats
	NotRequeuedTwice = "its worker died on a requeued run of the same parameters already" // older builds' SysNotRequeued value
)
