package space

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/sampler"
	"gopkg.in/yaml.v3"
)

// Accepted values of the enumerated fields.
var (
	prunerKinds   = []string{"none", "median", "percentile", "successive_halving"}
	taskKinds     = []string{"synthetic", "aligned", "tsv"}
	tokenizers    = []string{"word", "char", "byte", "bpe"}
	schedules     = []string{"inverse_sqrt", "cosine", "constant"}
	decayModes    = []string{"decoupled", "l2"}
	positionKinds = []string{"sinusoidal", "learned"}
	metrics       = []string{"bleu", "accuracy"}
	costs         = record.CostNames()
	paramKinds    = []string{KindInt, KindFloat, KindCategorical, KindFixed}
)

// SyntheticMinWords and SyntheticMaxWords bound the source sentence length the simple synthetic
// grammar produces (trainer/data); task.synthetic.{min,max}_len must overlap [SyntheticMinWords,
// SyntheticMaxWords]. The rich grammar's bounds are RichMinWords and RichMaxWords.
const (
	SyntheticMinWords = 3
	SyntheticMaxWords = 15
	RichMinWords      = 3
	RichMaxWords      = 60
)

// grammars are the accepted values of task.synthetic.grammar.
var grammars = []string{"simple", "rich"}

// Load reads, parses and validates the space file at path (strict YAML, defaults filled in) with
// the built-in sampler kinds (sampler.Builtin).
func Load(path string) (*Spec, error) { return LoadWith(path, sampler.Builtin()) }

// LoadWith is Load with the sampler kinds of samplers.
func LoadWith(path string, samplers *sampler.Registry) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("space: read %s: %w", path, err)
	}
	return ParseWith(path, src, samplers)
}

// Parse parses and validates a space file's bytes with the built-in sampler kinds; filename is
// used in messages and to resolve relative corpus paths (relative to the file's directory).
func Parse(filename string, src []byte) (*Spec, error) {
	return ParseWith(filename, src, sampler.Builtin())
}

// ParseWith is Parse with the sampler kinds of samplers: study.sampler must name one of them and
// give only the options it declares, each valid.
func ParseWith(filename string, src []byte, samplers *sampler.Registry) (*Spec, error) {
	return parse(filename, src, "", samplers)
}

// parse is ParseWith with the corpus optionally replaced (see LoadWithCorpus).
func parse(filename string, src []byte, corpus string, samplers *sampler.Registry) (*Spec, error) {
	d := &decoder{file: filename, pos: map[string]Pos{}, samplers: samplers}
	root, err := d.parseDocument(src)
	if err != nil {
		return nil, err
	}
	if root, err = d.supernet(root); err != nil { // study.strategy and the supernet section: supernet.go
		return nil, err
	}
	spec := defaultSpec(filename)
	top, err := d.mapping(root, "", []string{"study", "task", "training", "params", "budget", "objective"})
	if err != nil {
		return nil, err
	}
	var haveTask, haveParams bool
	// The task comes first: its kind decides how params and objective read.
	for _, e := range top {
		if e.key == "task" {
			haveTask = true
			if err := d.task(e, &spec.Task); err != nil {
				return nil, err
			}
			d.command = spec.Task.Kind == TaskCommand
		}
	}
	for _, e := range top {
		switch e.key {
		case "study":
			err = d.study(e, &spec.Study)
		case "training":
			if d.command {
				err = d.errAt(e.keyN, e.path, "applies only to the built-in tasks; a command trains itself (give its settings as arguments, environment or fixed params)")
			} else {
				err = d.training(e, &spec.Training)
			}
		case "budget":
			if d.command {
				err = d.errAt(e.keyN, e.path, "applies only to the built-in tasks (it needs the cost model); have the command report a value and list it in objective.constraints")
			} else {
				err = d.budget(e, &spec.Budget)
			}
		case "objective":
			err = d.objective(e, &spec.Objective)
		case "params":
			haveParams = true
			spec.Params, err = d.params(e)
		}
		if err != nil {
			return nil, err
		}
	}
	if !haveTask {
		return nil, &Error{File: filename, Line: root.Line, Column: root.Column, Field: "task", Msg: "missing section (the data to train on)"}
	}
	if !haveParams {
		return nil, &Error{File: filename, Line: root.Line, Column: root.Column, Field: "params", Msg: "missing section (the searched parameters)"}
	}
	spec.Pos = d.pos
	if d.command {
		if err := d.commandObjective(spec); err != nil {
			return nil, err
		}
		if err := d.crossCheckStudy(spec); err != nil {
			return nil, err
		}
		if err := d.checkCommand(spec); err != nil {
			return nil, err
		}
		return spec, nil
	}
	if err := d.crossCheck(spec); err != nil {
		return nil, err
	}
	if corpus != "" {
		if err := replaceCorpus(spec, corpus); err != nil {
			return nil, err
		}
	}
	if err := d.checkPath(spec); err != nil {
		return nil, err
	}
	return spec, nil
}

// defaultSpec returns a Spec holding every documented default (see the package documentation).
func defaultSpec(filename string) *Spec {
	name := strings.TrimSuffix(filepath.Base(filename), filepath.Ext(filename))
	if name == "" || name == "." || name == string(filepath.Separator) {
		name = "study"
	}
	return &Spec{
		File: filename,
		Study: Study{
			Name:    name,
			Sampler: Sampler{Kind: "tpe"},
			Pruner:  Pruner{Kind: "none"},
			Trials:  20,
			Workers: 1,
			Seed:    1,
		},
		Task: Task{
			Tokenizer: "word",
			MinFreq:   1,
			MaxLen:    50,
			Synthetic: Synthetic{Train: 2000, Valid: 200, Test: 200, Vocab: 32, MinLen: 3, MaxLen: 10, Seed: 1},
		},
		Training: Training{
			Epochs: 10, BatchSize: 32, Beta1: 0.9, Beta2: 0.98, Eps: 1e-9, Schedule: "inverse_sqrt",
			ClipNorm: 1, WeightDecayMode: "decoupled", Positions: "sinusoidal", Beam: 1,
			LatencySentences: 50,
		},
		Objective: Objective{Metric: "bleu", Cost: record.CostParams, Tradeoff: 2},
	}
}

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

// task decodes the task section.
func (d *decoder) task(e entry, t *Task) error {
	es, err := d.mapping(e.value, e.path, []string{"kind", "path", "synthetic", "tokenizer", "max_vocab",
		"min_freq", "max_lines", "valid_size", "test_size", "max_len", "command", "timeout", "env"})
	if err != nil {
		return err
	}
	if es == nil {
		return d.errAt(e.keyN, e.path, "empty section: kind is required (%s)", strings.Join(allTaskKinds, ", "))
	}
	for _, f := range es {
		if f.key == "kind" {
			if k, err := d.oneOf(f.value, f.path, allTaskKinds); err == nil && k == TaskCommand {
				return d.commandTask(e, es, t)
			}
		}
	}
	for _, f := range es {
		if f.key == "command" || f.key == "timeout" || f.key == "env" {
			return d.errAt(f.keyN, f.path, "applies only to task kind command")
		}
	}
	var synth *entry
	given := map[string]entry{}
	for i, f := range es {
		given[f.key] = f
		switch f.key {
		case "kind":
			t.Kind, err = d.oneOf(f.value, f.path, allTaskKinds)
		case "path":
			t.Path, err = d.str(f.value, f.path)
			if err == nil && strings.TrimSpace(t.Path) == "" {
				err = d.errAt(f.value, f.path, "must not be empty")
			}
		case "synthetic":
			synth = &es[i]
		case "tokenizer":
			t.Tokenizer, err = d.oneOf(f.value, f.path, tokenizers)
		case "max_vocab":
			t.MaxVocab, err = d.intRange(f.value, f.path, 0, 1e8)
			if err == nil && t.MaxVocab > 0 && t.MaxVocab < 5 {
				err = d.errAt(f.value, f.path, "%d leaves no room for words (4 specials); use 0 for no cap or >= 5", t.MaxVocab)
			}
		case "min_freq":
			t.MinFreq, err = d.intRange(f.value, f.path, 1, 1e9)
		case "max_lines":
			t.MaxLines, err = d.intRange(f.value, f.path, 0, 1e9)
		case "valid_size":
			t.ValidSize, err = d.intRange(f.value, f.path, 1, 1e9)
		case "test_size":
			t.TestSize, err = d.intRange(f.value, f.path, 1, 1e9)
		case "max_len":
			t.MaxLen, err = d.intRange(f.value, f.path, 1, 10000)
		}
		if err != nil {
			return err
		}
	}
	if t.Kind == "" {
		return d.errAt(e.keyN, e.path+".kind", "missing (choose one of: %s)", strings.Join(allTaskKinds, ", "))
	}
	switch t.Kind {
	case "synthetic":
		for _, k := range []string{"path", "valid_size", "test_size", "max_lines"} {
			if f, ok := given[k]; ok {
				return d.errAt(f.keyN, f.path, "does not apply to task kind synthetic")
			}
		}
		if synth != nil {
			if err := d.synthetic(*synth, &t.Synthetic); err != nil {
				return err
			}
		}
	default:
		if synth != nil {
			return d.errAt(synth.keyN, synth.path, "applies only to task kind synthetic, not %s", t.Kind)
		}
		if _, ok := given["path"]; !ok {
			return d.errAt(e.keyN, e.path+".path", "missing: task kind %s needs the corpus path", t.Kind)
		}
		if t.Kind == "aligned" {
			for _, k := range []string{"valid_size", "test_size"} {
				if f, ok := given[k]; ok {
					return d.errAt(f.keyN, f.path, "does not apply to task kind aligned (its splits are files)")
				}
			}
		} else {
			if t.ValidSize == 0 {
				t.ValidSize = 500
			}
			if t.TestSize == 0 {
				t.TestSize = 500
			}
		}
		if _, ok := given["max_vocab"]; !ok {
			t.MaxVocab = 8000
		}
		if f, ok := given["max_vocab"]; ok && t.Tokenizer == "bpe" && t.MaxVocab == 0 {
			return d.errAt(f.value, f.path, "tokenizer bpe needs the subword vocabulary size (>= 5), not 0")
		}
		t.Synthetic = Synthetic{}
	}
	return nil
}

// synthetic decodes task.synthetic.
func (d *decoder) synthetic(e entry, s *Synthetic) error {
	es, err := d.mapping(e.value, e.path, []string{"grammar", "train", "valid", "test", "vocab", "min_len", "max_len", "seed"})
	if err != nil {
		return err
	}
	lo, hi, vocabMin := int64(SyntheticMinWords), int64(SyntheticMaxWords), int64(4)
	for _, f := range es {
		if f.key == "grammar" {
			if s.Grammar, err = d.oneOf(f.value, f.path, grammars); err != nil {
				return err
			}
			if s.Grammar == "rich" {
				lo, hi, vocabMin = RichMinWords, RichMaxWords, 20
			}
		}
	}
	for _, f := range es {
		switch f.key {
		case "train":
			s.Train, err = d.intRange(f.value, f.path, 1, 1e8)
		case "valid":
			s.Valid, err = d.intRange(f.value, f.path, 1, 1e8)
		case "test":
			s.Test, err = d.intRange(f.value, f.path, 1, 1e8)
		case "vocab":
			s.Vocab, err = d.intRange(f.value, f.path, vocabMin, 1e6)
		case "min_len":
			s.MinLen, err = d.intRange(f.value, f.path, 1, hi)
		case "max_len":
			s.MaxLen, err = d.intRange(f.value, f.path, lo, 10000)
		case "seed":
			s.Seed, err = d.integer(f.value, f.path)
		}
		if err != nil {
			return err
		}
	}
	if s.MinLen > s.MaxLen {
		return d.errField(e.path+".max_len", "inverted range: min_len %d > max_len %d", s.MinLen, s.MaxLen)
	}
	return nil
}

// training decodes the training section.
func (d *decoder) training(e entry, t *Training) error {
	es, err := d.mapping(e.value, e.path, []string{"epochs", "max_steps", "batch_size", "max_minutes", "beta1", "beta2", "eps",
		"schedule", "clip_norm", "weight_decay_mode", "tie_embeddings", "positions", "beam",
		"latency_sentences", "threads", "eval_sentences"})
	if err != nil {
		return err
	}
	for _, f := range es {
		switch f.key {
		case "epochs":
			t.Epochs, err = d.intRange(f.value, f.path, 1, 1e6)
		case "max_steps":
			t.MaxSteps, err = d.intRange(f.value, f.path, 0, 1e9)
		case "batch_size":
			t.BatchSize, err = d.intRange(f.value, f.path, 1, 1e6)
		case "max_minutes":
			t.MaxMinutes, err = d.numberIn(f, 0, math.MaxFloat64, false)
		case "beta1":
			t.Beta1, err = d.numberIn(f, 0, 1, true)
		case "beta2":
			t.Beta2, err = d.numberIn(f, 0, 1, true)
		case "eps":
			t.Eps, err = d.numberIn(f, 0, 1, false)
			if err == nil && t.Eps <= 0 {
				err = d.errAt(f.value, f.path, "must be > 0")
			}
		case "schedule":
			t.Schedule, err = d.oneOf(f.value, f.path, schedules)
		case "clip_norm":
			t.ClipNorm, err = d.numberIn(f, 0, math.MaxFloat64, false)
		case "weight_decay_mode":
			t.WeightDecayMode, err = d.oneOf(f.value, f.path, decayModes)
		case "tie_embeddings":
			t.TieEmbeddings, err = d.boolean(f.value, f.path)
		case "positions":
			t.Positions, err = d.oneOf(f.value, f.path, positionKinds)
		case "beam":
			t.Beam, err = d.intRange(f.value, f.path, 1, 1000)
		case "latency_sentences":
			t.LatencySentences, err = d.intRange(f.value, f.path, 0, 1e6)
		case "threads":
			t.Threads, err = d.intRange(f.value, f.path, 0, 1024)
		case "eval_sentences":
			t.EvalSentences, err = d.intRange(f.value, f.path, 0, 1e8)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// numberIn reads a number in [lo, hi] (or [lo, hi) when openHi).
func (d *decoder) numberIn(f entry, lo, hi float64, openHi bool) (float64, error) {
	v, err := d.number(f.value, f.path)
	if err != nil {
		return 0, err
	}
	if v < lo || v > hi || (openHi && v >= hi) {
		closing := "]"
		if openHi {
			closing = ")"
		}
		return 0, d.errAt(f.value, f.path, "%s is outside [%s, %s%s", fmtNum(v), fmtNum(lo), fmtNum(hi), closing)
	}
	return v, nil
}

// budget decodes the budget section.
func (d *decoder) budget(e entry, b *Budget) error {
	es, err := d.mapping(e.value, e.path, record.BudgetFieldNames())
	if err != nil {
		return err
	}
	for _, f := range es {
		field, _ := record.BudgetFieldNamed(f.key)
		var v float64
		if field.Integer() {
			var i int64
			i, err = d.integer(f.value, f.path)
			v = float64(i)
		} else {
			v, err = d.number(f.value, f.path)
		}
		if err != nil {
			return err
		}
		if v <= 0 {
			return d.errAt(f.value, f.path, "must be > 0 (leave the key out for no limit)")
		}
		field.Set(b, v)
	}
	return nil
}

// objective decodes the objective section.
func (d *decoder) objective(e entry, o *Objective) error {
	es, err := d.mapping(e.value, e.path, objectiveKeys)
	if err != nil {
		return err
	}
	d.obj = map[string]entry{}
	for _, f := range es {
		d.obj[f.key] = f
		switch f.key {
		case "metric":
			o.Metric, err = d.oneOf(f.value, f.path, metrics)
		case "cost":
			o.Cost, err = d.oneOf(f.value, f.path, costs)
		case "tradeoff":
			o.Tradeoff, err = d.numberIn(f, 0, 1000, false)
		case "src_len":
			o.SrcLen, err = d.intRange(f.value, f.path, 1, 10000)
		case "tgt_len":
			o.TgtLen, err = d.intRange(f.value, f.path, 1, 10000)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// params decodes the params section: name -> scalar (fixed) or mapping (distribution).
func (d *decoder) params(e entry) ([]Param, error) {
	known := Names
	if d.command {
		known = nil // a command's parameters are its own
	}
	es, err := d.mapping(e.value, e.path, known)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		if d.command {
			return nil, d.errAt(e.keyN, e.path, "empty section: declare at least one parameter")
		}
		return nil, d.errAt(e.keyN, e.path, "empty section: declare at least one parameter (%s)", strings.Join(Names, ", "))
	}
	out := make([]Param, 0, len(es))
	for _, f := range es {
		param := d.param
		if d.command {
			param = d.commandParam
		}
		p, err := param(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// param decodes one parameter and validates its domain against the name's legal values.
func (d *decoder) param(f entry) (Param, error) {
	ni, _ := nameInfoOf(f.key)
	p := Param{Name: f.key, Line: f.keyN.Line, Column: f.keyN.Column}
	typeName := "a float"
	if ni.integer {
		typeName = "an integer"
	}
	if f.value.Kind == yaml.ScalarNode {
		if err := d.scalar(f.value, f.path, "a value or a distribution"); err != nil {
			return p, err
		}
		return d.fixed(p, f.value, f.path, ni)
	}
	// The type may be omitted: choices -> categorical, value -> fixed, otherwise the name's own type.
	def := KindFloat
	if ni.integer {
		def = KindInt
	}
	given, err := d.paramKeys(f, &p, def, "default")
	if err != nil {
		return p, err
	}
	switch p.Kind {
	case KindFixed:
		v, err := d.fixedValue(f, given)
		if err != nil {
			return p, err
		}
		if err := d.scalar(v.value, v.path, typeName); err != nil {
			return p, err
		}
		return d.fixed(p, v.value, v.path, ni)
	case KindCategorical:
		if p, err = d.categorical(p, given["choices"], f, ni, typeName); err != nil {
			return p, err
		}
		return d.paramDefault(p, given, ni, typeName)
	case KindFloat:
		if ni.integer {
			return p, d.errAt(given["type"].value, f.path+".type", "%s is an integer parameter; use type int or categorical", f.key)
		}
	case KindInt:
		if !ni.integer {
			return p, d.errAt(given["type"].value, f.path+".type", "%s is a float parameter; use type float or categorical", f.key)
		}
	}
	if p, err = d.rangeParam(p, given, f, ni); err != nil {
		return p, err
	}
	return d.paramDefault(p, given, ni, typeName)
}

// paramDefault decodes a parameter's optional `default:`, which must be a value of its domain.
func (d *decoder) paramDefault(p Param, given map[string]entry, ni nameInfo, typeName string) (Param, error) {
	e, ok := given["default"]
	if !ok {
		return p, nil
	}
	if err := d.scalar(e.value, e.path, typeName); err != nil {
		return p, err
	}
	if e.value.Tag != "!!int" && e.value.Tag != "!!float" {
		return p, d.errAt(e.value, e.path, "expected %s, found %s", typeName, kindName(e.value))
	}
	v, err := ni.parseValue(e.value.Value)
	if err != nil {
		return p, d.errAt(e.value, e.path, "%v", err)
	}
	if !p.Contains(v) {
		return p, d.errAt(e.value, e.path, "default %s lies outside the domain %s", fmtNum(v), p.Describe())
	}
	p.Default = fmtNum(v)
	return p, nil
}

// fixedValue returns the value entry of the fixed parameter f written as a mapping (given holds
// its keys), or an error naming it as missing.
func (d *decoder) fixedValue(f entry, given map[string]entry) (entry, error) {
	v, ok := given["value"]
	if !ok {
		return v, d.errAt(f.keyN, f.path+".value", "missing: a fixed parameter needs its value")
	}
	return v, nil
}

// paramKeys reads a parameter's mapping and its kind: type when given, else categorical with
// choices, fixed with value, else def ("" = the type is required); every key must apply to the
// kind (extra: keys that also apply to int, float and categorical ones). It returns the entries
// by key.
func (d *decoder) paramKeys(f entry, p *Param, def string, extra ...string) (map[string]entry, error) {
	es, err := d.mapping(f.value, f.path, append([]string{"type", "low", "high", "step", "log", "choices", "value"}, extra...))
	if err != nil {
		return nil, err
	}
	given := map[string]entry{}
	for _, o := range es {
		given[o.key] = o
	}
	switch {
	case given["type"].value != nil:
		if p.Kind, err = d.oneOf(given["type"].value, given["type"].path, paramKinds); err != nil {
			return nil, err
		}
	case given["choices"].value != nil:
		p.Kind = KindCategorical
	case given["value"].value != nil:
		p.Kind = KindFixed
	case def != "":
		p.Kind = def
	default:
		return nil, d.errAt(f.keyN, f.path+".type", "missing: a command's parameter needs its type (%s)", strings.Join(paramKinds, ", "))
	}
	allowed := map[string][]string{
		KindInt:         append([]string{"type", "low", "high", "step", "log"}, extra...),
		KindFloat:       append([]string{"type", "low", "high", "step", "log"}, extra...),
		KindCategorical: append([]string{"type", "choices"}, extra...),
		KindFixed:       {"type", "value"},
	}
	for _, o := range es {
		if !contains(allowed[p.Kind], o.key) {
			return nil, d.errAt(o.keyN, o.path, "does not apply to a %s parameter (keys: %s)", p.Kind, strings.Join(allowed[p.Kind], ", "))
		}
	}
	return given, nil
}

// fixed decodes a fixed value.
func (d *decoder) fixed(p Param, n *yaml.Node, field string, ni nameInfo) (Param, error) {
	p.Kind = KindFixed
	if n.Tag != "!!int" && n.Tag != "!!float" {
		return p, d.errAt(n, field, "expected a number, found %s", kindName(n))
	}
	v, err := ni.parseValue(n.Value)
	if err != nil {
		return p, d.errAt(n, field, "%v", err)
	}
	p.Value = fmtNum(v)
	return p, nil
}

// choiceList checks that c, the choices of the categorical parameter f, is a non-empty list.
func (d *decoder) choiceList(c entry, f entry) error {
	if c.value == nil {
		return d.errAt(f.keyN, f.path+".choices", "missing: a categorical parameter needs its choices")
	}
	if c.value.Kind != yaml.SequenceNode {
		return d.errAt(c.value, c.path, "expected a list of choices, found %s", kindName(c.value))
	}
	if len(c.value.Content) == 0 {
		return d.errAt(c.value, c.path, "empty list of choices")
	}
	return nil
}

// categorical decodes a list of choices.
func (d *decoder) categorical(p Param, c entry, f entry, ni nameInfo, typeName string) (Param, error) {
	if err := d.choiceList(c, f); err != nil {
		return p, err
	}
	seen := map[float64]bool{}
	for i, raw := range c.value.Content {
		n, err := d.resolve(raw, c.path)
		if err != nil {
			return p, err
		}
		field := fmt.Sprintf("%s[%d]", c.path, i)
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
			return p, d.errAt(n, field, "expected %s, found %s", typeName, kindName(n))
		}
		v, err := ni.parseValue(n.Value)
		if err != nil {
			return p, d.errAt(n, field, "%v", err)
		}
		if seen[v] {
			return p, d.errAt(n, field, "duplicate choice %s", fmtNum(v))
		}
		seen[v] = true
		p.Choices = append(p.Choices, fmtNum(v))
	}
	return p, nil
}

// rangeParam decodes and validates an int or float range.
func (d *decoder) rangeParam(p Param, given map[string]entry, f entry, ni nameInfo) (Param, error) {
	for _, k := range []string{"low", "high"} {
		if _, ok := given[k]; !ok {
			return p, d.errAt(f.keyN, f.path+"."+k, "missing: a %s range needs low and high", p.Kind)
		}
	}
	var err error
	read := func(k string) (float64, error) {
		o := given[k]
		v, err := d.number(o.value, o.path)
		if err != nil {
			return 0, err
		}
		if p.Kind == KindInt && v != math.Trunc(v) {
			return 0, d.errAt(o.value, o.path, "expected an integer, found %q", o.value.Value)
		}
		return v, nil
	}
	if p.Low, err = read("low"); err != nil {
		return p, err
	}
	if p.High, err = read("high"); err != nil {
		return p, err
	}
	if l, ok := given["log"]; ok {
		if p.Log, err = d.boolean(l.value, l.path); err != nil {
			return p, err
		}
	}
	if s, ok := given["step"]; ok {
		if p.Step, err = read("step"); err != nil {
			return p, err
		}
		if p.Step <= 0 {
			return p, d.errAt(s.value, s.path, "step must be > 0, found %s", fmtNum(p.Step))
		}
	}
	lowN, highN := given["low"].value, given["high"].value
	switch {
	case p.Low > p.High:
		return p, d.errAt(highN, f.path+".high", "inverted range: low %s > high %s", fmtNum(p.Low), fmtNum(p.High))
	case p.Low == p.High:
		return p, d.errAt(highN, f.path+".high", "empty range: low == high == %s (write the value alone to fix it)", fmtNum(p.Low))
	}
	if err := ni.legal(p.Low); err != nil {
		return p, d.errAt(lowN, f.path+".low", "%v", err)
	}
	if err := ni.legal(p.High); err != nil {
		return p, d.errAt(highN, f.path+".high", "%v", err)
	}
	if p.Log && p.Low <= 0 {
		return p, d.errAt(lowN, f.path+".low", "log range needs low > 0, found %s", fmtNum(p.Low))
	}
	if s, ok := given["step"]; ok {
		if p.Log && !(p.Kind == KindInt && p.Step == 1) {
			return p, d.errAt(s.value, s.path, "step cannot be combined with log (goptuna has no stepped log distribution)")
		}
		k := (p.High - p.Low) / p.Step
		if math.Abs(k-math.Round(k)) > 1e-9*math.Max(1, k) {
			return p, d.errAt(s.value, s.path, "step %s does not divide the range [%s, %s] (length %s)",
				fmtNum(p.Step), fmtNum(p.Low), fmtNum(p.High), fmtNum(p.High-p.Low))
		}
		if p.Kind == KindInt && p.Step == 1 {
			p.Step = 0
		}
	}
	return p, nil
}

// crossCheck validates rules spanning sections and fills defaults that depend on other fields.
func (d *decoder) crossCheck(s *Spec) error {
	if s.Objective.SrcLen == 0 {
		s.Objective.SrcLen = s.Task.MaxLen
	}
	if s.Objective.TgtLen == 0 {
		s.Objective.TgtLen = s.Task.MaxLen
	}
	if s.Task.Kind == "synthetic" && s.Task.Synthetic.MaxLen > s.Task.MaxLen {
		field := "task.synthetic.max_len"
		if _, written := d.pos[field]; !written {
			field = "task.max_len"
		}
		return d.errField(field, "synthetic.max_len %d exceeds task.max_len %d (the longest sentences would be skipped)",
			s.Task.Synthetic.MaxLen, s.Task.MaxLen)
	}
	if err := d.objectiveForms(d.obj, &s.Objective, s.Task.Kind); err != nil {
		return err
	}
	s.resolveGoals()
	need, _ := record.CostField(s.Objective.Cost)
	if need.Limit(s.Budget) <= 0 && !s.Objective.Listed() {
		return d.errField("objective.cost", "cost %s needs budget.%s: the score and the hypervolume measure the cost against it",
			s.Objective.Cost, need.Name)
	}
	if (s.Objective.Cost == record.CostLatency || s.Objective.HasGoal(record.CostLatency) || s.Budget.MaxLatencyMS > 0) && s.Training.LatencySentences == 0 {
		return d.errField("training.latency_sentences", "must be >= 1 when latency is measured (budget.max_latency_ms or a latency goal)")
	}
	if err := d.crossCheckStudy(s); err != nil {
		return err
	}
	if s.Study.Pruner.Kind == "successive_halving" && s.Study.Pruner.MinResource > s.Training.Epochs {
		return d.errField("study.pruner.min_resource", "%d exceeds training.epochs %d (no trial would reach the first rung)",
			s.Study.Pruner.MinResource, s.Training.Epochs)
	}
	if err := s.structurallySatisfiable(); err != nil {
		field := "params.d_model"
		if p, ok := s.Param("heads"); ok && p.Kind != KindFixed {
			field = "params.heads"
		}
		return d.errField(field, "%v", err)
	}
	return d.finishSupernet(s)
}

// crossCheckStudy validates the study settings against each other.
func (d *decoder) crossCheckStudy(s *Spec) error {
	if n := s.Study.Sampler.Options["startup_trials"]; n > float64(s.Study.Trials) {
		return d.errField("study.sampler.startup_trials", "%d exceeds study.trials %d", int(n), s.Study.Trials)
	}
	return nil
}

// checkPath resolves the corpus path against the space file's directory and checks it exists; it
// runs last, so that a missing corpus is the only error left when it is reported (the error wraps
// fs.ErrNotExist).
func (d *decoder) checkPath(s *Spec) error {
	if s.Task.Kind == "synthetic" {
		return nil
	}
	if !filepath.IsAbs(s.Task.Path) {
		s.Task.Path = filepath.Join(filepath.Dir(d.file), s.Task.Path)
	}
	fail := func(format string, args ...any) error {
		p := d.pos["task.path"]
		return &Error{File: d.file, Line: p.Line, Column: p.Column, Field: "task.path",
			Msg: fmt.Sprintf(format, args...), Err: fs.ErrNotExist}
	}
	st, err := os.Stat(s.Task.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail("corpus %s does not exist", s.Task.Path)
		}
		return &Error{File: d.file, Line: d.pos["task.path"].Line, Column: d.pos["task.path"].Column,
			Field: "task.path", Msg: err.Error(), Err: err}
	}
	switch s.Task.Kind {
	case "tsv":
		if st.IsDir() {
			return d.errField("task.path", "%s is a directory; task kind tsv needs a tab-separated file", s.Task.Path)
		}
	case "aligned":
		if !st.IsDir() {
			return d.errField("task.path", "%s is a file; task kind aligned needs a directory with {train,valid,test}.{src,tgt}", s.Task.Path)
		}
		for _, split := range []string{"train", "valid", "test"} {
			for _, side := range []string{"src", "tgt"} {
				f := filepath.Join(s.Task.Path, split+"."+side)
				if _, err := os.Stat(f); err != nil {
					return fail("corpus file %s is missing", f)
				}
			}
		}
	}
	return nil
}
