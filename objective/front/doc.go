// Package front is the arithmetic of Pareto fronts, every objective minimised: Pareto and
// constrained domination, non-domination ranks, crowding distance, exact hypervolume and
// hypervolume contributions, greedy hypervolume subset selection. It is a leaf (math and sort
// only) so that the samplers, the pruners, the objective and the reports can all use it.
//
// Ranks is the fast non-dominated sort (Deb et al. 2002: rank 0 is the Pareto front);
// ConstrainedRanks sorts under constrained domination (ConstrainedDominates: a feasible point
// beats an infeasible one, of two infeasible points the smaller total violation wins, feasible
// points compare by Pareto domination), with TotalViolation = Σ max(0, c_i) over constraint values
// c (≤ 0 feasible; an unknown, NaN, value adds nothing). Crowding is NSGA-II's crowding distance.
// HypervolumeMin is exact in any dimension (a sweep in 2-D, slicing along the last component
// above), Contributions the exclusive hypervolume of each point, SelectByHypervolume the greedy
// hypervolume subset selection of multi-objective TPE.
package front
