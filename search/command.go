package search

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/command"
	"github.com/c-bata/goptuna"
)

// SysCommandToken is the study system attribute holding a random token that, with a trial's
// number, marks the processes of the study's trial commands (command.Command.Mark), so that a
// resumed run can find what a killed run's trials left behind.
const SysCommandToken = "attnsearch:command_token"

// commandKind runs the user's command on each point (task kind command): no data, no
// architecture and no cost model; the command's progress lines are the steps and its result
// line the figures, which reports show as reported values; the study keeps a token that marks
// its commands' processes, so that a resumed run kills what a dead run's commands left behind.
var commandKind = TaskKind{
	Name:    "command",
	Tasks:   []string{space.TaskCommand},
	Figures: record.FiguresReported,
	Unit:    "step",
	Describe: func(spec *space.Spec) string {
		what := "command " + strings.Join(spec.Task.Command, " ")
		if spec.Task.Timeout > 0 {
			what += fmt.Sprintf(" (timeout %s)", spec.Task.Timeout)
		}
		return what
	},
	Prepare: func(_ context.Context, p *Prepared) error {
		if err := checkCommandSpec(p.spec); err != nil {
			return err
		}
		if p.trainer == nil {
			p.trainer = newCommandTrainer(p.spec)
		}
		return nil
	},
	Evaluate: func(ctx context.Context, t *trialRun, seed int64, seedText string) (float64, error) {
		return t.evaluateCommand(ctx, seed, seedText)
	},
	Step:   commandStep,
	Epochs: func(*space.Spec) int { return 0 }, // unknown
	Open: func(r *runner, studyID int) error {
		ct, ok := r.trainer.(*commandTrainer)
		if !ok {
			return nil // another trainer (Options.Trainer) marks nothing
		}
		var err error
		ct.token, err = r.commandToken(studyID)
		return err
	},
	Sweep: func(r *runner, stale []goptuna.FrozenTrial) { r.sweep(stale) },
}

// commandStep scores a command's step: its finite values are kept; the score follows the first
// goal when present (and the pruner sees it), else it is 0 and stored in the history only. No
// cost model: every goal is a reported value.
func commandStep(t *trialRun, values map[string]float64) (float64, bool, map[string]float64, *objective.Cost) {
	finite := make(map[string]float64, len(values))
	for k, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			finite[k] = v
		}
	}
	s, prune := firstGoal(t.spec.Objective, finite)
	if !prune {
		s = 0
	}
	return s, prune, finite, nil
}

// commandTrainer evaluates a point by running the space file's command (task kind command) with
// the trial-command protocol of package trainer/command.
type commandTrainer struct {
	spec  *space.Spec
	token string // the study's SysCommandToken ("" = processes are not marked)
}

var _ Trainer = (*commandTrainer)(nil)

// newCommandTrainer returns the trainer of a command task.
func newCommandTrainer(spec *space.Spec) *commandTrainer { return &commandTrainer{spec: spec} }

// mark is the process mark of trial number n.
func (c *commandTrainer) mark(n int) string {
	if c.token == "" {
		return ""
	}
	return c.token + "/" + strconv.Itoa(n)
}

// Train runs the command on job's point: each progress line goes to job.Report, the result line's
// values are the metrics. Metrics.Attrs carries the command's log and stderr tail even when the
// trial failed; the error is then a *command.Failure, one wrapping command.ErrInterrupted, or
// one wrapping what job.Report returned (goptuna.ErrTrialPruned).
func (c *commandTrainer) Train(ctx context.Context, job Job) (Metrics, error) {
	t := c.spec.Task
	o := c.spec.Objective
	in := command.Input{Trial: job.Trial, Seed: job.Seed, Params: make(map[string]any, len(c.spec.Params))}
	for _, p := range c.spec.Params {
		in.Params[p.Name] = p.Declared(job.Point[p.Name])
	}
	// {worker} and {trial} in the argv and the env values become this worker's index and the
	// trial number (CUDA_VISIBLE_DEVICES: "{worker}" gives each worker its own device).
	subst := strings.NewReplacer("{worker}", strconv.Itoa(job.Worker), "{trial}", strconv.Itoa(job.Trial))
	argv := make([]string, len(t.Command))
	for i, a := range t.Command {
		argv[i] = subst.Replace(a)
	}
	env := make(map[string]string, len(t.Env))
	for k, v := range t.Env {
		env[k] = subst.Replace(v)
	}
	cmd := &command.Command{
		Argv: argv, Dir: t.Dir, Env: env, Timeout: t.Timeout, Mark: c.mark(job.Trial),
		Required: valueNames(o),
		OnProgress: func(ctx context.Context, p command.Progress) error {
			if err := checkNames(p.Values); err != nil {
				return fmt.Errorf("progress line %d: %w", p.Line, err)
			}
			return job.Report(ctx, p.Step, p.Values)
		},
	}
	res, err := cmd.Run(ctx, in)
	var m Metrics
	if res != nil {
		m.Attrs = map[string]string{}
		if len(res.Log) > 0 {
			m.Attrs[record.KeyLog] = strings.Join(res.Log, "\n")
		}
		if len(res.Stderr) > 0 {
			m.Attrs[record.KeyStderr] = strings.Join(res.Stderr, "\n")
		}
	}
	if err != nil {
		return m, err
	}
	if err := checkNames(res.Values); err != nil {
		return m, fmt.Errorf("command: result line: %w", err)
	}
	m.Values = res.Values
	return m, nil
}

// checkNames rejects reported values whose names the search stores itself.
func checkNames(values map[string]float64) error {
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if record.Reserved(k) {
			return fmt.Errorf("value name %q is reserved (attnsearch stores its own %q); rename it", k, k)
		}
	}
	return nil
}

// valueNames lists the values a command's result must hold: its goals, then its constraints.
func valueNames(o record.Objective) []string {
	var out []string
	for _, g := range o.Goals() {
		out = append(out, g.Name)
	}
	return append(out, o.Constraints...)
}

// checkCommandSpec rejects a command objective naming a value the search stores itself.
func checkCommandSpec(spec *space.Spec) error {
	o := spec.Objective
	for _, n := range valueNames(o) {
		if record.Reserved(n) {
			return &space.Error{File: spec.File, Line: spec.Pos["objective."+n].Line, Column: spec.Pos["objective."+n].Column,
				Field: "objective", Msg: fmt.Sprintf("value name %q is reserved (attnsearch stores its own %q); have the command report it under another name", n, n)}
		}
	}
	return nil
}

// infeasibleBase is the score of every infeasible command trial before its violation lowers it:
// far below any feasible score a command reports.
const infeasibleBase = -1e300

// commandScore returns the scalar score of a command's values and the violated constraints. The
// score is the first maximised value, or else the first minimised one negated (study direction
// maximize); an infeasible point (some constraint > 0, or missing, or NaN) scores
// infeasibleBase·(1 + V/(1+V)) with V the total violation, below every feasible point and lower
// the further it is from feasible.
func commandScore(o record.Objective, values map[string]float64) (float64, []string) {
	var viol []string
	total := 0.0
	for _, c := range o.Constraints {
		v, ok := values[c]
		switch {
		case !ok || math.IsNaN(v):
			viol = append(viol, fmt.Sprintf("%s unknown", c))
			total = math.Inf(1)
		case v > 0:
			viol = append(viol, fmt.Sprintf("%s = %s > 0", c, record.Display(v)))
			total += v
		}
	}
	if len(viol) > 0 {
		frac := 1.0
		if !math.IsInf(total, 1) {
			frac = total / (1 + total)
		}
		return infeasibleBase * (1 + frac), viol
	}
	s, _ := firstGoal(o, values)
	return s, nil
}

// firstGoal returns the value the scalar score follows (see commandScore), negated when
// minimised; ok is false when the value is missing or not finite.
func firstGoal(o record.Objective, values map[string]float64) (float64, bool) {
	name, sign := "", 1.0
	switch {
	case len(o.Maximize) > 0:
		name = o.Maximize[0]
	case len(o.Minimize) > 0:
		name, sign = o.Minimize[0], -1
	}
	v, ok := values[name]
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return math.NaN(), false
	}
	return sign * v, true
}

// evaluateCommand runs one trial of a command task: sample, store the point, run the command
// with pruning, store every reported value, score.
func (t *trialRun) evaluateCommand(ctx context.Context, seed int64, seedText string) (float64, error) {
	pt, err := sampleParams(t.spec, t.trial)
	if err != nil {
		return 0, fmt.Errorf("sample: %w", err)
	}
	t.out.point = pt
	names := make([]string, len(t.spec.Params))
	declared := make(map[string]any, len(t.spec.Params))
	for i, p := range t.spec.Params {
		names[i] = p.Name
		declared[p.Name] = p.Declared(pt[p.Name])
	}
	js, err := record.FormatPoint(names, declared)
	if err != nil {
		return 0, fmt.Errorf("search: %w", err)
	}
	if err := t.attrs.setAll(map[string]string{record.KeyPoint: js, record.KeySeed: seedText}); err != nil {
		return 0, err
	}
	t.emit(Event{Kind: EventTrialStart, Trial: t.ft.Number, Point: pt})

	t.last = math.NaN()
	m, err := t.trainer.Train(ctx, Job{Trial: t.ft.Number, Seed: seed, Point: pt, Report: t.report, Worker: t.worker})
	if len(m.Attrs) > 0 {
		// The command's log and stderr tail, of a failed trial too.
		if err := t.attrs.setAll(m.Attrs); err != nil {
			return 0, err
		}
	}
	if errors.Is(err, goptuna.ErrTrialPruned) {
		return t.last, goptuna.ErrTrialPruned
	}
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, command.ErrInterrupted) {
			return 0, fmt.Errorf("%w: %v", errInterrupted, err)
		}
		return 0, err
	}
	score, viol := commandScore(t.spec.Objective, m.Values)
	kv := make(map[string]string, len(m.Values)+3)
	for k, v := range m.Values {
		kv[k] = record.FormatFloat(v)
	}
	for k, v := range t.vectors(nil, nil, m.Values) { // no cost model: every goal is a reported value
		kv[k] = v
	}
	kv[record.KeyScore] = record.FormatFloat(score)
	kv[record.KeyFeasible] = "true"
	if len(viol) > 0 {
		kv[record.KeyFeasible] = "false"
		kv[record.KeyInfeasible] = strings.Join(viol, "\n")
		t.out.reason = "infeasible: " + strings.Join(viol, "; ")
	}
	return score, t.attrs.setAll(kv)
}

// commandToken returns the study's SysCommandToken, creating it once.
func (r *runner) commandToken(studyID int) (string, error) {
	attrs, err := r.st.GetStudySystemAttrs(studyID)
	if err != nil {
		return "", fmt.Errorf("search: study attributes: %w", err)
	}
	if tok := attrs[SysCommandToken]; tok != "" {
		return tok, nil
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("search: command token: %w", err)
	}
	tok := hex.EncodeToString(b)
	if err := r.st.SetStudySystemAttr(studyID, SysCommandToken, tok); err != nil {
		return "", fmt.Errorf("search: store command token: %w", err)
	}
	return tok, nil
}

// sweep kills what the commands of stale trials (their run died) left running on this machine.
func (r *runner) sweep(stale []goptuna.FrozenTrial) {
	ct, ok := r.trainer.(*commandTrainer)
	if !ok || ct.token == "" {
		return
	}
	for _, ft := range stale {
		killed, err := command.KillMarked(ct.mark(ft.Number))
		if err != nil {
			r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf("trial %d: find its leftover processes: %v", ft.Number, err)})
			continue
		}
		if len(killed) > 0 {
			r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf("trial %d: killed %d processes its command left when the run died (pids %v)", ft.Number, len(killed), killed)})
		}
	}
}
