// Package objective holds the pure functions that judge a point: the exact cost model of the
// encoder–decoder Transformer, the budget constraints, the score the sampler maximises, the
// Pareto front and its hypervolume. It does no I/O and knows neither goptuna nor gorgonia.
package objective
