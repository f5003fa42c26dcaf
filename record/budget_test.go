package record

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestBudgetFieldsCoverBudget checks that the table names every Budget field exactly once, with a
// distinct key, and that Set and Limit reach that field (Predicted, the last field, holds the
// limits of predicted costs, whose keys are not in the table).
func TestBudgetFieldsCoverBudget(t *testing.T) {
	typ := reflect.TypeFor[Budget]()
	if len(BudgetFields) != typ.NumField()-1 || typ.Field(typ.NumField()-1).Name != "Predicted" {
		t.Fatalf("%d budget fields in the table, %d in Budget besides Predicted", len(BudgetFields), typ.NumField()-1)
	}
	names, costs := map[string]bool{}, map[string]bool{}
	for i, f := range BudgetFields {
		if names[f.Name] || f.Key == "" || (f.Cost != "" && costs[f.Cost]) {
			t.Errorf("entry %d (%s): duplicate name or cost, or no key", i, f.Name)
		}
		names[f.Name], costs[f.Cost] = true, true
		var b Budget
		f.Set(&b, 7)
		v := reflect.ValueOf(b)
		for j := range v.NumField() {
			if set := !v.Field(j).IsZero(); set != (j == i) {
				t.Errorf("%s: Set(7) set field %s = %v", f.Name, typ.Field(j).Name, set)
			}
		}
		if got := f.Limit(b); got != 7 {
			t.Errorf("%s: Limit = %v after Set(7)", f.Name, got)
		}
		if f.Integer() != (typ.Field(i).Type.Kind() == reflect.Int64) {
			t.Errorf("%s: Integer = %v for a %s field", f.Name, f.Integer(), typ.Field(i).Type)
		}
		if g, ok := BudgetFieldNamed(f.Name); !ok || g.Name != f.Name {
			t.Errorf("BudgetFieldNamed(%s) = %v, %v", f.Name, g.Name, ok)
		}
		if f.Cost != "" {
			if g, ok := CostField(f.Cost); !ok || g.Name != f.Name {
				t.Errorf("CostField(%s) = %v, %v", f.Cost, g.Name, ok)
			}
		}
	}
	if _, ok := CostField(""); ok {
		t.Error(`CostField("") found a field`)
	}
	if got := (BudgetField{}).Limit(Budget{MaxParams: 1}); got != 0 {
		t.Errorf("zero BudgetField: Limit = %v", got)
	}
}

// TestBudgetJSON pins the stored JSON of a Budget (the layout version 2 stores hold) and its
// round trip.
func TestBudgetJSON(t *testing.T) {
	b := Budget{MaxParams: 1 << 53, MaxL2Norm: 1.5, MaxFlopsPerToken: 2e6, MaxKVCacheBytes: 512, MaxLatencyMS: 0.1}
	js, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"max_params":9007199254740992,"max_l2_norm":1.5,"max_flops_per_token":2000000,"max_kv_cache_bytes":512,"max_latency_ms":0.1}`
	if string(js) != want {
		t.Errorf("Marshal = %s\nwant      %s", js, want)
	}
	got := Budget{MaxL2Norm: 9}
	if err := json.Unmarshal([]byte(`{"max_params":3,"other":1}`), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(Budget{MaxParams: 3, MaxL2Norm: 9}) {
		t.Errorf("Unmarshal of a partial object = %+v", got)
	}
	if err := json.Unmarshal(js, &got); err != nil || !got.Equal(b) {
		t.Errorf("round trip = %+v, %v; want %+v", got, err, b)
	}
	// A predicted cost's limit (space file costs section) round-trips under max_ + its name.
	pb := b
	pb.Predicted = map[string]float64{"pi_ms": 12.5, "arm_ms": 40}
	pjs, err := json.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	if want := want[:len(want)-1] + `,"max_arm_ms":40,"max_pi_ms":12.5}`; string(pjs) != want {
		t.Errorf("Marshal with predicted limits = %s\nwant      %s", pjs, want)
	}
	var back Budget
	if err := json.Unmarshal(pjs, &back); err != nil || !back.Equal(pb) || back.Equal(b) {
		t.Errorf("round trip with predicted limits = %+v, %v; want %+v", back, err, pb)
	}
	for _, bad := range []string{`{"max_params":1.5}`, `{"max_latency_ms":"1"}`, `[1]`, `{"max_pi_ms":"x"}`} {
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}
