package store_test

import (
	"testing"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// TestScanFallbackLeavesStorageAlone: a projected scan of a storage without ScanTrials (goptuna's
// in-memory storage hands out its own maps) leaves the stored trials whole.
func TestScanFallbackLeavesStorageAlone(t *testing.T) {
	db := goptuna.NewInMemoryStorage()
	sid, err := db.CreateNewStudy("s")
	if err != nil {
		t.Fatal(err)
	}
	id, err := db.CreateNewTrial(sid)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"keep": "1", "history": "[1,2]"} {
		if err := db.SetTrialUserAttr(id, k, v); err != nil {
			t.Fatal(err)
		}
	}
	var seen []goptuna.FrozenTrial
	if err := store.ScanTrials(db, sid, store.Projection{UserAttrs: []string{"keep"}}, func(ft goptuna.FrozenTrial) error {
		seen = append(seen, ft)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || len(seen[0].UserAttrs) != 1 || seen[0].UserAttrs["keep"] != "1" {
		t.Fatalf("scan saw %+v", seen)
	}
	fts, err := db.GetAllTrials(sid)
	if err != nil {
		t.Fatal(err)
	}
	if fts[0].UserAttrs["history"] != "[1,2]" {
		t.Fatalf("the storage's trial lost what the scan left out: %v", fts[0].UserAttrs)
	}
}
