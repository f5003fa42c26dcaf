package main

import (
	"os"
	"testing"
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
