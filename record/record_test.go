package record

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
)

func TestParseStudyInfoVersions(t *testing.T) {
	want := StudyInfo{Version: StudyInfoVersion, SpaceFile: "s.yaml", Trials: 5, Seed: 7, Sampler: "tpe", Pruner: "none",
		Objective: Objective{Metric: "bleu", Cost: "params", Tradeoff: 2, SrcLen: 8, TgtLen: 9},
		Budget:    Budget{MaxParams: 30000, MaxL2Norm: 1.5, MaxFlopsPerToken: 2e6, MaxKVCacheBytes: 512, MaxLatencyMS: 3},
		Searched:  []string{"d_model"}}
	v2, err := want.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, js string }{
		{"version 1 (Go field names)", `{"space_file":"s.yaml","trials":5,"seed":7,"sampler":"tpe","pruner":"none",` +
			`"objective":{"Metric":"bleu","Cost":"params","Tradeoff":2,"SrcLen":8,"TgtLen":9},` +
			`"budget":{"MaxParams":30000,"MaxL2Norm":1.5,"MaxFlopsPerToken":2000000,"MaxKVCacheBytes":512,"MaxLatencyMS":3},"searched":["d_model"]}`},
		{"version 2", v2},
		{"snake_case without a version", strings.Replace(v2, `"version":2,`, "", 1)},
	} {
		got, err := ParseStudyInfo(tc.js)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Version != want.Version || !reflect.DeepEqual(got.Objective, want.Objective) || !got.Budget.Equal(want.Budget) ||
			got.SpaceFile != want.SpaceFile || got.Seed != want.Seed || strings.Join(got.Searched, ",") != "d_model" {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, want)
		}
		up, _, err := Upgrade(tc.js)
		if err != nil || up != v2 {
			t.Errorf("%s: Upgrade = %s, %v; want %s", tc.name, up, err, v2)
		}
	}
	if _, err := ParseStudyInfo(`{"version":3}`); err == nil {
		t.Error("a newer version was accepted")
	}
	if _, changed, _ := Upgrade(v2); changed {
		t.Error("Upgrade changed a current StudyInfo")
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{{2, "2"}, {123456789, "123456789"}, {0.25, "0.25"}, {1e20, "1e+20"}, {math.NaN(), "NaN"}, {math.Inf(-1), "-Inf"}} {
		if got := FormatValue(tc.v); got != tc.want {
			t.Errorf("FormatValue(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := FormatConfig([]string{"a", "b"}, map[string]float64{"a": 16, "b": 1e-3}); got != "a=16,b=0.001" {
		t.Errorf("FormatConfig = %q", got)
	}
}

func TestRetries(t *testing.T) {
	fail := func(sys map[string]string) goptuna.FrozenTrial {
		return goptuna.FrozenTrial{Number: 4, State: goptuna.TrialStateFail, SystemAttrs: sys}
	}
	for _, tc := range []struct {
		name string
		ft   goptuna.FrozenTrial
		want bool
	}{
		{"interrupted", fail(map[string]string{SysRetry: "1"}), true},
		{"stale", fail(map[string]string{SysFailReason: ReasonStale}), true},
		{"stale twice", fail(map[string]string{SysFailReason: ReasonStale, SysNotRequeued: NotRequeuedTwice}), false},
		{"plain failure", fail(map[string]string{}), false},
		{"complete", goptuna.FrozenTrial{State: goptuna.TrialStateComplete, SystemAttrs: map[string]string{SysRetry: "1"}}, false},
	} {
		if got := Retried(tc.ft); got != tc.want {
			t.Errorf("%s: Retried = %v", tc.name, got)
		}
	}
	for _, key := range []string{SysRetryOf, SysRequeuedFrom} {
		n, ok, err := RetryOf(fail(map[string]string{key: "2"}))
		if n != 2 || !ok || err != nil {
			t.Errorf("RetryOf(%s) = %d %v %v", key, n, ok, err)
		}
	}
	if _, _, err := RetryOf(fail(map[string]string{SysRetryOf: "x"})); err == nil {
		t.Error("a malformed retry_of was accepted")
	}
}
