package record

import (
	"math"
	"testing"

	"github.com/c-bata/goptuna"
)

func TestVectorRoundTrip(t *testing.T) {
	in := []float64{1.5, -0.1, math.NaN(), math.Inf(1), 1e-300, 420000}
	out, err := ParseVector(FormatVector(in))
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if out[i] != in[i] && !(math.IsNaN(in[i]) && math.IsNaN(out[i])) {
			t.Fatalf("item %d: %v became %v", i, in[i], out[i])
		}
	}
	if v, err := ParseVector(""); err != nil || v != nil {
		t.Fatalf("empty: %v, %v", v, err)
	}
	if _, err := ParseVector("1,x"); err == nil {
		t.Fatal("ParseVector accepted 1,x")
	}
	tr, err := Decode(goptuna.FrozenTrial{Number: 3, State: goptuna.TrialStateComplete,
		UserAttrs: map[string]string{KeyObjectives: "20.5,1000", KeyConstraints: "-0.5,NaN", KeyRejected: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Objectives) != 2 || tr.Objectives[1] != 1000 || len(tr.Constraints) != 2 || !tr.Rejected {
		t.Fatalf("decoded %+v", tr)
	}
	if _, err := Decode(goptuna.FrozenTrial{UserAttrs: map[string]string{KeyObjectives: "a"}}); err == nil {
		t.Fatal("Decode accepted a malformed objective vector")
	}
}
