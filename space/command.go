package space

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"gopkg.in/yaml.v3"
)

// TaskCommand is the task kind whose trials run the user's own command (trainer/command).
const TaskCommand = "command"

// allTaskKinds are the accepted task kinds: the built-in ones and command.
var allTaskKinds = append(append([]string(nil), taskKinds...), TaskCommand)

// Declared returns a sampled value of p as the space file declares it, for a command's input: an
// int parameter as int64, a float as float64, a categorical choice or a fixed value typed as
// written (int64, float64, string or bool). Values it cannot place are returned unchanged.
func (p Param) Declared(v any) any {
	switch p.Kind {
	case KindInt:
		switch x := v.(type) {
		case float64:
			return int64(math.Round(x))
		case int:
			return int64(x)
		}
	case KindFloat:
		switch x := v.(type) {
		case int64:
			return float64(x)
		case int:
			return float64(x)
		}
	case KindCategorical:
		s := fmt.Sprint(v)
		for i, c := range p.Choices {
			if c == s && i < len(p.Typed) {
				return p.Typed[i]
			}
		}
	case KindFixed:
		if len(p.Typed) == 1 {
			return p.Typed[0]
		}
	}
	return v
}

// What a command's parameter name and an environment variable name look like.
var (
	nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	envRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// commandTask decodes the keys of a task of kind command (es: the task's entries).
func (d *decoder) commandTask(e entry, es []entry, t *Task) error {
	var haveCommand bool
	for _, f := range es {
		var err error
		switch f.key {
		case "kind":
		case "command":
			haveCommand = true
			t.Command, err = d.argv(f)
		case "timeout":
			t.Timeout, err = d.duration(f)
		case "env":
			t.Env, err = d.env(f)
		default:
			return d.errAt(f.keyN, f.path, "does not apply to task kind command (keys: kind, command, timeout, env)")
		}
		if err != nil {
			return err
		}
	}
	if !haveCommand {
		return d.errAt(e.keyN, e.path+".command", "missing: task kind command needs the command to run, as a list: [python3, train.py]")
	}
	*t = Task{Kind: TaskCommand, Command: t.Command, Timeout: t.Timeout, Env: t.Env}
	return nil
}

// argv reads a command as a non-empty list of scalars (numbers are taken as written).
func (d *decoder) argv(f entry) ([]string, error) {
	if f.value.Kind != yaml.SequenceNode {
		return nil, d.errAt(f.value, f.path, "expected a list (program and arguments, e.g. [python3, train.py]), found %s", kindName(f.value))
	}
	if len(f.value.Content) == 0 {
		return nil, d.errAt(f.value, f.path, "empty command")
	}
	var out []string
	for i, raw := range f.value.Content {
		field := fmt.Sprintf("%s[%d]", f.path, i)
		n, err := d.resolve(raw, field)
		if err != nil {
			return nil, err
		}
		if err := d.scalar(n, field, "a string"); err != nil {
			return nil, err
		}
		if i == 0 && strings.TrimSpace(n.Value) == "" {
			return nil, d.errAt(n, field, "empty program name")
		}
		d.pos[field] = Pos{n.Line, n.Column}
		out = append(out, n.Value)
	}
	return out, nil
}

// duration reads a positive Go duration ("30m", "1h30m", "90s").
func (d *decoder) duration(f entry) (time.Duration, error) {
	if err := d.scalar(f.value, f.path, "a duration such as 30m"); err != nil {
		return 0, err
	}
	v, err := time.ParseDuration(f.value.Value)
	if err != nil || f.value.Tag != "!!str" {
		return 0, d.errAt(f.value, f.path, "expected a duration with a unit (90s, 30m, 2h), found %q", f.value.Value)
	}
	if v <= 0 {
		return 0, d.errAt(f.value, f.path, "must be > 0 (leave the key out for no timeout)")
	}
	return v, nil
}

// env reads a mapping of environment variable names to scalar values (taken as written).
func (d *decoder) env(f entry) (map[string]string, error) {
	es, err := d.mapping(f.value, f.path, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(es))
	for _, v := range es {
		if !envRE.MatchString(v.key) {
			return nil, d.errAt(v.keyN, v.path, "%q is not an environment variable name (letters, digits, _)", v.key)
		}
		if err := d.scalar(v.value, v.path, "a value"); err != nil {
			return nil, err
		}
		out[v.key] = v.value.Value
	}
	return out, nil
}

// commandParam decodes one parameter of a command task: any name, an explicit type.
func (d *decoder) commandParam(f entry) (Param, error) {
	p := Param{Name: f.key, Line: f.keyN.Line, Column: f.keyN.Column}
	if !nameRE.MatchString(f.key) {
		return p, d.errAt(f.keyN, f.path, "%q is not a parameter name (a letter or _, then letters, digits, _ . -)", f.key)
	}
	if f.value.Kind == yaml.ScalarNode {
		return d.commandFixed(p, f.value, f.path)
	}
	given, err := d.paramKeys(f, &p, "")
	if err != nil {
		return p, err
	}
	switch p.Kind {
	case KindFixed:
		v := given["value"]
		return d.commandFixed(p, v.value, v.path)
	case KindCategorical:
		return d.commandChoices(p, given["choices"], f)
	}
	// Ranges: any finite bounds (integers within ±2^53).
	ni := nameInfo{integer: p.Kind == KindInt, min: -math.MaxFloat64, max: math.MaxFloat64}
	if ni.integer {
		ni.min, ni.max = -(1 << 53), 1<<53
	}
	return d.rangeParam(p, given, f, ni)
}

// commandFixed decodes a fixed value of any scalar type.
func (d *decoder) commandFixed(p Param, n *yaml.Node, field string) (Param, error) {
	p.Kind = KindFixed
	v, text, err := d.typedScalar(n, field)
	if err != nil {
		return p, err
	}
	p.Value, p.Typed = text, []any{v}
	return p, nil
}

// commandChoices decodes the choices of a categorical command parameter: scalars of any type.
func (d *decoder) commandChoices(p Param, c entry, f entry) (Param, error) {
	if err := d.choiceList(c, f); err != nil {
		return p, err
	}
	for i, raw := range c.value.Content {
		field := fmt.Sprintf("%s[%d]", c.path, i)
		n, err := d.resolve(raw, field)
		if err != nil {
			return p, err
		}
		v, text, err := d.typedScalar(n, field)
		if err != nil {
			return p, err
		}
		if contains(p.Choices, text) {
			return p, d.errAt(n, field, "duplicate choice %s", text)
		}
		p.Choices = append(p.Choices, text)
		p.Typed = append(p.Typed, v)
	}
	return p, nil
}

// typedScalar reads a non-null scalar as int64, float64, bool or string, with its canonical text
// (numbers as fmtNum writes them).
func (d *decoder) typedScalar(n *yaml.Node, field string) (any, string, error) {
	if err := d.scalar(n, field, "a number, a string or a boolean"); err != nil {
		return nil, "", err
	}
	switch n.Tag {
	case "!!int":
		v, err := d.integer(n, field)
		if err != nil {
			return nil, "", err
		}
		return v, strconv.FormatInt(v, 10), nil
	case "!!float":
		v, err := d.number(n, field)
		if err != nil {
			return nil, "", err
		}
		return v, fmtNum(v), nil
	case "!!bool":
		v, err := d.boolean(n, field)
		if err != nil {
			return nil, "", err
		}
		return v, strconv.FormatBool(v), nil
	case "!!str":
		return n.Value, n.Value, nil
	}
	return nil, "", d.errAt(n, field, "expected a number, a string or a boolean, found %s", kindName(n))
}

// commandObjective checks and decodes the objective of a command task: none of the built-in
// objective keys, then the goal and constraint lists (objectiveForms), at least one goal.
func (d *decoder) commandObjective(s *Spec) error {
	for _, k := range []string{"metric", "cost", "tradeoff", "src_len", "tgt_len"} {
		if f, ok := d.obj[k]; ok {
			return d.errAt(f.keyN, f.path, "applies only to the built-in tasks; a command's objective is maximize/minimize (and constraints) over the values it reports")
		}
	}
	if err := d.objectiveForms(d.obj, &s.Objective, s.Task.Kind); err != nil {
		return err
	}
	for _, k := range []string{"maximize", "minimize", "constraints"} {
		f, ok := d.obj[k]
		if !ok {
			continue
		}
		nodes := []*yaml.Node{f.value}
		if f.value.Kind == yaml.SequenceNode {
			nodes = f.value.Content
		}
		for _, n := range nodes {
			if record.Reserved(n.Value) {
				return d.errAt(n, f.path, "value name %q is reserved (attnsearch stores its own %q); have the command report it under another name", n.Value, n.Value)
			}
		}
	}
	o := &s.Objective
	if len(o.Maximize)+len(o.Minimize) == 0 {
		field := "objective"
		if _, ok := d.pos[field]; !ok {
			field = "task.kind"
		}
		return d.errField(field, "a command task needs objective.maximize or objective.minimize: the names of the values it reports to optimise")
	}
	o.Metric, o.Cost, o.Tradeoff, o.SrcLen, o.TgtLen = "", "", 0, 0, 0
	return nil
}

// checkCommand resolves the command's directory (the space file's) and checks that its program
// exists: a path is relative to that directory, a bare name is looked up on PATH.
func (d *decoder) checkCommand(s *Spec) error {
	dir, err := filepath.Abs(filepath.Dir(d.file))
	if err != nil {
		return d.errField("task.command", "directory of %s: %v", d.file, err)
	}
	s.Task.Dir = dir
	prog := s.Task.Command[0]
	p := d.pos["task.command[0]"]
	fail := func(err error, format string, args ...any) error {
		return &Error{File: d.file, Line: p.Line, Column: p.Column, Field: "task.command[0]", Msg: fmt.Sprintf(format, args...), Err: err}
	}
	if !strings.ContainsRune(prog, '/') && !strings.ContainsRune(prog, filepath.Separator) {
		if _, err := exec.LookPath(prog); err != nil {
			return fail(fs.ErrNotExist, "program %s is not on PATH (%v)", prog, errors.Unwrap(err))
		}
		return nil
	}
	path := prog
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(fs.ErrNotExist, "program %s does not exist (relative paths start from the space file's directory %s)", path, dir)
	case err != nil:
		return fail(err, "%v", err)
	case st.IsDir():
		return fail(nil, "program %s is a directory", path)
	}
	return nil
}
