// Command cmd writes a generated study (package storegen) into a store, for the read
// benchmarks of docs/reads.md:
//
//	go run ./store/storegen/cmd -db gen.db -trials 100000 -goals 2 -seed 1
//	go run ./store/storegen/cmd -db 'postgres://…' -trials 100000 -goals 3
//
// A path opens (creating) a bbolt file; a postgres:// URL a PostgreSQL database. The study's
// digest (record.Digest) is written after the trials, as attnsearch run keeps one; -digest-only
// writes only that, into a store generated before.
package main
