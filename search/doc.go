// Package search runs a study: it is the only package that knows all the others. For every trial
// it samples a point of the space (space), checks it against the analytic budget (objective) and
// finishes an infeasible one at once with the penalised score and its reasons, trains a feasible
// one (trainer) while reporting the per-epoch score as goptuna intermediate values so the pruner
// can stop it, and stores every figure as trial attributes under the keys of package record.
//
// # Deterministic resume
//
// goptuna's samplers keep a process-lifetime random generator, so a resumed study would draw
// other points than an uninterrupted one. Here every point gets its own generator, seeded from
// (study seed, ordinal, parameter name), where the ordinal counts the fresh points drawn before
// it in the study (trials that retry an interrupted trial's point are not counted, so a retry
// does not shift later points). Every seed comes from one mixer (search/internal/observe.Seed);
// a study stored before its StudyInfo recorded a seed scheme keeps the first derivation, whose
// collision (study seed 3's trainer seeds were study seed 1's relative-sampler seeds) new studies
// no longer have (sampling.go). A trial's trainer seed is derived from (study seed, ordinal) and
// stored in the system attribute record.SysSeed; a retry has the ordinal and seed of the trial it
// retries (the store copies them; search follows record.SysRetryOf otherwise). The samplers and the pruner
// see the study without the FAIL trials, so an interrupted attempt leaves no trace in their
// decisions. With one worker and a fixed seed, a study that is interrupted (SIGINT or SIGKILL)
// and resumed therefore samples the same points and reaches the same scores as one that never
// stopped. TPE (Optuna 3.1's algorithm as a pure function of the history, see
// search/internal/tpe; goptuna's draws from math/rand's global generator), motpe, nsga2, random
// and Sobol are deterministic in this sense; CMA-ES keeps
// goptuna's in-process optimizer state and is reproducible only for uninterrupted runs.
//
// # Samplers and pruners
//
// Samplers (search/sampler.Builtin): tpe (search/internal/tpe, Optuna 3.1's; multivariate: joint
// estimators), cmaes (goptuna's), random, sobol (goptuna's engine, advanced to the point's
// ordinal), motpe and nsga2 (pure functions of the stored history and the point's seed, so
// deterministic under resume); an unknown kind is an error. Pruners (BuiltinPruners, a registry
// of PrunerKind in the sampler registry's shape): median and percentile (goptuna's
// medianstopping), successive_halving (successiveHalving here: Optuna's algorithm; goptuna
// v0.9.0's version re-enters its last completed rung and prunes a trial against its own earlier
// value), none. Both registries declare their options as space.Option, so the space parser
// checks study.sampler and study.pruner through the interface it declares (space.Registry,
// given by Registries) without importing this package.
// goptuna's default logger, which prints colour debug lines on stdout, is replaced by one that
// forwards warnings and errors as EventWarning.
// Samplers and pruners read the study through a caching view of the store (cachedTrials,
// trialcache.go): the trials read finished, which no write changes, are kept, and each read
// fetches only the trials from the first one not known finished (store.TrialsFrom), so a point's
// cost does not grow with the study's stored trials; every answer is the store's own.
//
// # Several objectives
//
// Every trial stores its objective vector (record.KeyObjectives, in the order of the declared
// goals: the quality reported at each epoch and finally, the cost model's costs, the measured
// latency) and its constraint values (record.KeyConstraints: each budget limit as figure/limit − 1,
// NaN until measured, then the constraints a trial command reports; ≤ 0 feasible). The
// multi-objective samplers motpe (search/internal/motpe) and nsga2 (search/internal/nsga2), and
// tpe with multivariate: true, read them through sampler.History, so the budget is learned by the
// sampler as constraint values instead of through the penalised score alone. With several goals
// declared (objective.maximize/minimize), successive_halving becomes paretoHalving: at each rung a
// trial's intermediate vector competes with those other trials recorded there by
// non-domination rank (search/internal/mohalving states the rule).
//
// Trials rejected before training (cost model or structural rules, record.KeyRejected) cost no
// training: the first study.trials of them do not count towards study.trials and every one
// beyond does, so a study trains the requested number of trials unless its sampler keeps
// proposing infeasible points, and never creates more than twice that number of trials.
//
// # Interruption and recovery
//
// When the context is cancelled, no new trial starts; running trials stop at their next training
// step and are recorded FAIL with record.SysRetry set. On the next Run, the store fails the
// RUNNING trials left by a dead process as stale and, in the same transaction, enqueues a retry
// of each (RecoverStale: WAITING, with its parameters, seed and ordinal), then enqueues a retry
// of every other retriable FAIL trial that has none (Requeue: the interrupted ones); workers
// claim those first (PopWaitingTrial), and a retry that dies is retried again, so the study
// reaches its requested number of finished points (COMPLETE, PRUNED and FAIL from the point's
// own error), each once. In a shared study a turn taken for a waiting retry never starts a new
// point. The retry mechanism is the store's alone (see package store).
//
// # The start point
//
// With study.enqueue_default the run that creates the study enqueues the space's start point
// (each parameter's declared default, else its central value) as a WAITING trial with fixed
// parameters (enqueue.go), so it is the first trial claimed; in a shared store exactly one
// process creates the study. A study of one process also enqueues it when it has no trial yet
// (its creator stopped in between); a resumed study never enqueues it again.
//
// # Task kinds
//
// How a study's points are evaluated is its task kind (kind.go), looked up in a Kinds registry
// (BuiltinKinds, or Options.Kinds) by the space file's task.kind: builtinKind (kind_builtin.go)
// trains transformer points with package trainer, commandKind (command.go) runs the user's
// command, supernetKind (kind_supernet.go) takes the studies of the weight-sharing strategy and
// drives their phases (Run). A kind checks its section of the space and builds its trainer (Prepare), evaluates
// one trial (Evaluate) and scores its steps (Step), says how reports show its figures
// (record.Figures, stored in the study's record.StudyInfo) and what else it needs (Open and
// Sweep: the command kind's process-marking token and orphan cleanup). A new kind is one file
// declaring a TaskKind and one registration line.
//
// # Trial commands
//
// A space of task kind command is evaluated by commandTrainer (command.go), which runs the
// user's program through package trainer/command: no data is loaded and no cost model applies.
// The point is stored as record.KeyPoint (typed as the command receives it, in file order); each
// progress line is a Report step whose finite values fill the history and whose first goal (the
// first maximised value, else the first minimised one negated) is the pruner's intermediate
// value; every result value is stored under its name (names the search stores itself are
// refused, record.Reserved); a constraint value > 0 makes the trial infeasible, scored below
// -1e300 (commandScore). A failure keeps the command's log and stderr tail. Every study of a
// command gets a random token (SysCommandToken) that, with the trial number, marks its commands'
// processes: when Run recovers the stale trials of a killed run, it kills what their commands
// left running on this machine (command.KillMarked).
package search
