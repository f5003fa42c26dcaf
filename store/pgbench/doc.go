// Package pgbench measures the PostgreSQL store against the bbolt store and against goptuna's
// RDB storage (gorm) on the same PostgreSQL server: trial write cycles per second with 1, 4, 16
// and 64 concurrent workers, and the sampler's overhead per trial in studies of 1,000 and 10,000
// trials (TPE reading the history).
//
// It is a separate module so that the main module (and CI) needs no gorm:
//
//	cd store/pgbench && go test -run '^$' -bench . -benchtime 200x -timeout 60m
//
// The benchmarks start a throwaway PostgreSQL 15 with fsync on (bbolt fsyncs too), or use the
// server of ATTNSEARCH_TEST_PG.
package pgbench
