// Package sampler is the registry of sampler kinds: for each kind its name, the options a space
// file may give it (with their validation, read by the space parser), whether it samples several
// parameters jointly, and the constructor of its algorithm (used by search). A new sampler is one
// new file declaring a Kind and one registration line in Builtin. Auto, the default of space
// files, has no algorithm of its own: it picks one of the others per study (Choose).
//
// The algorithms here never choose their own randomness: search passes every draw the seed of the
// point (derived from the study seed, the point's ordinal and the parameter name) and the point's
// ordinal, and a view of the study without FAIL trials, so that a resumed study draws what an
// uninterrupted one would. The registry is a value built by Builtin and passed around; there is no
// package-level state.
package sampler
