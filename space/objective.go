package space

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/attnsearch/attnsearch/record"
)

// builtinGoals maps every name a built-in task's goal may be written as to its canonical name, and
// says whether it is a quality (maximised) or a cost (minimised).
var builtinGoals = map[string]struct {
	canonical string
	quality   bool
}{
	"bleu": {"bleu", true}, "accuracy": {"accuracy", true}, "token_accuracy": {"accuracy", true},
	"params": {"params", false}, "flops": {"flops", false}, "flops_per_token": {"flops", false},
	"kv_bytes": {"kv_bytes", false}, "kv_cache_bytes_per_token": {"kv_bytes", false},
	"latency": {"latency", false}, "latency_ms": {"latency", false},
}

// goalName is what a reported figure's name may look like (trial commands report arbitrary names).
var goalName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// builtinTask reports whether kind is one of attnsearch's own training tasks (whose figures are
// known), as opposed to a task whose trials report figures of their own names.
func builtinTask(kind string) bool { return contains(taskKinds, kind) }

// objectiveKeys are the keys of the objective section.
var objectiveKeys = []string{"metric", "cost", "tradeoff", "src_len", "tgt_len", "maximize", "minimize", "reference", "constraints"}

// names decodes a sequence of goal or constraint names (a single scalar is taken as a
// one-element list).
func (d *decoder) names(f entry) ([]string, []*yaml.Node, error) {
	items := []*yaml.Node{f.value}
	if f.value.Kind == yaml.SequenceNode {
		items = f.value.Content
	}
	var out []string
	for _, n := range items {
		s, err := d.str(n, f.path)
		if err != nil {
			return nil, nil, err
		}
		if !goalName.MatchString(s) {
			return nil, nil, d.errAt(n, f.path, "%q is not a name (letters, digits, underscore)", s)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, nil, d.errAt(f.value, f.path, "empty list: name at least one figure")
	}
	return out, items, nil
}

// objectiveForms decodes the multi-objective keys of the objective section (maximize, minimize,
// reference, constraints) once the rest is known; taskKind decides which names are legal.
func (d *decoder) objectiveForms(given map[string]entry, o *Objective, taskKind string) error {
	mx, hasMax := given["maximize"]
	mn, hasMin := given["minimize"]
	if !hasMax && !hasMin {
		for _, k := range []string{"reference", "constraints"} {
			if f, ok := given[k]; ok {
				return d.errAt(f.keyN, f.path, "%s needs the maximize/minimize form of the objective", k)
			}
		}
		return nil
	}
	for _, k := range []string{"metric", "cost"} {
		if f, ok := given[k]; ok {
			return d.errAt(f.keyN, f.path, "%s belongs to the single-cost form; with maximize/minimize name the figures there", k)
		}
	}
	seen := map[string]string{}
	add := func(f entry, maximize bool) error {
		ns, nodes, err := d.names(f)
		if err != nil {
			return err
		}
		for i, n := range ns {
			if builtinTask(taskKind) && contains(d.predicted, n) {
				if maximize {
					return d.errAt(nodes[i], f.path, "%s is a predicted cost (costs section): it must be under objective.minimize", n)
				}
			} else if builtinTask(taskKind) {
				b, ok := builtinGoals[n]
				if !ok {
					return d.errAt(nodes[i], f.path, "unknown figure %q for task kind %s (known: bleu, accuracy, params, flops, kv_bytes, latency%s)", n, taskKind, predictedList(d.predicted))
				}
				if b.quality != maximize {
					want := "minimize"
					if b.quality {
						want = "maximize"
					}
					return d.errAt(nodes[i], f.path, "%s must be under objective.%s", n, want)
				}
				n = b.canonical
			}
			if prev, dup := seen[n]; dup {
				return d.errAt(nodes[i], f.path, "%s is already a goal (under %s)", n, prev)
			}
			seen[n] = f.path
			if maximize {
				o.Maximize = append(o.Maximize, n)
			} else {
				o.Minimize = append(o.Minimize, n)
			}
		}
		return nil
	}
	if hasMax {
		if err := add(mx, true); err != nil {
			return err
		}
	}
	if hasMin {
		if err := add(mn, false); err != nil {
			return err
		}
	}
	if f, ok := given["reference"]; ok {
		es, err := d.mapping(f.value, f.path, nil)
		if err != nil {
			return err
		}
		o.Reference = map[string]float64{}
		for _, r := range es {
			name := r.key
			if b, ok := builtinGoals[name]; ok && builtinTask(taskKind) {
				name = b.canonical
			}
			if _, ok := seen[name]; !ok {
				return d.errAt(r.keyN, r.path, "%s is not a goal (goals: %s)", r.key, strings.Join(goalNames(o.Goals()), ", "))
			}
			v, err := d.number(r.value, r.path)
			if err != nil {
				return err
			}
			o.Reference[name] = v
		}
	}
	if f, ok := given["constraints"]; ok {
		if builtinTask(taskKind) {
			return d.errAt(f.keyN, f.path, "task kind %s takes its constraints from the budget section", taskKind)
		}
		ns, nodes, err := d.names(f)
		if err != nil {
			return err
		}
		for i, n := range ns {
			if _, dup := seen[n]; dup {
				return d.errAt(nodes[i], f.path, "%s is already a goal or constraint", n)
			}
			seen[n] = f.path
		}
		o.Constraints = ns
	}
	// The scalar score (single-objective samplers, `best`) keeps working: P is the first quality
	// goal, E the first cost goal that has a budget (none: the score is P alone).
	o.Metric, o.Cost = "", ""
	for _, n := range o.Maximize {
		if o.Metric == "" && contains(metrics, n) {
			o.Metric = n
		}
	}
	if o.Metric == "" && builtinTask(taskKind) {
		o.Metric = "bleu"
	}
	return nil
}

// goalNames lists the goals' names.
func goalNames(gs []Goal) []string { return namesOf(gs, func(g Goal) string { return g.Name }) }

// resolveGoals finishes the list form once the budget is known: the scalar score's cost is the
// first cost goal with a budget.
func (s *Spec) resolveGoals() {
	o := &s.Objective
	if !o.Listed() || !builtinTask(s.Task.Kind) {
		return
	}
	for _, n := range o.Minimize {
		if budgetOf(n, s.Budget) > 0 {
			o.Cost = n
			break
		}
	}
}

// GoalReference is the hypervolume reference of goal name: objective.reference's value if
// written, else for built-in tasks 0 for a quality and the budget limit for a cost that has one;
// ok is false when there is none (reports then use the worst value seen).
func (s *Spec) GoalReference(name string) (float64, bool) {
	if v, ok := s.Objective.Reference[name]; ok {
		return v, true
	}
	if !builtinTask(s.Task.Kind) {
		return 0, false
	}
	if b, ok := builtinGoals[name]; ok && b.quality {
		return 0, true
	}
	if b := budgetOf(name, s.Budget); b > 0 {
		return b, true
	}
	return 0, false
}

// budgetOf is the budget limit of a built-in or predicted cost goal (0 when none is set).
func budgetOf(goal string, b Budget) float64 {
	if v, ok := b.Predicted[goal]; ok {
		return v
	}
	f, _ := record.CostField(goal)
	return f.Limit(b)
}

// predictedList renders the predicted costs' names for the list of known figures.
func predictedList(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ", and the predicted " + strings.Join(names, ", ")
}
