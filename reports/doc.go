// Package reports reads stored trials and renders them: the Pareto front of quality against cost
// as a table (tablewriter), Markdown, CSV or JSON, the per-trial detail with its epoch curve, and
// plots (the P-vs-cost scatter with the front and the budget line, and the best score over
// trials). It never trains or samples.
//
// # Trial record schema
//
// This package also owns the schema of what a trial stores, because both the search (which writes
// it) and the reports (which read it) must agree and reports may not import search. Every figure
// is a goptuna trial user attribute holding a decimal string (strconv 'g' format, exact float64
// round trip); the keys are the Key* constants of schema.go. Bookkeeping that only the search
// needs (the trial's seed, its sampling ordinal, retries) are system attributes, the Sys*
// constants. A study's settings (objective, budget, target count, space file) are stored once as
// the JSON of StudyInfo in the study system attribute SysStudyInfo, so a report needs only the
// store file.
//
// States keep goptuna's meaning: COMPLETE (trained to the end, or rejected as infeasible before
// training, with KeyFeasible "false" and the reasons in KeyInfeasible), PRUNED (stopped by the
// pruner after KeyPrunedEpoch epochs), FAIL (KeyError holds the error; SysRetry marks an
// interrupted or stale trial whose point is tried again by a later trial carrying SysRetryOf),
// RUNNING and WAITING.
package reports
