package record

import (
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
)

// Names of the costs a study can minimise (objective.cost) and bound (BudgetFields' Cost).
const (
	CostParams  = "params"   // parameter count (KeyParams)
	CostFlops   = "flops"    // forward multiply-adds per target token (KeyFlops)
	CostKVBytes = "kv_bytes" // decoder KV-cache bytes per generated token (KeyKVBytes)
	CostLatency = "latency"  // measured median latency per sentence (KeyLatency)
)

// BudgetField is one key of the budget section: a hard limit on one figure of a trial.
type BudgetField struct {
	Name     string            // key in a space file's budget section and in the stored Budget
	Cost     string            // the cost naming the bounded figure (Cost* constants); "" for a figure that is no cost
	Key      string            // trial user attribute holding the bounded figure
	Measured bool              // the figure is known only after training
	ref      func(*Budget) any // the Budget field: *int64 or *float64
}

// BudgetFields is the one table of budget keys, in the order space files document them and
// Budget's JSON lists them; the costs are the entries with a Cost name.
var BudgetFields = []BudgetField{
	{Name: "max_params", Cost: CostParams, Key: KeyParams, ref: func(b *Budget) any { return &b.MaxParams }},
	{Name: "max_l2_norm", Key: KeyL2Norm, Measured: true, ref: func(b *Budget) any { return &b.MaxL2Norm }},
	{Name: "max_flops_per_token", Cost: CostFlops, Key: KeyFlops, ref: func(b *Budget) any { return &b.MaxFlopsPerToken }},
	{Name: "max_kv_cache_bytes", Cost: CostKVBytes, Key: KeyKVBytes, ref: func(b *Budget) any { return &b.MaxKVCacheBytes }},
	{Name: "max_latency_ms", Cost: CostLatency, Key: KeyLatency, Measured: true, ref: func(b *Budget) any { return &b.MaxLatencyMS }},
}

// Integer reports whether the limit is a whole number.
func (f BudgetField) Integer() bool {
	var b Budget
	_, ok := f.field(&b).(*int64)
	return ok
}

// Limit returns the limit b sets (0 = unset; also for the zero BudgetField).
func (f BudgetField) Limit(b Budget) float64 {
	switch p := f.field(&b).(type) {
	case *int64:
		return float64(*p)
	case *float64:
		return *p
	}
	return 0
}

// Set stores limit v in b (truncated for an integer field).
func (f BudgetField) Set(b *Budget, v float64) {
	switch p := f.field(b).(type) {
	case *int64:
		*p = int64(v)
	case *float64:
		*p = v
	}
}

// field returns the Budget field f bounds, nil for the zero BudgetField.
func (f BudgetField) field(b *Budget) any {
	if f.ref == nil {
		return nil
	}
	return f.ref(b)
}

// BudgetFieldNamed returns the budget key called name.
func BudgetFieldNamed(name string) (BudgetField, bool) {
	for _, f := range BudgetFields {
		if f.Name == name {
			return f, true
		}
	}
	return BudgetField{}, false
}

// CostField returns the budget key bounding the cost called cost.
func CostField(cost string) (BudgetField, bool) {
	for _, f := range BudgetFields {
		if f.Cost != "" && f.Cost == cost {
			return f, true
		}
	}
	return BudgetField{}, false
}

// BudgetFieldNames returns the budget keys in table order.
func BudgetFieldNames() []string {
	out := make([]string, len(BudgetFields))
	for i, f := range BudgetFields {
		out[i] = f.Name
	}
	return out
}

// CostNames returns the cost names in table order.
func CostNames() []string {
	var out []string
	for _, f := range BudgetFields {
		if f.Cost != "" {
			out = append(out, f.Cost)
		}
	}
	return out
}

// MarshalJSON writes b as a JSON object keyed by BudgetFields' names, in table order.
func (b Budget) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for i, f := range BudgetFields {
		if i > 0 {
			out = append(out, ',')
		}
		v, err := json.Marshal(f.field(&b))
		if err != nil {
			return nil, fmt.Errorf("record: budget %s: %w", f.Name, err)
		}
		out = append(strconv.AppendQuote(out, f.Name), ':')
		out = append(out, v...)
	}
	for _, name := range b.PredictedNames() {
		v, err := json.Marshal(b.Predicted[name])
		if err != nil {
			return nil, fmt.Errorf("record: budget %s%s: %w", PredictedPrefix, name, err)
		}
		out = append(strconv.AppendQuote(append(out, ','), PredictedPrefix+name), ':')
		out = append(out, v...)
	}
	return append(out, '}'), nil
}

// UnmarshalJSON reads a JSON object keyed by BudgetFields' names; other keys are ignored and
// missing ones leave their field unchanged, as for a struct with JSON tags.
func (b *Budget) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("record: budget: %w", err)
	}
	for _, f := range BudgetFields {
		if raw, ok := m[f.Name]; ok {
			if err := json.Unmarshal(raw, f.field(b)); err != nil {
				return fmt.Errorf("record: budget %s: %w", f.Name, err)
			}
		}
	}
	for k, raw := range m {
		name, ok := strings.CutPrefix(k, PredictedPrefix)
		if _, builtin := BudgetFieldNamed(k); !ok || builtin || name == "" {
			continue
		}
		var v float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("record: budget %s: %w", k, err)
		}
		if b.Predicted == nil {
			b.Predicted = map[string]float64{}
		}
		b.Predicted[name] = v
	}
	return nil
}

// PredictedPrefix starts the budget key of a predicted cost: max_ + the cost's name.
const PredictedPrefix = "max_"

// PredictedNames returns the names of the predicted costs b bounds, sorted.
func (b Budget) PredictedNames() []string {
	names := make([]string, 0, len(b.Predicted))
	for n := range b.Predicted {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Equal reports whether b and o set the same limits.
func (b Budget) Equal(o Budget) bool {
	for _, f := range BudgetFields {
		if f.Limit(b) != f.Limit(o) {
			return false
		}
	}
	return maps.Equal(b.Predicted, o.Predicted)
}
