package space

import (
	"regexp"

	"gopkg.in/yaml.v3"
)

// goalName is what a reported figure's name may look like (trial commands report arbitrary names).
var goalName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// builtinTask reports whether kind is one of attnsearch's own training tasks (whose figures are
// known), as opposed to a task whose trials report figures of their own names.
func builtinTask(kind string) bool { return contains(taskKinds, kind) }

// objectiveKeys are the keys of the objective section.
var objectiveKeys = []string{"metric", "cost", "tradeoff", "src_len", "tgt_len", "maximize", "minimize", "constraints"}

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

// objectiveForms decodes the list keys of the objective section (maximize, minimize, constraints)
// once the task kind is known: they name the values a command reports, so they apply to task kind
// command only here.
func (d *decoder) objectiveForms(given map[string]entry, o *Objective, taskKind string) error {
	mx, hasMax := given["maximize"]
	mn, hasMin := given["minimize"]
	if !hasMax && !hasMin {
		if f, ok := given["constraints"]; ok {
			return d.errAt(f.keyN, f.path, "constraints needs the maximize/minimize form of the objective")
		}
		return nil
	}
	if builtinTask(taskKind) {
		f := mx
		if !hasMax {
			f = mn
		}
		return d.errAt(f.keyN, f.path, "applies only to task kind command (the built-in tasks use metric, cost and tradeoff)")
	}
	for _, k := range []string{"metric", "cost"} {
		if f, ok := given[k]; ok {
			return d.errAt(f.keyN, f.path, "%s belongs to the single-cost form; with maximize/minimize name the figures there", k)
		}
	}
	seen := map[string]string{}
	add := func(f entry, list *[]string) error {
		ns, nodes, err := d.names(f)
		if err != nil {
			return err
		}
		for i, n := range ns {
			if prev, dup := seen[n]; dup {
				return d.errAt(nodes[i], f.path, "%s is already a goal or constraint (under %s)", n, prev)
			}
			seen[n] = f.path
			*list = append(*list, n)
		}
		return nil
	}
	if hasMax {
		if err := add(mx, &o.Maximize); err != nil {
			return err
		}
	}
	if hasMin {
		if err := add(mn, &o.Minimize); err != nil {
			return err
		}
	}
	if f, ok := given["constraints"]; ok {
		if err := add(f, &o.Constraints); err != nil {
			return err
		}
	}
	o.Metric, o.Cost = "", ""
	return nil
}
