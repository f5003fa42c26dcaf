package space

import (
	"fmt"
	"math"
)

// Registry is what the parser needs of a registry of sampler or pruner kinds (search/sampler's
// and search's pruner registry implement it): the kinds and the options each accepts.
type Registry interface {
	Names() []string                          // the kinds, in registration order
	KindOptions(kind string) ([]Option, bool) // the options of kind; false when it is unknown
}

// Option is one numeric option of a sampler or pruner kind as a space file gives it.
type Option struct {
	Name    string  // key under study.sampler or study.pruner
	Int     bool    // integer-valued
	Min     float64 // smallest legal value (inclusive unless MinOpen)
	Max     float64 // largest legal value (inclusive unless MaxOpen; 0 = no limit)
	MinOpen bool    // Min itself is not legal
	MaxOpen bool    // Max itself is not legal
	Bool    bool    // written true/false in a space file, held as 1/0
	Default float64 // filled in when the file does not give the option (0 = left absent)
}

// Check validates v against the option's type and bounds; the message omits the option's name.
func (o Option) Check(v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("must be a finite number")
	case o.Int && v != math.Trunc(v):
		return fmt.Errorf("must be an integer")
	case o.MinOpen && v <= o.Min:
		return fmt.Errorf("must be > %g", o.Min)
	case v < o.Min:
		return fmt.Errorf("must be >= %g", o.Min)
	case o.Max != 0 && o.MaxOpen && v >= o.Max:
		return fmt.Errorf("must be < %g", o.Max)
	case o.Max != 0 && v > o.Max:
		return fmt.Errorf("must be <= %g", o.Max)
	}
	return nil
}

// With is how LoadWith and ParseWith read a space file: the sampler and pruner kinds that
// study.sampler and study.pruner may name (nil: any kind, its options taken as written and
// checked when the study runs), a corpus replacing the task's (see LoadWithCorpus), and how a
// costs section's predictors are read with the features an architecture provides (nil: a costs
// section is an error).
type With struct {
	Samplers   Registry
	Pruners    Registry
	Corpus     string
	Predictors PredictorLoader // reads costs.NAME.predictor files
	Features   []string        // the architecture features a predictor may read
}

// optionNames lists the names of options.
func optionNames(options []Option) []string {
	return namesOf(options, func(o Option) string { return o.Name })
}

// namesOf lists name(x) for each x of xs, in order.
func namesOf[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}
