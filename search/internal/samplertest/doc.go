// Package samplertest holds what the samplers' cost benchmarks share: the architecture-like space
// they draw from and the timing of one point after a history of N trials, in CPU time (on a
// shared machine the wall time per point counts other processes' turns, the CPU time does not).
package samplertest
