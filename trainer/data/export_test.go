package data

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAlignedRoundTrip(t *testing.T) {
	ds, err := Synthetic(synOpts)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "syn")
	if err := WriteAligned(dir, ds); err != nil {
		t.Fatal(err)
	}
	back, err := LoadAligned(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, pair := range [][2][]Pair{{ds.Train, back.Train}, {ds.Valid, back.Valid}, {ds.Test, back.Test}} {
		if len(pair[0]) != len(pair[1]) {
			t.Fatalf("split %d: %d pairs written, %d read", i, len(pair[0]), len(pair[1]))
		}
		for j := range pair[0] {
			if pair[0][j].SrcText != pair[1][j].SrcText || pair[0][j].TgtText != pair[1][j].TgtText {
				t.Fatalf("split %d pair %d differs", i, j)
			}
		}
	}
	// A file in the way of the directory is an error naming it.
	blocked := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteAligned(blocked, ds); err == nil {
		t.Fatal("writing under a regular file succeeded")
	}
}
