// Package storetest is the conformance suite every trial storage must pass before search uses it:
// goptuna parity with its InMemoryStorage, the compare-and-set rules of trial states, deep copies
// of returned values, study bookkeeping, heartbeats, and the retry mechanism (stale recovery that
// enqueues each dead trial's retry in the same transaction, also when a crash is injected between
// the two halves, retry chains of any length, requeue and the claiming of waiting trials, each
// exactly once under concurrent callers); then every optional capability the storage declares
// (store.Shared against whether it admits a second writer, store.Exporter and store.Importer).
//
// A storage's own tests call Run with a Backend that opens a fresh, empty storage and a second
// handle on an open one:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Backend{Open: …, Again: …})
//	}
package storetest
