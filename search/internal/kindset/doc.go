// Package kindset is the part every registry of kinds in search shares (the sampler kinds of
// search/sampler, the pruner kinds of search): kinds by name in registration order, and the check
// of the options a space file gives a kind against the options it declares.
package kindset
