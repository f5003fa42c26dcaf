package reports

import (
	"errors"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// TestDigestReadFailure checks that a report read from a digest says when a trial it must read
// to number a retry chain cannot be read, instead of counting that trial out of the report.
func TestDigestReadFailure(t *testing.T) {
	broken := errors.New("disk gone")
	d := &record.Digest{Below: 10, Classes: map[string]*record.DigestClass{},
		Links: record.DigestLinks{5: {RetryOf: 3, Fidelity: record.FidelityRetrained}}}
	for _, c := range []struct {
		name string
		get  func(int) (goptuna.FrozenTrial, error)
		want int // attempts of trial 5 (0: an error)
	}{
		{"read fails", func(int) (goptuna.FrozenTrial, error) { return goptuna.FrozenTrial{}, broken }, 0},
		{"read", func(int) (goptuna.FrozenTrial, error) {
			return goptuna.FrozenTrial{UserAttrs: map[string]string{record.KeyFidelity: record.FidelityRetrained}}, nil
		}, 2},
	} {
		r := &Report{Study: "s", part: &partial{d: d, fid: record.FidelityRetrained, counts: map[string]int{}, get: c.get}}
		got, err := r.Retried()
		switch {
		case c.want == 0 && !errors.Is(err, broken):
			t.Errorf("%s: Retried = %v, %v; want the read's error", c.name, got, err)
		case c.want > 0 && (err != nil || len(got) != 1 || got[0] != RetriedPoint{Trial: 5, Attempts: c.want}):
			t.Errorf("%s: Retried = %v, %v; want trial 5 at attempt %d", c.name, got, err, c.want)
		}
	}
}
