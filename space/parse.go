package space

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/attnsearch/attnsearch/record"
)

// Accepted values of the enumerated fields.
var (
	taskKinds     = []string{"synthetic", "aligned", "tsv"}
	tokenizers    = []string{"word", "char", "byte", "bpe"}
	schedules     = []string{"inverse_sqrt", "cosine", "constant"}
	decayModes    = []string{"decoupled", "l2"}
	positionKinds = []string{"sinusoidal", "learned"}
	metrics       = []string{"bleu", "accuracy"}
	costs         = record.CostNames()
	paramKinds    = []string{KindInt, KindFloat, KindCategorical, KindFixed}
)

// Load reads, parses and validates the space file at path (strict YAML, defaults filled in). It
// accepts any sampler and pruner kind with the options as written (see With); LoadWith checks
// them against the registries at hand, as the search does when the study runs.
func Load(path string) (*Spec, error) { return LoadWith(path, With{}) }

// LoadWith is Load with the sampler and pruner kinds and the corpus of w: study.sampler and
// study.pruner must name one of their kinds and give only the options it declares, each valid.
func LoadWith(path string, w With) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("space: read %s: %w", path, err)
	}
	return parse(path, src, w)
}

// Parse parses and validates a space file's bytes as Load does; filename is used in messages and
// to resolve relative corpus paths (relative to the file's directory).
func Parse(filename string, src []byte) (*Spec, error) {
	return ParseWith(filename, src, With{})
}

// ParseWith is Parse with the sampler and pruner kinds and the corpus of w (see LoadWith).
func ParseWith(filename string, src []byte, w With) (*Spec, error) {
	return parse(filename, src, w)
}

// parse is ParseWith (the corpus optionally replaced, see LoadWithCorpus).
func parse(filename string, src []byte, w With) (*Spec, error) {
	corpus := w.Corpus
	d := &decoder{file: filename, pos: map[string]Pos{}, samplers: w.Samplers, pruners: w.Pruners,
		predictors: w.Predictors, features: w.Features}
	root, err := d.parseDocument(src)
	if err != nil {
		return nil, err
	}
	if root, err = d.supernet(root); err != nil { // study.strategy and the supernet section: supernet.go
		return nil, err
	}
	spec := defaultSpec(filename)
	top, err := d.mapping(root, "", []string{"study", "task", "training", "params", "budget", "objective", "costs"})
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
	if err := d.costs(top, spec); err != nil { // costs section (costs.go), before the budget it bounds
		return nil, err
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
		// A corpus given by --data is the flag's fault, not the file's task.path.
		var e *Error
		if corpus != "" && errors.As(err, &e) && e.Field == "task.path" {
			return nil, &dataError{corpus: corpus, msg: e.Msg, err: e.Err}
		}
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
			Sampler: Sampler{Kind: "auto"},
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
	// Any pruner's min_resource counts epochs.
	if r, ok := s.Study.Pruner.Options["min_resource"]; ok && r > float64(s.Training.Epochs) {
		return d.errField("study.pruner.min_resource", "%s exceeds training.epochs %d (no trial would reach the first rung)",
			fmtNum(r), s.Training.Epochs)
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
