// Package predict holds a fitted cost predictor (a latency model): its file format, the feature
// names it may use and its evaluation, a pure function of a feature vector. The predictor is a
// small multi-layer perceptron over standardised inputs (ReLU hidden layers, linear output)
// with a linear model kept beside it as the baseline; package fit produces it, the space file's
// costs section loads it, and package objective evaluates it for every point before training.
//
// A file is JSON:
//
//	{"version": 1, "target": "latency_ms_mean", "features": ["d_model", …],
//	 "mean": […], "std": […],                 (input standardisation, one per feature)
//	 "log_target": true, "target_mean": m, "target_std": s,
//	 "layers": [{"w": [[…], …], "b": […]}, …], (MLP: out × in weights; ReLU between layers)
//	 "linear": {"w": […], "b": b}}             (baseline on the standardised inputs, raw target)
//
// The MLP predicts z; the figure is m + s·z, exponentiated when log_target is set.
package predict
