// Package cputime reads the CPU time the whole process has used, for benchmarks that report CPU
// seconds next to wall seconds.
package cputime
