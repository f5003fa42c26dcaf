// Package mohalving is multi-objective successive halving: asynchronous successive halving (ASHA,
// as Optuna's SuccessiveHalvingPruner) with the scalar comparison replaced by non-domination rank.
//
// The rule, precisely. Rungs are the steps k_r = min_resource · η^(s + r), r = 0, 1, … (s: the
// minimum early-stopping rate). When a trial reports step k_r it records its intermediate objective
// vector there (every component minimised; a component that is not known at that step is NaN).
// Its competitors are all other trials that recorded a vector at rung r, whatever their state now.
// Among the n = competitors + 1 vectors, using only the components known (not NaN) in all of them:
//
//  1. order them by constrained non-domination rank (front.ConstrainedRanks: feasible before
//     infeasible, then Pareto rank), then by decreasing crowding distance within the rank
//     (front.Crowding), then by increasing ordinal;
//  2. the trial continues if it is on the first rank (no competitor dominates it) or among the first
//     max(1, ⌊n/η⌋) of that order; otherwise it is pruned.
//
// So a non-dominated trial is never pruned, and of the dominated ones only those in the best 1/η
// of the rung survive: with one objective this is ASHA (the best 1/η continue; the single best
// always does).
package mohalving
