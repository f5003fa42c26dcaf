// Package storegen generates large studies for the read benchmarks and the tests that compare
// read paths: a study of a trial command (task kind command) with two or three minimised goals,
// a cost constraint, and per trial what a command's trial stores (its point, the figures, the
// objective and constraint vectors, a per-epoch history, intermediate values, log lines), with
// pruned, failed, infeasible, stale (a dead worker's) and retried trials among them; none is
// running, so that a generated study reads the same at any time. Everything is drawn from the
// seed and the trial number, so the same options give the same study on every back end. It
// writes the study in the export format (store.ExportStudy, store.ExportTrial) and loads it
// through store.Importer.
package storegen
