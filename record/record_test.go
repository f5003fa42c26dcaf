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
		{"stale twice, marked by an older build", fail(map[string]string{SysFailReason: ReasonStale, SysNotRequeued: NotRequeuedTwice}), true},
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

func TestSetAttempts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		retries map[int]int // trial number → the number it retries
		want    []int       // attempts in number order
		points  int
		most    int
	}{
		{"no retries", nil, []int{1, 1, 1}, 3, 1},
		{"chain of three", map[int]int{1: 0, 2: 1}, []int{1, 2, 3}, 1, 3},
		{"two points, one retried", map[int]int{2: 0}, []int{1, 1, 2}, 2, 2},
		{"predecessor not listed", map[int]int{1: 7}, []int{1, 2, 1}, 2, 2},
	} {
		trials := make([]Trial, len(tc.want))
		for i := range trials {
			trials[i] = Trial{Number: i, RetryOf: -1}
			if of, ok := tc.retries[i]; ok {
				trials[i].RetryOf = of
			}
		}
		SetAttempts(trials)
		for i, w := range tc.want {
			if trials[i].Attempt != w {
				t.Errorf("%s: trial %d attempt %d, want %d", tc.name, i, trials[i].Attempt, w)
			}
		}
		if p, m := Points(trials); p != tc.points || m != tc.most {
			t.Errorf("%s: Points = %d, %d; want %d, %d", tc.name, p, m, tc.points, tc.most)
		}
	}
	retry := Trial{Number: 3, State: goptuna.TrialStatePruned, PrunedEpoch: 2, RetryOf: 2, Attempt: 3}
	if got := retry.Reason(); got != "pruned at epoch 2 (attempt 3)" {
		t.Errorf("Reason = %q", got)
	}
	if got := (Trial{Number: 3, State: goptuna.TrialStateWaiting, RetryOf: 2, Attempt: 2}).Reason(); got != "retry of trial 2 (attempt 2)" {
		t.Errorf("Reason of a waiting retry = %q", got)
	}
}
