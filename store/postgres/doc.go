// Package postgres is a goptuna.Storage on PostgreSQL, for studies shared by many worker processes
// on many machines. The embedded bbolt store (package store) stays the default for one machine:
// bbolt's writer holds an exclusive file lock, so only one process can write a study there.
//
// It is written on github.com/jackc/pgx/v5 with a bounded pgxpool connection pool. goptuna's own
// RDB storage numbers trials with a COUNT under a row lock, has no heartbeats, no index on a
// trial's study and re-reads every trial on every GetAllTrials; this store does better on each.
//
// # Schema
//
// Open creates the tables (all named attnsearch_*) in an empty database, or upgrades an older
// schema, in one transaction under an advisory lock, so that workers starting together do it
// once; attnsearch_meta records the format and the schema version, and a database of a newer
// version is refused with store.ErrSchema (a read-only open reads an older one as it is). Names, keys and attribute values are bytea (text
// refuses NUL bytes); times are nanoseconds since the Unix epoch; floats are float8 sent in
// binary, so every bit pattern (NaN payloads, ±Inf, -0) round-trips.
//
// # Concurrency
//
//   - Trial numbers come from a per-study counter (UPDATE … RETURNING in the statement that
//     inserts the trial), so they are unique and dense under any concurrency.
//   - Every write to a trial is one statement (or one transaction) that matches only an
//     unfinished trial: a finished trial gives goptuna.ErrTrialCannotBeUpdated, unwrapped, as
//     goptuna compares it with ==; so does setting the state a trial already has, and
//     RUNNING→WAITING. WAITING→RUNNING therefore succeeds for exactly one caller.
//   - PopWaitingTrial claims the lowest-numbered WAITING trial with SELECT … FOR UPDATE SKIP
//     LOCKED, so concurrent workers on any machine each take a different one without waiting.
//   - A RUNNING trial carries a heartbeat (Heartbeat). RecoverStale fails the trials whose
//     heartbeat is older than a grace period while other workers go on: it locks the stale rows
//     (SKIP LOCKED), so each is recovered by exactly one caller, and the dead worker's late
//     writes, should it wake up, are refused. Requeue then enqueues a retry of each failed point
//     once, under a lock on the study's row. Times come from the server's clock unless
//     Options.Clock is set, so machines whose clocks disagree still agree on staleness.
//   - CreateTrialIf (store.Turns) locks the study's row FOR NO KEY UPDATE, counts its trials in
//     one aggregate statement and inserts the new trial before the commit releases the row, so
//     workers of many processes deciding at once never create more trials than the count allows.
//   - Blobs (store.Blobs: the supernet checkpoint) live in attnsearch_blobs (schema 2), one
//     row per study and name, replaced in one statement with their SHA-256; LockStudy
//     (store.StudyLocker) is a session advisory lock on a connection taken out of the pool.
//   - GetAllTrials reads only the trials changed since this Store's previous call for the study
//     (each write stores its transaction ID in the trial row; a read remembers the oldest
//     transaction still running at its snapshot), so a sampler's per-trial cost does not include
//     re-reading a 10⁴-trial history.
//
// # Failures
//
// Opening fails fast: a server that refuses connections, a host that does not resolve, or one
// that does not answer ends Open within Options.ConnectTimeout (else the URL's connect_timeout,
// else DefaultConnectTimeout) with ErrUnavailable. Once open, a call that loses its connection, or finds the server shutting down or starting, is retried
// with exponential backoff (50 ms doubling to 2 s) for Options.RetryFor (DefaultRetryFor), then
// fails with ErrUnavailable. Reads are always retried. A write whose answer was lost may have been
// applied, so it is retried only where that is safe: writes of values and attributes are
// idempotent; creating or claiming a trial stores a random request token that the retry looks for
// first; a state change or intermediate value found already in place counts as done.
//
// The pool holds at most Options.MaxConns connections (or the URL's pool_max_conns, else
// DefaultMaxConns); calls beyond that wait for a free connection.
package postgres
