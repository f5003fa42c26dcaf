package space

import (
	"strings"

	"github.com/attnsearch/attnsearch/search/sampler"
	"gopkg.in/yaml.v3"
)

// kindAndOptions reads a sampler/pruner given either as a bare kind or as a mapping with "kind".
func (d *decoder) kindAndOptions(e entry, kinds, options []string) (string, []entry, error) {
	if e.value.Kind == yaml.ScalarNode && e.value.Tag != "!!null" {
		k, err := d.oneOf(e.value, e.path, kinds)
		return k, nil, err
	}
	es, err := d.mapping(e.value, e.path, append([]string{"kind"}, options...))
	if err != nil {
		return "", nil, err
	}
	kind := ""
	var rest []entry
	for _, o := range es {
		if o.key == "kind" {
			if kind, err = d.oneOf(o.value, o.path, kinds); err != nil {
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

// study decodes the study section.
func (d *decoder) study(e entry, s *Study) error {
	es, err := d.mapping(e.value, e.path, []string{"name", "sampler", "pruner", "trials", "workers", "seed", "enqueue_default"})
	if err != nil {
		return err
	}
	for _, f := range es {
		switch f.key {
		case "name":
			s.Name, err = d.str(f.value, f.path)
			if err == nil && strings.TrimSpace(s.Name) == "" {
				err = d.errAt(f.value, f.path, "must not be empty")
			}
		case "trials":
			s.Trials, err = d.intRange(f.value, f.path, 1, 1e6)
		case "workers":
			s.Workers, err = d.intRange(f.value, f.path, 0, 1024)
		case "seed":
			s.Seed, err = d.integer(f.value, f.path)
		case "enqueue_default":
			s.EnqueueDefault, err = d.boolean(f.value, f.path)
		case "sampler":
			err = d.sampler(f, &s.Sampler)
		case "pruner":
			err = d.pruner(f, &s.Pruner)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sampler decodes study.sampler against the sampler registry.
func (d *decoder) sampler(e entry, s *Sampler) error {
	names := d.samplers.Names()
	var all []string
	for _, n := range names {
		k, _ := d.samplers.Lookup(n)
		for _, o := range k.Options {
			if !contains(all, o.Name) {
				all = append(all, o.Name)
			}
		}
	}
	kind, opts, err := d.kindAndOptions(e, names, all)
	if err != nil {
		return err
	}
	k, _ := d.samplers.Lookup(kind)
	*s = Sampler{Kind: kind}
	for _, o := range opts {
		opt, ok := k.Option(o.key)
		if !ok {
			var takers []string
			for _, n := range names {
				if other, _ := d.samplers.Lookup(n); contains(optionNames(other), o.key) {
					takers = append(takers, n)
				}
			}
			return d.errAt(o.keyN, o.path, "does not apply to sampler %s (only %s)", kind, strings.Join(takers, ", "))
		}
		var v float64
		if opt.Bool {
			b, err := d.boolean(o.value, o.path)
			if err != nil {
				return err
			}
			if b {
				v = 1
			}
		} else if v, err = d.number(o.value, o.path); err != nil {
			return err
		}
		if err := opt.Check(v); err != nil {
			return d.errAt(o.value, o.path, "%v", err)
		}
		if s.Options == nil {
			s.Options = map[string]float64{}
		}
		s.Options[o.key] = v
	}
	return nil
}

// optionNames lists the option names of a sampler kind.
func optionNames(k sampler.Kind) []string {
	out := make([]string, len(k.Options))
	for i, o := range k.Options {
		out[i] = o.Name
	}
	return out
}

// pruner decodes study.pruner and fills the kind's defaults.
func (d *decoder) pruner(e entry, p *Pruner) error {
	kind, opts, err := d.kindAndOptions(e, prunerKinds,
		[]string{"startup_trials", "warmup_steps", "percentile", "min_resource", "reduction_factor", "min_early_stopping_rate"})
	if err != nil {
		return err
	}
	*p = Pruner{Kind: kind}
	switch kind {
	case "median", "percentile":
		p.StartupTrials, p.Percentile = 5, 50
	case "successive_halving":
		p.MinResource, p.ReductionFactor = 1, 3
	}
	applies := map[string][]string{
		"startup_trials": {"median", "percentile"}, "warmup_steps": {"median", "percentile"},
		"percentile": {"percentile"}, "min_resource": {"successive_halving"},
		"reduction_factor": {"successive_halving"}, "min_early_stopping_rate": {"successive_halving"},
	}
	for _, o := range opts {
		if !contains(applies[o.key], kind) {
			return d.errAt(o.keyN, o.path, "does not apply to pruner %s (only %s)", kind, strings.Join(applies[o.key], ", "))
		}
		switch o.key {
		case "startup_trials":
			p.StartupTrials, err = d.intRange(o.value, o.path, 0, 1e6)
		case "warmup_steps":
			p.WarmupSteps, err = d.intRange(o.value, o.path, 0, 1e6)
		case "percentile":
			p.Percentile, err = d.number(o.value, o.path)
			if err == nil && (p.Percentile <= 0 || p.Percentile >= 100) {
				err = d.errAt(o.value, o.path, "%s is outside (0, 100)", fmtNum(p.Percentile))
			}
		case "min_resource":
			p.MinResource, err = d.intRange(o.value, o.path, 1, 1e6)
		case "reduction_factor":
			p.ReductionFactor, err = d.intRange(o.value, o.path, 2, 1e6)
		case "min_early_stopping_rate":
			p.MinEarlyStoppingRate, err = d.intRange(o.value, o.path, 0, 1e6)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
