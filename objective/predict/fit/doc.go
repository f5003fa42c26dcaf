// Package fit fits a cost predictor (predict.Model) on a numeric CSV table: a small multi-layer
// perceptron in pure Go (standardised inputs, a standardised logarithm of a positive target,
// ReLU hidden layers, mini-batch Adam with decoupled weight decay, every random choice from one
// seed, single-threaded and so deterministic) and a linear model fitted by least squares of the
// relative error as its baseline, and measures both on held-out
// rows (RMSE and MAPE). Any numeric columns can be features, so data measured by other tools
// can be used; the default features are those `attnsearch latency measure` writes.
package fit
