package space

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Search strategies (study.strategy).
const (
	StrategyPerTrial = "per_trial" // every trial trains its point from scratch (the default)
	StrategySupernet = "supernet"  // weight sharing: train a SuperTransformer, rank sub-networks by inherited weights, retrain the best
)

// strategies are the accepted values of study.strategy.
var strategies = []string{StrategyPerTrial, StrategySupernet}

// ElasticNames are the architecture parameters a SuperTransformer's sub-networks vary (each up
// to its declared upper bound), in canonical order.
var ElasticNames = []string{"d_model", "heads", "kv_heads", "enc_layers", "dec_layers", "d_ff"}

// maxElasticValues bounds the values one elastic dimension may take.
const maxElasticValues = 4096

// Supernet holds the supernet section: how the SuperTransformer trains, how sub-networks are
// scored with inherited weights, how many are, and how the best are retrained.
type Supernet struct {
	TrainMinutes  float64 // train.minutes: wall-clock limit of the SuperTransformer's training (0 = none)
	TrainSteps    int     // train.steps: update limit (0 = none; one of the two is required)
	Sampling      string  // train.sampling: uniform (one sub-network per update) | sandwich (largest, smallest, one random)
	Distill       bool    // train.distill: with sandwich, the others learn the largest's output distribution
	Widths        string  // train.widths: joint (every elastic dimension drawn at once) | even (d_model first, evenly over the box's widths)
	Largest       string  // train.largest: widest (the sandwich's largest is one sub-network) | rotate (each width's largest in turn)
	TrainLR       float64 // train.lr: the shared weights' peak learning rate (0 = the space's lr start value)
	EvalSentences int     // evaluate.sentences: validation sentences decoded to score a sub-network
	EvalRank      string  // evaluate.rank: bleu | likelihood: the quality that orders the inherited front for retraining
	Trials        int     // trials: sub-networks the search phase evaluates
	TopK          int     // retrain.top_k: points of the inherited front retrained as ordinary trials
	RetrainSteps  int     // retrain.steps: update limit of each retrained trial (0 = none)
	RetrainFrom   string  // retrain.from: scratch (new weights) | inherited (the SuperTransformer's slices)
	// RetrainMinutes is retrain.minutes: the wall-clock limit of each retrained trial (0 = none;
	// the trial stops at whichever of steps and minutes comes first, at least one is set).
	RetrainMinutes float64
	// RetrainReference is retrain.reference: goal name → bound of the box in which the top_k are
	// chosen by hypervolume contribution (a goal left out takes its hypervolume reference,
	// Spec.GoalReference); nil chooses by non-domination rank and crowding distance.
	RetrainReference map[string]float64
}

// Values of supernet.train.widths.
const (
	WidthsJoint = "joint" // the drawn sub-network's elastic dimensions are drawn together (the default)
	WidthsEven  = "even"  // d_model is drawn first, evenly over the widths with a sub-network inside retrain.reference's box
)

// Values of supernet.train.largest.
const (
	LargestWidest = "widest" // the sandwich's largest is the widest sub-network inside the box, at every update (the default)
	LargestRotate = "rotate" // update n's largest is width n mod W's sub-network with the most parameters inside the box
)

// defaultSupernet is the supernet section's defaults.
var defaultSupernet = Supernet{TrainSteps: 2000, Sampling: "sandwich", Widths: WidthsJoint, Largest: LargestWidest, EvalSentences: 50, EvalRank: "bleu", Trials: 1000,
	TopK: 8, RetrainSteps: 1000, RetrainFrom: "scratch"}

// supernetDecl is what the supernet hook found in the file, finished by finishSupernet.
type supernetDecl struct {
	strategy string
	section  *entry
	spec     Supernet
	refs     []entry // retrain.reference's entries, checked against the goals once they are known
}

// supernet takes study.strategy and the supernet section out of root (the rest of the parser
// does not know them), decodes them into d.super and returns root.
func (d *decoder) supernet(root *yaml.Node) (*yaml.Node, error) {
	d.super = &supernetDecl{strategy: StrategyPerTrial, spec: defaultSupernet}
	n, err := d.resolve(root, "")
	if err != nil || n.Kind != yaml.MappingNode {
		return root, nil // the top-level mapping check reports it
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		switch k.Value {
		case "supernet":
			d.super.section = &entry{key: "supernet", keyN: k, value: n.Content[i+1], path: "supernet"}
			n.Content = slices.Delete(n.Content, i, i+2)
			i -= 2
		case "study":
			sv, err := d.resolve(n.Content[i+1], "study")
			if err != nil || sv.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(sv.Content); j += 2 {
				if sv.Content[j].Value != "strategy" {
					continue
				}
				v := sv.Content[j+1]
				if d.super.strategy, err = d.oneOf(v, "study.strategy", strategies); err != nil {
					return nil, err
				}
				d.pos["study.strategy"] = Pos{Line: v.Line, Column: v.Column}
				sv.Content = slices.Delete(sv.Content, j, j+2)
				break
			}
		}
	}
	if s := d.super.section; s != nil {
		if d.super.strategy != StrategySupernet {
			return nil, d.errAt(s.keyN, "supernet", "applies only with study.strategy: supernet")
		}
		if err := d.supernetSection(*s, &d.super.spec); err != nil {
			return nil, err
		}
	}
	return root, nil
}

// supernetSection decodes the supernet section.
func (d *decoder) supernetSection(e entry, s *Supernet) error {
	return d.fields(e, []string{"train", "evaluate", "trials", "retrain"}, func(f entry) (err error) {
		switch f.key {
		case "trials":
			s.Trials, err = d.intRange(f.value, f.path, 1, 1e7)
		case "train":
			err = d.supernetTrain(f, s)
		case "evaluate":
			err = d.fields(f, []string{"sentences", "rank"}, func(g entry) (err error) {
				if g.key == "rank" {
					s.EvalRank, err = d.oneOf(g.value, g.path, []string{"bleu", "likelihood"})
					return err
				}
				s.EvalSentences, err = d.intRange(g.value, g.path, 1, 1e7)
				return err
			})
		case "retrain":
			err = d.supernetRetrain(f, s)
		}
		return err
	})
}

// supernetTrain decodes supernet.train.
func (d *decoder) supernetTrain(e entry, s *Supernet) error {
	err := d.fields(e, []string{"minutes", "steps", "sampling", "distill", "widths", "largest", "lr"}, func(f entry) (err error) {
		switch f.key {
		case "minutes":
			s.TrainMinutes, err = d.numberIn(f, 0, 1e7, false)
			if _, stepsGiven := d.pos["supernet.train.steps"]; err == nil && !stepsGiven {
				s.TrainSteps = 0 // a time limit alone: no default step limit
			}
		case "steps":
			s.TrainSteps, err = d.intRange(f.value, f.path, 0, 1e9)
		case "sampling":
			s.Sampling, err = d.oneOf(f.value, f.path, []string{"uniform", "sandwich"})
		case "distill":
			s.Distill, err = d.boolean(f.value, f.path)
		case "widths":
			s.Widths, err = d.oneOf(f.value, f.path, []string{WidthsJoint, WidthsEven})
		case "largest":
			s.Largest, err = d.oneOf(f.value, f.path, []string{LargestWidest, LargestRotate})
		case "lr":
			if s.TrainLR, err = d.numberIn(f, 0, 1, false); err == nil && s.TrainLR == 0 {
				err = d.errAt(f.value, f.path, "must be > 0 (leave it out for the space's lr)")
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if s.TrainMinutes == 0 && s.TrainSteps == 0 {
		return d.errAt(e.keyN, e.path, "needs a limit: minutes or steps (> 0)")
	}
	if s.Largest == LargestRotate && s.Sampling != "sandwich" {
		return d.errField("supernet.train.largest", "needs sampling: sandwich (only the sandwich has a largest sub-network)")
	}
	if s.Distill && s.Sampling != "sandwich" {
		return d.errField("supernet.train.distill", "needs sampling: sandwich (the largest sub-network of each update is the teacher)")
	}
	return nil
}

// supernetRetrain decodes supernet.retrain.
func (d *decoder) supernetRetrain(e entry, s *Supernet) error {
	if err := d.fields(e, []string{"top_k", "steps", "minutes", "from", "reference"}, func(f entry) (err error) {
		switch f.key {
		case "top_k":
			s.TopK, err = d.intRange(f.value, f.path, 1, 1e5)
		case "steps":
			s.RetrainSteps, err = d.intRange(f.value, f.path, 0, 1e9)
		case "minutes":
			s.RetrainMinutes, err = d.numberIn(f, 0, 1e7, false)
			if _, stepsGiven := d.pos["supernet.retrain.steps"]; err == nil && !stepsGiven {
				s.RetrainSteps = 0 // a time limit alone: no default step limit
			}
		case "from":
			s.RetrainFrom, err = d.oneOf(f.value, f.path, []string{"scratch", "inherited"})
		case "reference":
			var rs []entry
			if rs, err = d.mapping(f.value, f.path, nil); err == nil {
				s.RetrainReference = map[string]float64{} // filled by finishSupernet, under the goals' names
				for _, r := range rs {
					if _, err = d.number(r.value, r.path); err != nil {
						return err
					}
				}
				d.super.refs = rs
			}
		}
		return err
	}); err != nil {
		return err
	}
	if s.RetrainMinutes == 0 && s.RetrainSteps == 0 {
		return d.errAt(e.keyN, e.path, "needs a limit: minutes or steps (> 0)")
	}
	return nil
}

// finishSupernet stores the decoded strategy and section in s and checks the rules that need
// the whole file: a built-in task, no pruner, and elastic architecture parameters.
func (d *decoder) finishSupernet(s *Spec) error {
	if d.super == nil {
		d.super = &supernetDecl{strategy: StrategyPerTrial, spec: defaultSupernet}
	}
	if d.super.strategy != StrategySupernet {
		return nil // per_trial: Strategy stays "", the Spec is what it was before strategies existed
	}
	s.Study.Strategy, s.Supernet = StrategySupernet, d.super.spec
	if s.Task.Kind == TaskCommand {
		return d.errField("study.strategy", "supernet needs a built-in task (a command trains its own model)")
	}
	if s.Study.Pruner.Kind != "none" {
		return d.errField("study.pruner", "does not apply with study.strategy: supernet (sub-networks are scored once; retrained trials run their steps)")
	}
	if _, err := s.Elastic(); err != nil {
		return err
	}
	goals := map[string]bool{}
	for _, g := range s.Objective.Goals() {
		goals[g.Name] = true
	}
	for _, r := range d.super.refs {
		name := r.key
		if b, ok := builtinGoals[name]; ok {
			name = b.canonical
		}
		if !goals[name] {
			return d.errAt(r.keyN, r.path, "%s is not a goal (goals: %s)", r.key, strings.Join(goalNames(s.Objective.Goals()), ", "))
		}
		s.Supernet.RetrainReference[name], _ = d.number(r.value, r.path)
	}
	return nil
}

// Elastic returns the values each elastic dimension (ElasticNames) takes in the space, ascending:
// the declared domain's, or for an undeclared name its default's (kv_heads: those of heads;
// d_ff: 4 × those of d_model). A dimension with more than 4096 values, or a space without any
// searched architecture parameter, is an *Error naming the parameters.
func (s *Spec) Elastic() (map[string][]int, error) {
	out := map[string][]int{}
	searched := false
	for _, name := range ElasticNames {
		p, declared := s.Param(name)
		var vs []int
		switch {
		case declared:
			vs = p.enumerate(maxElasticValues)
			if vs == nil {
				return nil, s.fieldError("params."+name, "%s has more than %d values: too many to be an elastic dimension of the supernet (give a step or a choice list)", p.Describe(), maxElasticValues)
			}
			searched = searched || p.Kind != KindFixed
		case name == "kv_heads":
			vs = append([]int(nil), out["heads"]...)
		case name == "d_ff":
			for _, v := range out["d_model"] {
				vs = append(vs, 4*v)
			}
		default:
			vs = s.domain(name).enumerate(1)
		}
		slices.Sort(vs)
		out[name] = slices.Compact(vs)
	}
	if !searched {
		return nil, s.fieldError("params", "study.strategy supernet needs at least one searched architecture parameter (%s); every one is fixed or undeclared",
			strings.Join(ElasticNames, ", "))
	}
	return out, nil
}

// IsSupernet reports whether the study uses the supernet strategy.
func (s *Spec) IsSupernet() bool { return s.Study.Strategy == StrategySupernet }

// fieldError is an *Error at a field of s's file.
func (s *Spec) fieldError(field, format string, args ...any) error {
	p := s.Pos[field]
	return &Error{File: s.File, Line: p.Line, Column: p.Column, Field: field, Msg: fmt.Sprintf(format, args...)}
}
