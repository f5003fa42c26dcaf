// Package record owns what a trial and a study store about themselves: every attribute key,
// the study's settings (StudyInfo, with explicit JSON names and a version), the per-epoch history,
// the config text codec and Decode, which turns a stored trial into a Trial. The search writes
// the record and the reports read it; neither imports the other, both import this package.
//
// Every figure is a goptuna trial user attribute holding a decimal string (strconv 'g' format,
// exact float64 round trip, so NaN and ±Inf survive); the keys are the Key* constants. Bookkeeping
// that only the search and the store need (the trial's seed, its sampling ordinal, retries, the
// store's stale-trial recovery) are system attributes, the Sys* constants. A study's settings
// (objective, budget, target count, space file) are stored once as the JSON of StudyInfo in the
// study system attribute SysStudyInfo, so a report needs only the store.
//
// States keep goptuna's meaning: COMPLETE (trained to the end, or rejected as infeasible before
// training, with KeyFeasible "false" and the reasons in KeyInfeasible), PRUNED (stopped by the
// pruner after KeyPrunedEpoch epochs), FAIL (KeyError holds the error; SysRetry marks an
// interrupted trial and SysFailReason = ReasonStale a trial whose worker died: the store enqueues
// its point again as a WAITING trial carrying SysRetryOf), RUNNING and WAITING.
//
// # Versions
//
// StudyInfo version 1 (schema-1 stores) had no version field and spelt the objective and budget
// with Go field names ("MaxParams"); ParseStudyInfo reads both, Encode writes version 2. Two
// fields came later without a new version, both absent in older studies: Figures (how reports show
// the trials, said by the study's task kind; StudyInfo.Shown gives an older study's) and
// SeedScheme (how the study's seeds descend from its seed; an older study keeps
// SeedSchemeFirst, so it resumes with its seeds).
package record
