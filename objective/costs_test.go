package objective

import (
	"testing"

	"github.com/attnsearch/attnsearch/record"
)

// TestCostsFollowRecord checks that every bounded figure of record.BudgetFields has a getter here
// and that Costs holds exactly the record's costs, in its order.
func TestCostsFollowRecord(t *testing.T) {
	for _, f := range record.BudgetFields {
		if figures[f.Key] == nil {
			t.Errorf("budget key %s: no getter for its figure %s", f.Name, f.Key)
		}
	}
	if len(figures) != len(record.BudgetFields) {
		t.Errorf("%d getters for %d budget keys", len(figures), len(record.BudgetFields))
	}
	names := record.CostNames()
	if len(Costs) != len(names) {
		t.Fatalf("Costs has %d entries, the record %d costs", len(Costs), len(names))
	}
	for i, d := range Costs {
		f, ok := record.CostField(d.Name)
		if d.Name != names[i] || !ok || d.BudgetField != f.Name || d.Key != f.Key || d.Measured != f.Measured || d.Value == nil {
			t.Errorf("Costs[%d] = %+v, record entry %+v", i, d, f)
		}
		if got, ok := CostDefOf(d.Name); !ok || got.Name != d.Name {
			t.Errorf("CostDefOf(%s) = %v, %v", d.Name, got.Name, ok)
		}
	}
}
