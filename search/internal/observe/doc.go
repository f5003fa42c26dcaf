// Package observe is what the samplers of search/internal see of a study: the past trials'
// points, objective vectors and constraint values as plain values, the search space, and the
// seed derivation that makes every draw a pure function of (study seed, point ordinal, name).
// It knows goptuna's distribution types but no storage: search builds the trials from stored
// attributes, the benchmark harness from in-process evaluations.
package observe
