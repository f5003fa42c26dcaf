// Package tpe is goptuna v0.9.0's Tree-structured Parzen Estimator sampler
// (github.com/c-bata/goptuna/tpe), forked so that every random draw comes from the sampler's own
// seeded generator: upstream draws mixture components, categorical candidates and its start-up
// random categorical values from math/rand's process-global generator, which makes a seeded
// study irreproducible. Changes from upstream: argMaxMultinomial, multinomial and SampleRandom
// (random.go) take the sampler's *rand.Rand; the start-up random sampler is SampleRandom. The
// algorithm is otherwise unchanged.
//
// Copyright (c) 2019-2021 Masashi Shibata. Used under the MIT License:
//
// Permission is hereby granted, free of charge, to any person obtaining a copy of this software
// and associated documentation files (the "Software"), to deal in the Software without
// restriction, including without limitation the rights to use, copy, modify, merge, publish,
// distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
// Software is furnished to do so, subject to the following conditions: The above copyright notice
// and this permission notice shall be included in all copies or substantial portions of the
// Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
// INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
// PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR
// ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
// ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
// SOFTWARE.
package tpe
