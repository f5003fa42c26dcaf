// Package storetest is the conformance suite every trial storage must pass before search uses it:
// goptuna parity with its InMemoryStorage, the compare-and-set rules of trial states, deep copies
// of returned values, study bookkeeping, heartbeats, and the retry mechanism (stale recovery,
// requeue and the claiming of waiting trials, each exactly once under concurrent callers).
//
// A storage's own tests call Run with a function that opens a fresh, empty storage:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.DB { … })
//	}
package storetest
