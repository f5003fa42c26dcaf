package main

import (
	"os"
	"testing"

	"github.com/attnsearch/attnsearch/store/bolt"
)

// copyFile copies the file src to dst (created with perm), failing t on an error: a store from
// testdata, a script from spaces/ or a file of another format copied into a test's directory.
func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, perm); err != nil {
		t.Fatal(err)
	}
}

// newBoltStore creates the bbolt store file path without fsync or snapshots (a test writes
// its fixture fast, then closes it for the binary to read), failing t on an error.
func newBoltStore(t *testing.T, path string) *bolt.Store {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{NoSync: true, NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
