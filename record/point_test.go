package record

import (
	"reflect"
	"testing"

	"github.com/c-bata/goptuna"
)

func TestPointRoundTrip(t *testing.T) {
	names := []string{"x0", "layers", "act", "on", "lr", "one"}
	values := map[string]any{"x0": 0.5, "layers": int64(3), "act": "gelu", "on": true, "lr": 1e-4, "one": 1.0}
	js, err := FormatPoint(names, values)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"x0":0.5,"layers":3,"act":"gelu","on":true,"lr":0.0001,"one":1.0}`; js != want {
		t.Errorf("FormatPoint = %s, want %s", js, want)
	}
	gotNames, gotValues, err := ParsePoint(js)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotNames, names) || !reflect.DeepEqual(gotValues, values) {
		t.Errorf("ParsePoint = %v %v, want %v %v", gotNames, gotValues, names, values)
	}
	if s := PointText(names, values); s != "x0=0.5,layers=3,act=gelu,on=true,lr=0.0001,one=1" {
		t.Errorf("PointText = %s", s)
	}
	for _, bad := range []string{``, `[1]`, `{"a":}`, `{"a":1`} {
		if _, _, err := ParsePoint(bad); err == nil {
			t.Errorf("ParsePoint(%q) accepted", bad)
		}
	}
}

func TestDecodeCommandTrial(t *testing.T) {
	ft := goptuna.FrozenTrial{Number: 4, State: goptuna.TrialStateComplete, Value: -0.25,
		UserAttrs: map[string]string{
			KeyPoint: `{"x":0.25,"act":"relu"}`, KeyLog: "epoch 1\nepoch 2", KeyStderr: "warn",
			"f1": "0.25", "c1": "-1", KeyFeasible: "true", KeyScore: "-0.25",
		},
		SystemAttrs: map[string]string{}}
	tr, err := Decode(ft)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Config != "x=0.25,act=relu" || tr.Params["act"] != "relu" || tr.Params["x"] != 0.25 {
		t.Errorf("config %q params %v", tr.Config, tr.Params)
	}
	if !reflect.DeepEqual(tr.Log, []string{"epoch 1", "epoch 2"}) || !reflect.DeepEqual(tr.Stderr, []string{"warn"}) {
		t.Errorf("log %q stderr %q", tr.Log, tr.Stderr)
	}
	if tr.Metrics["f1"] != 0.25 || tr.Metrics["c1"] != -1 || !tr.Feasible {
		t.Errorf("metrics %v feasible %v", tr.Metrics, tr.Feasible)
	}
	for _, k := range []string{KeyPoint, KeyLog, KeyStderr} {
		if _, ok := tr.Metrics[k]; ok {
			t.Errorf("text key %s in metrics", k)
		}
	}
	for name, want := range map[string]bool{"score": true, "point": true, "error": true, "f1": false, "params": false, "bleu": false} {
		if Reserved(name) != want {
			t.Errorf("Reserved(%s) = %v, want %v", name, !want, want)
		}
	}
}
