package bolt

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// FuzzDecodeTrial feeds arbitrary bytes to the record decoder: it must never panic, and whatever it
// accepts must re-encode to the same bytes.
func FuzzDecodeTrial(f *testing.F) {
	full := &trialRec{
		id: 7, studyID: 2, number: 6, state: goptuna.TrialStatePruned, value: math.NaN(),
		start: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), heartbeat: time.Date(2026, 1, 2, 3, 4, 9, 0, time.FixedZone("", 3600)),
		steps:       []step{{-3, math.Inf(1)}, {0, 1}, {9, -0.5}},
		params:      []store.Param{{Name: "a", Internal: 1, Dist: `{"name":"IntUniformDistribution","attributes":{"low":0,"high":3}}`}, {Name: "b", Internal: 0.5, Dist: "{}"}},
		userAttrs:   map[string]string{"k": "v", "": ""},
		systemAttrs: map[string]string{"fail_reason": record.ReasonStale},
	}
	f.Add(encodeTrial(full))
	f.Add(encodeTrial(&trialRec{userAttrs: map[string]string{}, systemAttrs: map[string]string{}}))
	f.Add([]byte{recVersion})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeTrial(b)
		if err != nil {
			return
		}
		again := encodeTrial(r)
		r2, err := decodeTrial(again)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(encodeTrial(r2), again) {
			t.Fatalf("encoding is not stable")
		}
	})
}
