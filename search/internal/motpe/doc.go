// Package motpe is multi-objective TPE (Ozaki et al., "Multiobjective tree-structured Parzen
// estimator for computationally expensive optimization problems", GECCO 2020, and the JAIR 2022
// version) as Optuna 3.1's TPESampler runs it with several objectives: the finished trials split
// into a good group of gamma(n) trials, taken rank by rank in non-domination order, the last rank
// that does not fit whole thinned by greedy hypervolume subset selection; the good observations
// are weighted by their hypervolume contributions; l(x)/g(x) is maximised over candidates drawn
// from l as in single-objective TPE (package tpe, whose estimator and sampler it reuses), with
// multivariate kernels twice as wide as tpe's (MixtureParams: the good group spans the front).
//
// Constraints follow Optuna's semantics: feasible trials (every constraint value ≤ 0) fill the
// good group first; when there are fewer than gamma(n), infeasible trials follow by increasing
// total violation and get a negligible weight. Pruned trials (their objective vector is an
// intermediate one) always go to the bad group.
package motpe
