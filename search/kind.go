package search

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// TaskKind is one way of evaluating a study's points: the built-in training (builtinKind), the
// user's trial command (commandKind), or a new one. A new kind is one file declaring a TaskKind
// and one registration line in BuiltinKinds (or Kinds.Register on Options.Kinds). Its funcs
// receive the search's internal views (*Prepared, *trialRun, *runner), so a kind lives in this
// package.
type TaskKind struct {
	Name  string   // the kind's name (builtin, command, …)
	Tasks []string // the space file's task kinds (task.kind) it evaluates
	// Claims, when set, takes the studies it returns true for whatever their task kind (a kind
	// that is a way of searching rather than a task, such as weight sharing); the kinds with
	// Claims are asked first, in registration order.
	Claims func(spec *space.Spec) bool
	// Figures says how reports show its trials (stored in the study's record.StudyInfo).
	Figures record.Figures
	// Transformer: its points are transformer configurations (space.Config): the task's data is
	// loaded, the cost model applies, and attnsearch estimate and train take its spaces.
	Transformer bool
	// Unit names one reported step in messages ("epoch", "step").
	Unit string
	// Describe says in a few words what evaluates its trials, for progress lines ("" = the data set).
	Describe func(spec *space.Spec) string
	// Searches says in a few words how the kind searches spec, for a run's first line (nil = the
	// trials, the sampler and the pruner).
	Searches func(spec *space.Spec) string
	// Trials is the number of trials a run of spec plans, its progress's end (nil = study.trials).
	Trials func(spec *space.Spec) int
	// Prepare checks the kind's section of the space beyond the parser and sets p.trainer (unless
	// Options.Trainer gave one) and p.arch; it touches no store.
	Prepare func(ctx context.Context, p *Prepared) error
	// Evaluate evaluates one trial whose seed is derived and stored (see trialRun.evaluate) and
	// returns its score: nil, goptuna.ErrTrialPruned, or the trial's failure.
	Evaluate func(ctx context.Context, t *trialRun, seed int64, seedText string) (float64, error)
	// Step scores one reported step: the score, whether the pruner sees it, the values kept in
	// the history and the cost model's figures for the objective vector (nil: none).
	Step func(t *trialRun, values map[string]float64) (score float64, prune bool, kept map[string]float64, cost *objective.Cost)
	// Epochs is the number of steps a trial is planned to report (0 = unknown).
	Epochs func(spec *space.Spec) int
	// Open runs once the study is open (nil = nothing): what the kind keeps in the study, such
	// as the token that marks its trials' processes.
	Open func(r *runner, studyID int) error
	// Sweep cleans up after the stale trials of a dead run (nil = nothing), such as the
	// processes their commands left running.
	Sweep func(r *runner, stale []goptuna.FrozenTrial)
	// Run, when set, drives the whole study in place of the per-trial loop (a strategy of
	// several phases, such as weight sharing's); its trials are evaluated by Evaluate and Step.
	Run func(ctx context.Context, p *Prepared, st Storage) (*Result, error)
}

// Headline is the first line a run of spec prints: the study, where it is stored (location),
// how the kind searches it and what evaluates its trials (what: Describe's, or the data set).
func (k TaskKind) Headline(spec *space.Spec, location, what string) string {
	how := ""
	if k.Searches != nil {
		how = k.Searches(spec)
	} else {
		how = fmt.Sprintf("%s, sampler %s, pruner %s", plural(spec.Study.Trials, "trial", "trials"), spec.Study.Sampler.Kind, spec.Study.Pruner.Kind)
	}
	return fmt.Sprintf("study %s in %s: %s, %s", spec.Study.Name, location, how, what)
}

// Planned is the number of trials a run of spec plans: Trials's, else study.trials.
func (k TaskKind) Planned(spec *space.Spec) int {
	if k.Trials != nil {
		return k.Trials(spec)
	}
	return spec.Study.Trials
}

// plural is "1 trial" or "n trials".
func plural(n int, one, many string) string {
	if n != 1 {
		one = many
	}
	return fmt.Sprintf("%d %s", n, one)
}

// Kinds holds task kinds by name and by the space task kinds they evaluate.
type Kinds struct {
	kinds []TaskKind
}

// NewKinds returns an empty registry.
func NewKinds() *Kinds { return &Kinds{} }

// Register adds k; a name or task kind registered twice, or a kind without Prepare, Evaluate or
// Step, is a programming error and panics.
func (r *Kinds) Register(k TaskKind) {
	if k.Prepare == nil || k.Evaluate == nil || k.Step == nil || k.Epochs == nil {
		panic(fmt.Sprintf("search: task kind %q lacks Prepare, Evaluate, Step or Epochs", k.Name))
	}
	for _, o := range r.kinds {
		if o.Name == k.Name {
			panic(fmt.Sprintf("search: task kind %q registered twice", k.Name))
		}
		for _, t := range k.Tasks {
			if slices.Contains(o.Tasks, t) {
				panic(fmt.Sprintf("search: task %q claimed by kinds %q and %q", t, o.Name, k.Name))
			}
		}
	}
	r.kinds = append(r.kinds, k)
}

// Names lists the registered kinds in registration order.
func (r *Kinds) Names() []string {
	out := make([]string, len(r.kinds))
	for i, k := range r.kinds {
		out[i] = k.Name
	}
	return out
}

// For returns the kind that evaluates spec: the first kind whose Claims takes it, else the kind
// of its task.
func (r *Kinds) For(spec *space.Spec) (TaskKind, error) {
	for _, k := range r.kinds {
		if k.Claims != nil && k.Claims(spec) {
			return k, nil
		}
	}
	for _, k := range r.kinds {
		if slices.Contains(k.Tasks, spec.Task.Kind) {
			return k, nil
		}
	}
	return TaskKind{}, fmt.Errorf("search: no task kind evaluates task %q (kinds: %s)", spec.Task.Kind, strings.Join(r.Names(), ", "))
}

// BuiltinKinds returns a registry holding the task kinds of attnsearch, one registration line each.
func BuiltinKinds() *Kinds {
	r := NewKinds()
	r.Register(builtinKind)
	r.Register(commandKind)
	r.Register(supernetKind)
	return r
}

// KindOf returns the built-in task kind that evaluates spec's task.
func KindOf(spec *space.Spec) (TaskKind, error) { return BuiltinKinds().For(spec) }

// Registries returns the sampler and pruner kinds of attnsearch as the space parser takes them,
// so that a space file's study.sampler and study.pruner are checked where they are written.
func Registries() space.With {
	return space.With{Samplers: sampler.Builtin(), Pruners: BuiltinPruners()}
}
