// Package latency builds the data a latency predictor is fitted on: it samples architectures of a
// space with a space-filling design (a Sobol sequence over the searched architecture parameters,
// d_model, heads, kv_heads, enc_layers, dec_layers and d_ff; the other parameters keep their
// defaults), keeps the points within the space's analytic budget, builds each with random weights
// and measures its inference latency on this machine as trials measure it
// (trainer.MeasureLatency: the space's validation sentences, latency_sentences of them, batch 1,
// greedy), several repetitions each. Each point is one CSV row: its Sobol index, its features
// (objective.FeatureNames), the threads and repetitions, latency_ms_mean and latency_ms_std. A run
// appends to an existing file and skips the indices already in it, so an interrupted run resumes.
package latency
