// Package store is a crash-safe goptuna.Storage on a single bbolt file.
//
// # Durability and state rules
//
// Every write method is one bbolt read-write transaction, fsynced before it
// returns (unless Options.NoSync is set, which is meant for tests and
// benchmarks only). A lone writer commits at once; writes that arrive while
// another is in flight join bbolt's Batch, so concurrent workers share commits
// (group commit) without any call returning before its own change is durable. Trial state changes are compare-and-set inside that
// transaction:
//
//   - a finished trial (COMPLETE, PRUNED, FAIL) cannot be changed: every write
//     to it returns goptuna.ErrTrialCannotBeUpdated, unwrapped, because goptuna
//     compares that error with ==;
//   - setting a trial to the state it already has returns
//     goptuna.ErrTrialCannotBeUpdated, so WAITING→RUNNING succeeds for exactly
//     one caller. goptuna v0.9.0's Study.runTrial pops enqueued trials with
//     GetAllTrials followed by SetTrialState(id, RUNNING) and skips the trial
//     on ErrTrialCannotBeUpdated, so with this store each enqueued trial is
//     taken by exactly one worker (with InMemoryStorage two workers can take
//     the same one). PopWaitingTrial does the same claim in one transaction;
//   - RUNNING→WAITING is refused (ErrTrialCannotBeUpdated);
//   - a duplicate intermediate step is rejected with ErrDuplicateStep;
//   - everything returned is a deep copy.
//
// Trial IDs are unique in the file (several studies per file) and start at 1;
// trial numbers count from 0 within a study, in creation order.
//
// # Files next to the store
//
// bbolt locks the file with flock(2): a read-write open takes LOCK_EX, a
// read-only open LOCK_SH, both retried every 50 ms until Options.Timeout (bbolt
// waits forever when it is 0). flock belongs to the open file description, so
// a second Open of the same file blocks even inside one process.
//
// A writer holds bbolt's exclusive flock on PATH for as long as it is open and
// records its pid, host and start time in PATH.lock-info. A second writer
// waits up to Options.LockTimeout and then fails with ErrLocked, naming the
// recorded pid. bbolt's read-only open takes a shared flock, which blocks
// against the writer's exclusive one, so a report cannot open a live study's
// file directly. Instead the writer keeps PATH.snapshot, a consistent copy
// written with bbolt's Tx.WriteTo (to a temporary file, then renamed) at most
// once per Options.SnapshotInterval after a write, and removes it on Close. A
// read-only Open tries PATH for a short while and, if a writer holds it,
// opens the snapshot; SnapshotTime then says how old the view is.
//
// # Resuming a study
//
// The writer holds an exclusive lock on the file, so when Open succeeds no other
// writer is alive and every RUNNING trial in the file belongs to a dead process.
// A run resumes by calling, before it starts its workers,
//
//	failed, err := s.RecoverStale(studyID, 0)
//
// (RecoverStaleAndRequeue also enqueues their parameters again), or lets Open do
// it with Options.RecoverOnOpen: then, in one transaction per study, each RUNNING
// trial becomes FAIL with record.SysFailReason = record.ReasonStale and its parameters are
// enqueued again as a WAITING trial (goptuna's "fixed_params" system attribute
// and record.SysRetryOf = its number), so the study still gets its N trials and
// goptuna's Study.Optimize (or PopWaitingTrial) takes the requeued trials first.
// A requeued trial whose worker dies again is failed but not requeued a second
// time (record.SysNotRequeued says why), so parameters that kill the process (say, out
// of memory) cannot make every restart die. RecoveredAtOpen tells the caller
// what Open did, for its log. Open does not recover by default because a caller
// with its own retry bookkeeping (attnsearch's search package requeues with the
// trial's seed and ordinal) would otherwise requeue twice. No separate recovery
// command is needed either way.
//
// # Heartbeats and stale trials
//
// A RUNNING trial carries a heartbeat time, set when it starts and refreshed
// by Heartbeat (call it from the worker, e.g. once per epoch). Within one live
// process a grace period (say 10× the epoch time) finds workers that hung; if
// such a worker wakes up later, its writes get ErrTrialCannotBeUpdated. RecoverStale marks RUNNING trials whose heartbeat is older
// than a grace period FAIL with the system attribute record.SysFailReason set to
// record.ReasonStale; RecoverStaleAndRequeue does that and enqueues their
// parameters again in the same transaction, so a crash can never lose the
// re-enqueue. StaleTrials lists, without changing anything, RUNNING trials
// whose heartbeat is old; RecoveredTrials lists the trials failed as stale.
//
// # File format
//
// Bucket "meta" holds the format name and the schema version; "studies" holds
// one nested bucket per study (info, user and system attributes, trials by
// number); "study_names" maps names to IDs and "trial_index" maps trial IDs
// to (study ID, number). A trial is one binary record (floats as their IEEE
// bits, so NaN and ±Inf round-trip exactly); distributions are goptuna's own
// JSON. Export writes a study as JSON Lines, Import reads it back.
package store
