// Package nsga2 is NSGA-II (Deb, Pratap, Agarwal and Meyarivan, "A fast and elitist
// multiobjective genetic algorithm: NSGA-II", IEEE TEVC 2002) with constrained domination, as a
// pure function of the study's history.
//
// Generations are fixed by ordinal: the point of ordinal i belongs to generation
// g = i / Population. Generation 0 is drawn at random. The parents of generation g are the
// Population best of (parents of g−1) ∪ (finished trials of generation g−1), ranked by constrained
// non-domination (front.ConstrainedRanks: feasible before infeasible, infeasible by total
// violation) and, within the last rank that does not fit whole, by decreasing crowding distance
// (ties to the earlier ordinal). Recomputing this from the stored history instead of keeping it in
// memory is what makes a resumed study propose the same points.
//
// A child takes two parents by binary tournaments (lower rank wins, then larger crowding distance,
// then a coin), crosses them with probability CrossoverProb and mutates each parameter with
// probability MutationProb. Numerical parameters cross by simulated binary crossover (SBX, η_c)
// and mutate by polynomial mutation (η_m), both in the parameter's own scale: the log for log
// parameters, the grid for integer and stepped ones (the child is snapped to the grid); categorical
// parameters cross uniformly and mutate to a uniformly drawn choice.
package nsga2
