package search

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
)

// TestRunKeepsDigest runs a command study with two workers (a constraint, so some trials are
// infeasible, and a pruner) and requires the digest the run leaves to be the one made at once
// from every stored trial; a resumed run extends it the same way.
func TestRunKeepsDigest(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, filepath.Join(dir, "a.db"))
	for _, trials := range []int{8, 14} {
		spec := commandSpec(t, dir, trials, 2, "median", "")
		if _, err := Run(context.Background(), spec, st, Options{}); err != nil {
			t.Fatal(err)
		}
		id, err := st.GetStudyIDFromName("cmd")
		if err != nil {
			t.Fatal(err)
		}
		sys, err := st.GetStudySystemAttrs(id)
		if err != nil {
			t.Fatal(err)
		}
		keys, dirs, err := objective.StudyFrontKeys(sys)
		if err != nil {
			t.Fatal(err)
		}
		all := decoded(t, st, "cmd")
		want := record.NewDigest(keys, dirs)
		if err := want.Advance(len(all), all); err != nil {
			t.Fatal(err)
		}
		js, err := want.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if got := sys[record.SysDigest]; got != js {
			t.Errorf("after %d trials the stored digest is\n%s\nnot\n%s", trials, got, js)
		}
		if want.Below != len(all) || len(want.Open) != 0 {
			t.Errorf("digest below %d open %v after a finished run of %d trials", want.Below, want.Open, len(all))
		}
	}
}
