// Package pgtest gives tests a PostgreSQL server: the one named by ATTNSEARCH_TEST_PG, or a
// throwaway PostgreSQL 15 started from /usr/lib/postgresql/15/bin in a temporary directory.
//
// Each test gets a fresh database of its own (NewDatabase), dropped when the test ends. A test
// that cannot get a server skips with the reason, unless the environment variable CI is set: then
// it fails, so that CI never passes by skipping.
package pgtest
