package space

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.Node tree, records positions and builds located errors.
type decoder struct {
	file       string
	pos        map[string]Pos
	samplers   Registry         // the sampler kinds study.sampler may name (nil = any)
	pruners    Registry         // the pruner kinds study.pruner may name (nil = any)
	obj        map[string]entry // the objective section's entries, finished once the task kind is known
	command    bool             // the task is a command: params and objective follow its rules
	predicted  []string         // names of the costs section's predicted costs
	super      *supernetDecl    // study.strategy and the supernet section (supernet.go)
	predictors PredictorLoader  // reads costs' predictor files (nil: a costs section is an error)
	features   []string         // the architecture features predictors may read
}

// errAt builds an Error located at node n.
func (d *decoder) errAt(n *yaml.Node, field, format string, args ...any) error {
	e := &Error{File: d.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// errField builds an Error located at the recorded position of field, or of its nearest written
// ancestor section when the field itself was left to its default (or the file when neither was written).
func (d *decoder) errField(field, format string, args ...any) error {
	p, ok := d.pos[field]
	for f := field; !ok && strings.Contains(f, "."); {
		f = f[:strings.LastIndex(f, ".")]
		p, ok = d.pos[f]
	}
	return &Error{File: d.file, Line: p.Line, Column: p.Column, Field: field, Msg: fmt.Sprintf(format, args...)}
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// parseDocument reads exactly one YAML document and returns its root mapping.
func (d *decoder) parseDocument(src []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: d.file, Line: 1, Column: 1, Msg: "empty space file"}
		}
		return nil, d.syntaxErr(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, d.errAt(&extra, "", "a space file holds one YAML document; found a second one")
	} else if !errors.Is(err, io.EOF) {
		return nil, d.syntaxErr(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &Error{File: d.file, Line: 1, Column: 1, Msg: "empty space file"}
		}
		root = root.Content[0]
	}
	root, err := d.resolve(root, "")
	if err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, d.errAt(root, "", "the space file must be a mapping with keys study, task, training, params, budget, objective")
	}
	return root, nil
}

// syntaxErr turns a yaml.v3 syntax error into a located Error.
func (d *decoder) syntaxErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: d.file, Msg: "YAML syntax: " + msg, Err: err}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if l, aerr := strconv.Atoi(m[1]); aerr == nil {
			e.Line = l
			e.Msg = "YAML syntax: " + strings.TrimSpace(strings.Replace(msg, "line "+m[1]+": ", "", 1))
		}
	}
	if strings.Contains(msg, "found character that cannot start any token") {
		e.Msg += " (a tab? YAML indents with spaces only)"
	}
	return e
}

// resolve follows aliases (bounded) and rejects explicit non-standard tags.
func (d *decoder) resolve(n *yaml.Node, field string) (*yaml.Node, error) {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 16 || n.Alias == nil {
			return nil, d.errAt(n, field, "alias chain too long or broken")
		}
		n = n.Alias
	}
	if n == nil {
		return nil, &Error{File: d.file, Field: field, Msg: "missing value"}
	}
	return n, nil
}

// entry is one key/value pair of a mapping.
type entry struct {
	key   string
	keyN  *yaml.Node
	value *yaml.Node
	path  string
}

// fields decodes the section e, a mapping of the known keys, by calling decode on each of its
// entries in order, and stops at the first error.
func (d *decoder) fields(e entry, known []string, decode func(f entry) error) error {
	es, err := d.mapping(e.value, e.path, known)
	if err != nil {
		return err
	}
	for _, f := range es {
		if err := decode(f); err != nil {
			return err
		}
	}
	return nil
}

// mapping checks that n is a mapping with keys from known (nil = any) and no duplicates, records
// the positions of its values and returns the pairs in file order.
func (d *decoder) mapping(n *yaml.Node, field string, known []string) ([]entry, error) {
	n, err := d.resolve(n, field)
	if err != nil {
		return nil, err
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, d.errAt(n, field, "expected a mapping, found %s", kindName(n))
	}
	seen := map[string]*yaml.Node{}
	var out []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, err := d.resolve(n.Content[i], field)
		if err != nil {
			return nil, err
		}
		if kn.Kind != yaml.ScalarNode || kn.Tag == "!!merge" {
			return nil, d.errAt(kn, field, "keys must be plain names")
		}
		key := kn.Value
		path := key
		if field != "" {
			path = field + "." + key
		}
		if known != nil && !contains(known, key) {
			return nil, d.errAt(kn, path, "unknown key %q (known: %s)", key, strings.Join(known, ", "))
		}
		if prev, ok := seen[key]; ok {
			return nil, d.errAt(kn, path, "duplicate key (first at line %d)", prev.Line)
		}
		seen[key] = kn
		vn, err := d.resolve(n.Content[i+1], path)
		if err != nil {
			return nil, err
		}
		if vn.Kind == yaml.ScalarNode {
			d.pos[path] = Pos{vn.Line, vn.Column}
		} else {
			d.pos[path] = Pos{kn.Line, kn.Column}
		}
		out = append(out, entry{key: key, keyN: kn, value: vn, path: path})
	}
	return out, nil
}

// intKey is an integer key of a section: the field it fills and its range.
type intKey struct {
	dst    *int
	lo, hi int64
}

// intKeys decodes f into its field when f's key is one of keys (other keys are left alone).
func (d *decoder) intKeys(f entry, keys map[string]intKey) error {
	k, ok := keys[f.key]
	if !ok {
		return nil
	}
	v, err := d.intRange(f.value, f.path, k.lo, k.hi)
	*k.dst = v
	return err
}

// kindName describes a node for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		}
		return fmt.Sprintf("%q (%s)", n.Value, n.Tag)
	}
	return "an unsupported node"
}

// scalar checks that n is a scalar.
func (d *decoder) scalar(n *yaml.Node, field, want string) error {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return d.errAt(n, field, "expected %s, found %s", want, kindName(n))
	}
	return nil
}

// number reads an integer or floating-point scalar.
func (d *decoder) number(n *yaml.Node, field string) (float64, error) {
	if err := d.scalar(n, field, "a number"); err != nil {
		return 0, err
	}
	if n.Tag != "!!int" && n.Tag != "!!float" {
		return 0, d.errAt(n, field, "expected a number, found %s", kindName(n))
	}
	v, err := parseYAMLFloat(n.Value)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, d.errAt(n, field, "expected a finite number, found %q", n.Value)
	}
	return v, nil
}

// integer reads an integer scalar (a float literal with an integral value such as 1e6 is accepted).
func (d *decoder) integer(n *yaml.Node, field string) (int64, error) {
	v, err := d.number(n, field)
	if err != nil {
		if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
			return 0, d.errAt(n, field, "expected an integer, found %s", kindName(n))
		}
		return 0, err
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, d.errAt(n, field, "expected an integer, found %q", n.Value)
	}
	return int64(v), nil
}

// intRange reads an integer and checks lo <= v <= hi.
func (d *decoder) intRange(n *yaml.Node, field string, lo, hi int64) (int, error) {
	v, err := d.integer(n, field)
	if err != nil {
		return 0, err
	}
	if v < lo || v > hi {
		return 0, d.errAt(n, field, "%d is out of range [%d, %d]", v, lo, hi)
	}
	return int(v), nil
}

// str reads a string scalar.
func (d *decoder) str(n *yaml.Node, field string) (string, error) {
	if err := d.scalar(n, field, "a string"); err != nil {
		return "", err
	}
	if n.Tag != "!!str" {
		return "", d.errAt(n, field, "expected a string, found %s", kindName(n))
	}
	return n.Value, nil
}

// oneOf reads a string that must be one of choices.
func (d *decoder) oneOf(n *yaml.Node, field string, choices []string) (string, error) {
	s, err := d.str(n, field)
	if err != nil {
		return "", err
	}
	if !contains(choices, s) {
		return "", d.errAt(n, field, "unknown value %q (choose one of: %s)", s, strings.Join(choices, ", "))
	}
	return s, nil
}

// boolean reads a boolean scalar.
func (d *decoder) boolean(n *yaml.Node, field string) (bool, error) {
	if err := d.scalar(n, field, "true or false"); err != nil {
		return false, err
	}
	if n.Tag != "!!bool" {
		return false, d.errAt(n, field, "expected true or false, found %s", kindName(n))
	}
	b, err := strconv.ParseBool(strings.ToLower(n.Value))
	if err != nil {
		switch strings.ToLower(n.Value) {
		case "yes", "on", "y":
			return true, nil
		case "no", "off", "n":
			return false, nil
		}
		return false, d.errAt(n, field, "expected true or false, found %q", n.Value)
	}
	return b, nil
}

// parseYAMLFloat parses a YAML 1.2 core-schema number.
func parseYAMLFloat(s string) (float64, error) {
	switch strings.ToLower(s) {
	case ".inf", "+.inf":
		return math.Inf(1), nil
	case "-.inf":
		return math.Inf(-1), nil
	case ".nan":
		return math.NaN(), nil
	}
	clean := strings.ReplaceAll(s, "_", "")
	if i, err := strconv.ParseInt(clean, 0, 64); err == nil {
		return float64(i), nil
	}
	return strconv.ParseFloat(clean, 64)
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
