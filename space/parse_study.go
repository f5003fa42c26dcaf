package space

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// kindAndOptions reads a sampler/pruner given either as a bare kind or as a mapping with "kind".
func (d *decoder) kindAndOptions(e entry, kinds, options []string) (string, []entry, error) {
	if e.value.Kind == yaml.ScalarNode && e.value.Tag != "!!null" {
		k, err := d.kindName(e.value, e.path, kinds)
		return k, nil, err
	}
	var known []string // nil: any key (no registry)
	if kinds != nil {
		known = append([]string{"kind"}, options...)
	}
	es, err := d.mapping(e.value, e.path, known)
	if err != nil {
		return "", nil, err
	}
	kind := ""
	var rest []entry
	for _, o := range es {
		if o.key == "kind" {
			if kind, err = d.kindName(o.value, o.path, kinds); err != nil {
				return "", nil, err
			}
			continue
		}
		rest = append(rest, o)
	}
	if kind == "" {
		return "", nil, d.errAt(e.keyN, e.path+".kind", "missing (choose one of: %s)", strings.Join(kinds, ", "))
	}
	return kind, rest, nil
}

// kindName reads a kind: one of kinds, or any non-empty name when kinds is nil (no registry).
func (d *decoder) kindName(n *yaml.Node, field string, kinds []string) (string, error) {
	if kinds != nil {
		return d.oneOf(n, field, kinds)
	}
	s, err := d.str(n, field)
	if err == nil && s == "" {
		err = d.errAt(n, field, "empty kind")
	}
	return s, err
}

// study decodes the study section.
func (d *decoder) study(e entry, s *Study) error {
	return d.fields(e, []string{"name", "sampler", "pruner", "trials", "workers", "seed", "enqueue_default"}, func(f entry) (err error) {
		switch f.key {
		case "name":
			s.Name, err = d.str(f.value, f.path)
			if err == nil && strings.TrimSpace(s.Name) == "" {
				err = d.errAt(f.value, f.path, "must not be empty")
			}
		case "trials":
			s.Trials, err = d.intRange(f.value, f.path, 1, MaxTrials)
		case "workers":
			s.Workers, err = d.intRange(f.value, f.path, 0, MaxWorkers)
		case "seed":
			s.Seed, err = d.integer(f.value, f.path)
		case "enqueue_default":
			s.EnqueueDefault, err = d.boolean(f.value, f.path)
		case "sampler":
			err = d.sampler(f, &s.Sampler)
		case "pruner":
			err = d.pruner(f, &s.Pruner)
		}
		return err
	})
}

// sampler decodes study.sampler against the sampler kinds (any kind when none are given).
func (d *decoder) sampler(e entry, s *Sampler) error {
	kind, opts, err := d.kindSection(e, d.samplers, "sampler")
	*s = Sampler{Kind: kind, Options: opts}
	return err
}

// pruner decodes study.pruner against the pruner kinds (any kind when none are given) and fills
// the kind's defaults.
func (d *decoder) pruner(e entry, p *Pruner) error {
	kind, opts, err := d.kindSection(e, d.pruners, "pruner")
	*p = Pruner{Kind: kind, Options: opts}
	return err
}

// kindSection decodes a sampler or pruner section (what names it in messages): a kind of reg and
// the options the file gives it, each valid for that kind, with the kind's defaults filled in.
// With reg nil, any kind is accepted and its options are taken as written (numbers, or
// true/false held as 1/0): the registries check them when the study runs.
func (d *decoder) kindSection(e entry, reg Registry, what string) (string, map[string]float64, error) {
	var names, all []string
	if reg != nil {
		names = reg.Names()
		for _, n := range names {
			options, _ := reg.KindOptions(n)
			for _, o := range options {
				if !contains(all, o.Name) {
					all = append(all, o.Name)
				}
			}
		}
	}
	kind, given, err := d.kindAndOptions(e, names, all)
	if err != nil {
		return "", nil, err
	}
	var opts map[string]float64
	set := func(name string, v float64) {
		if opts == nil {
			opts = map[string]float64{}
		}
		opts[name] = v
	}
	if reg == nil {
		for _, o := range given {
			v, err := d.number(o.value, o.path)
			if o.value.Tag == "!!bool" {
				var b bool
				b, err = d.boolean(o.value, o.path)
				v = map[bool]float64{false: 0, true: 1}[b]
			}
			if err != nil {
				return "", nil, err
			}
			set(o.key, v)
		}
		return kind, opts, nil
	}
	options, _ := reg.KindOptions(kind)
	for _, o := range given {
		opt, ok := findOption(options, o.key)
		if !ok {
			var takers []string
			for _, n := range names {
				if other, _ := reg.KindOptions(n); contains(optionNames(other), o.key) {
					takers = append(takers, n)
				}
			}
			return "", nil, d.errAt(o.keyN, o.path, "does not apply to %s %s (only %s)", what, kind, strings.Join(takers, ", "))
		}
		var v float64
		if opt.Bool {
			b, err := d.boolean(o.value, o.path)
			if err != nil {
				return "", nil, err
			}
			if b {
				v = 1
			}
		} else if v, err = d.number(o.value, o.path); err != nil {
			return "", nil, err
		}
		if err := opt.Check(v); err != nil {
			return "", nil, d.errAt(o.value, o.path, "%v", err)
		}
		set(o.key, v)
	}
	for _, o := range options {
		if _, ok := opts[o.Name]; !ok && o.Default != 0 {
			set(o.Name, o.Default)
		}
	}
	return kind, opts, nil
}

// findOption returns the option called name.
func findOption(options []Option, name string) (Option, bool) {
	for _, o := range options {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}
