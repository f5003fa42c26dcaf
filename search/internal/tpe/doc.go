// Package tpe is the tree-structured Parzen estimator as Optuna 3.1's TPESampler runs it, written
// as a pure function of a study's history (search/internal/observe) and the point's seed:
//
//   - Mixture is Optuna 3.1's _ParzenEstimator: one component per good (or bad) observation plus a
//     prior, Gaussian kernels truncated to each parameter's range and normalised per component
//     (grid parameters as the probability of their cell, log parameters in log space),
//     categorical kernels with a prior share on every choice; hyperopt's neighbour bandwidths when
//     independent, Scott-style bandwidths (DefaultBandwidth) with joint product kernels when
//     multivariate.
//   - PointSampler splits the finished trials (SplitSingle: by value, complete before pruned by
//     step, feasible before infeasible; motpe supplies a multi-objective split), fits l(x) and
//     g(x), draws candidates from l and keeps the one maximising l/g. Independent sampling uses
//     one estimator and one random stream per parameter (seeded by the point's seed and the
//     parameter's name), multivariate one joint estimator.
//   - Random and SampleRandom draw uniformly (log-uniformly for log parameters) from a given
//     generator; SampleRandom follows goptuna v0.9.0's RandomSampler with the categorical draw
//     taken from that generator instead of math/rand's global one.
//
// Until this package replaced it, attnsearch ran a fork of goptuna v0.9.0's TPE, whose
// gmmLogPDF uses the signed distance (x − μ)/σ² where the Gaussian exponent needs ((x − μ)/σ)²,
// so its continuous kernels were not Gaussians; samplerbench (this package's sibling) measures
// the replacement against Optuna 3.1 itself.
//
// SampleRandom is derived from goptuna (Copyright (c) 2019-2021 Masashi Shibata), used under the
// MIT License: Permission is hereby granted, free of charge, to any person obtaining a copy of
// this software and associated documentation files (the "Software"), to deal in the Software
// without restriction, including without limitation the rights to use, copy, modify, merge,
// publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to
// whom the Software is furnished to do so, subject to the following conditions: The above
// copyright notice and this permission notice shall be included in all copies or substantial
// portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
// EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR
// A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
// LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
// OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
// IN THE SOFTWARE.
package tpe
