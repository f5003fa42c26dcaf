// Package bolt is a crash-safe goptuna.Storage on a single bbolt file: the store.DB of a plain
// path or a file:// URL (OpenURL), for a study run by one process at a time.
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
// So that a reader need not wait for the next snapshot (a copy of the whole file, which a large
// store makes rare: the interval stretches to twenty times the copy's time), the writer also
// keeps a change feed, PATH.feed (FeedPath): after every commit it appends one frame holding
// the transaction's ID and every trial record the transaction wrote, as committed; a frame is
// length-prefixed and CRC-32C-checked. The feed belongs to one snapshot: its header names the
// ID of the read transaction the snapshot copied, and a new snapshot starts a new feed (written
// aside and renamed, with the frames committed after the copy's transaction). It is never
// fsynced — it only serves live readers — and Close removes it with the snapshot; a writer's
// Open removes one a crashed writer left. A read-only Store on the snapshot applies the frames
// that follow the snapshot's transaction without a gap (bbolt numbers its write transactions
// one by one), stopping at the first missing, torn (incomplete or failing its checksum) or
// barrier frame: a transaction that wrote more than trial records (a study, its attributes, a
// deletion, an import) is a barrier, after which readers wait for the next snapshot; the
// study's digest (record.SysDigest) is the exception: readers keep the snapshot's, which stays
// true as trials finish. So every
// read sees the state of one committed transaction: the trial reads (GetAllTrials, TrialsFrom,
// ScanTrials, TrialByNumber, GetTrial and the other reads of one trial) the records of the last
// frame applied, everything else the snapshot's, which no applied frame changed — except the
// figures derived from trials (GetAllStudySummaries' best trial, CountTrials, GetBestTrial,
// RunningTrials, StaleTrials), which are the snapshot's. SnapshotTime is then the commit time of
// the last frame applied.
//
// A study's blobs (store.Blobs: the supernet checkpoint, tens of MB) are files beside the store,
// BlobPath (PATH.NAME-STUDYID.blob), written aside, synced and renamed over the old one, with
// their SHA-256; kept out of the file so that it neither grows by them nor copies them into
// every snapshot. DeleteStudy removes them. CreateTrialIf (store.Turns) counts and creates in
// one read-write transaction, which bbolt runs one at a time.
//
// # Retries: one mechanism, owned by the store
//
// What is tried again, and when, is decided here and nowhere else; every call below is one
// transaction, so concurrent callers (workers of one process, or with a shared storage processes
// on several machines) never recover, requeue or claim a trial twice:
//
//   - RecoverStale fails (record.SysFailReason = record.ReasonStale) each RUNNING trial whose
//     heartbeat is older than a grace period (0: every RUNNING trial, right when the caller holds
//     the store exclusively, as a bbolt writer does: every RUNNING trial then belongs to a dead
//     process) and, in the same transaction, enqueues a WAITING retry of each, carrying goptuna's
//     "fixed_params" (its point), record.SysRetryOf = its number, and its seed and ordinal. A
//     crash at any instant stores both halves or neither; a retry that dies is retried again,
//     however many times, so a point is tried until it finishes.
//   - Requeue enqueues such a retry of every other FAIL trial record.Retried says is to be tried
//     again (interrupted: record.SysRetry; stale trials of files written by older builds, whose
//     recovery was two transactions) that no trial retries yet.
//   - PopWaitingTrial claims the lowest-numbered WAITING trial (WAITING→RUNNING).
//
// search.Run calls RecoverStale and Requeue when it starts and PopWaitingTrial before every new
// trial. Options.RecoverOnOpen makes a writer's Open do RecoverStale and Requeue for every study
// (RecoveredAtOpen tells what it did), for goptuna callers without their own start-up step.
// Heartbeat refreshes a RUNNING trial's heartbeat (a worker that wakes up after being failed as
// stale gets ErrTrialCannotBeUpdated); StaleTrials and RunningTrials list RUNNING trials with
// their heartbeats without changing anything; RecoveredTrials lists the trials failed as stale.
//
// # Contract
//
// The interfaces this package implements (store.DB, the capabilities store.Shared — false here,
// store.Exporter and store.Importer) are those of package store, and every check of
// store/storetest runs against it (conformance_test.go).
//
// # Schema versions
//
// Schema 2 (this build) stores StudyInfo with snake_case JSON names and a version
// (record.StudyInfo); schema 1 spelt the objective and budget with Go field names. A read-only
// Open reads schema 1 as is; a writer's Open upgrades it in one transaction before anything
// else; Import accepts schema-1 exports.
//
// # Damaged files
//
// bbolt trusts its meta pages and maps the file: on a truncated file it dies of SIGBUS, on
// overwritten pages it panics. Before bbolt sees a file, Open reads both meta pages itself
// (magic, version, checksum, page size) and checks that every page the valid meta page of the
// latest transaction counts lies inside the file; bbolt's open, the schema check and every
// transaction also run with panics and memory faults turned into errors. A damaged or foreign
// file gives ErrNotStore (the CLI exits with code 2) and is never written to.
//
// # File format
//
// Bucket "meta" holds the format name and the schema version; "studies" holds
// one nested bucket per study (info, user and system attributes, trials by
// number); "study_names" maps names to IDs and "trial_index" maps trial IDs
// to (study ID, number). A trial is one binary record (floats as their IEEE
// bits, so NaN and ±Inf round-trip exactly); distributions are goptuna's own
// JSON. Export writes a study as JSON Lines, Import reads it back.
package bolt
