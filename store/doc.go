// Package store is the storage contract of attnsearch: what a trial storage must do, what a
// consumer may ask of one, and the helpers every back end shares. Back ends are packages below
// it: store/bolt (one bbolt file, one process at a time) and store/postgres (one database, many
// processes on many machines); store/storetest is the conformance suite each passes.
//
// # The contract
//
//   - TrialStorage: goptuna.Storage plus heartbeats and the one retry mechanism, each call
//     atomic across processes: RecoverStale fails the dead trials and, in the same transaction,
//     enqueues a WAITING retry of each (its point, seed and ordinal: RetryAttrs), so a crash at
//     any instant stores both halves or neither, and a retry that dies is retried again; Requeue
//     enqueues what is left (interrupted trials, older stores' stale ones); PopWaitingTrial
//     claims a waiting trial exactly once. search.Run needs nothing more.
//   - DB: a TrialStorage with RunningTrials, RecoveredTrials, Location, SnapshotTime and Close:
//     what an Opener returns and what the commands use.
//   - Errors every back end returns for the same conditions (ErrStudyExists, ErrNotStore, …).
//
// # Capabilities
//
// A consumer asks for more through these interfaces, by type assertion, never through a back
// end's concrete type; storetest checks each one a back end declares:
//
//   - Shared (IsShared): several processes write the store at once, so a RUNNING trial may
//     belong to a live worker and recovery needs a grace period. storetest fails a back end that
//     admits a second writer without declaring it.
//   - Exporter and Importer: a study as JSON Lines in the export format (ExportStudy,
//     ExportTrial, ParseExport), the same for every back end (attnsearch migrate).
//   - TrialScanner and TrialFinder (reads.go): a study's trials streamed one at a time, each
//     projected to what the reader renders (Projection), and one trial read by its number, so
//     that reading a large study costs what the question needs; StudyLister, the study names
//     without a look at their trials. ScanTrials, TrialByNumber and StudyNames fall back on
//     GetAllTrials and GetAllStudySummaries for a storage without them. TrialTailReader, a
//     study's trials from a number on (TrialsFrom): a reader that keeps the finished trials it
//     has read (they never change) reads only the rest; search does, at every point.
//
// # Opening by URL
//
// Schemes maps URL schemes to Openers. It starts empty; the program registers one line per
// scheme (for attnsearch, cmd/attnsearch/storages.go), and a scheme registered twice panics.
//
// # Tests of crash safety
//
// Hooks are failure-injection points every back end takes in its options; storetest uses
// Hooks.InRecovery to crash recovery between its two halves.
package store
