package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// Float is a float64 whose JSON form round-trips every bit pattern: a number when finite, else "NaN", "+Inf", "-Inf" or "NaN:0x<bits>" for a non-canonical NaN.
type Float float64

// canonicalNaN is the bit pattern of math.NaN().
const canonicalNaN = 0x7FF8000000000001

// MarshalJSON writes the shortest exact form of f.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		if bits := math.Float64bits(v); bits != canonicalNaN {
			return []byte(fmt.Sprintf(`"NaN:0x%016x"`, bits)), nil
		}
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number or one of the strings MarshalJSON writes.
func (f *Float) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch {
		case s == "NaN":
			*f = Float(math.NaN())
		case s == "+Inf" || s == "Inf":
			*f = Float(math.Inf(1))
		case s == "-Inf":
			*f = Float(math.Inf(-1))
		case strings.HasPrefix(s, "NaN:0x"):
			bits, err := strconv.ParseUint(s[len("NaN:0x"):], 16, 64)
			if err != nil || !math.IsNaN(math.Float64frombits(bits)) {
				return fmt.Errorf("bad NaN %q", s)
			}
			*f = Float(math.Float64frombits(bits))
		default:
			return fmt.Errorf("bad float %q", s)
		}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("bad float %s", b)
	}
	*f = Float(v)
	return nil
}

// ExportStudy is the first line of an export: the study's own fields.
type ExportStudy struct {
	Kind        string                 `json:"kind"` // "study"
	Format      string                 `json:"format"`
	Schema      int                    `json:"schema"`
	Name        string                 `json:"name"`
	Direction   goptuna.StudyDirection `json:"direction"`
	Created     time.Time              `json:"created"`
	UserAttrs   map[string]string      `json:"user_attrs"`
	SystemAttrs map[string]string      `json:"system_attrs"`
	Trials      int                    `json:"trials"`
}

// ExportParam is one parameter of an exported trial.
type ExportParam struct {
	Internal     Float           `json:"internal"`
	External     any             `json:"external"`
	Distribution json.RawMessage `json:"distribution"`
}

// ExportTrial is one line of an export after the first: one trial with all its fields.
type ExportTrial struct {
	Kind               string                 `json:"kind"` // "trial"
	Number             int                    `json:"number"`
	TrialID            int                    `json:"trial_id"`
	State              string                 `json:"state"`
	Value              Float                  `json:"value"`
	DatetimeStart      *time.Time             `json:"datetime_start"`
	DatetimeComplete   *time.Time             `json:"datetime_complete"`
	Heartbeat          *time.Time             `json:"heartbeat"`
	IntermediateValues [][2]Float             `json:"intermediate_values"`
	Params             map[string]ExportParam `json:"params"`
	UserAttrs          map[string]string      `json:"user_attrs"`
	SystemAttrs        map[string]string      `json:"system_attrs"`
}

// parseState maps an exported state name (TrialState.String) back to the state.
func parseState(name string) (goptuna.TrialState, bool) {
	for st := goptuna.TrialStateRunning; st <= goptuna.TrialStateWaiting; st++ {
		if st.String() == name {
			return st, true
		}
	}
	return 0, false
}

// lineErr is an import error at one line and field.
func lineErr(line int, field string, err error) error {
	return fmt.Errorf("line %d: %s: %w", line, field, err)
}

// strictDecode parses one JSON line, refusing unknown fields.
func strictDecode(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// ImportParam is one checked parameter of an imported trial.
type ImportParam struct {
	Name         string
	Internal     float64
	Distribution string // goptuna's distribution JSON, re-encoded canonically
}

// ImportTrial is one checked trial of an export, in a storage's terms.
type ImportTrial struct {
	State                      goptuna.TrialState
	Value                      float64
	Start, Complete, Heartbeat time.Time       // zero when the export has none
	Steps                      map[int]float64 // intermediate values by step
	Params                     []ImportParam   // sorted by name
	UserAttrs, SystemAttrs     map[string]string
}

// ParseExport reads and checks a study written by Export (of any storage): its header, with a
// schema-1 StudyInfo upgraded, and its trials in number order from 0. An error names the line and
// field at fault; nothing is written anywhere, so each storage imports the result in one transaction.
func ParseExport(r io.Reader) (ExportStudy, []ImportTrial, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	line := 0
	var head ExportStudy
	var trials []ImportTrial
	var dists DistCache
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		if line == 1 {
			if err := parseHead(text, &head); err != nil {
				return head, nil, err
			}
			continue
		}
		t, err := parseTrial(&dists, text, line, len(trials))
		if err != nil {
			return head, nil, err
		}
		trials = append(trials, t)
	}
	if err := sc.Err(); err != nil {
		return head, nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if line == 0 {
		return head, nil, errors.New("empty input")
	}
	if head.Trials != len(trials) {
		return head, nil, lineErr(1, "trials", fmt.Errorf("header says %d trials, found %d (truncated export?)", head.Trials, len(trials)))
	}
	return head, trials, nil
}

// parseHead parses and checks the study line of an export (line 1).
func parseHead(text []byte, head *ExportStudy) error {
	const line = 1
	if err := strictDecode(text, head); err != nil {
		return lineErr(line, "study", err)
	}
	if head.Kind != "study" || head.Format != FormatName {
		return lineErr(line, "kind", fmt.Errorf("%w: want a %q study header, got kind %q format %q", ErrNotStore, FormatName, head.Kind, head.Format))
	}
	if head.Schema < oldestExportVersion || head.Schema > ExportVersion {
		return lineErr(line, "schema", fmt.Errorf("%w: export has schema %d, this build reads %d to %d", ErrSchema, head.Schema, oldestExportVersion, ExportVersion))
	}
	if js, ok := head.SystemAttrs[record.SysStudyInfo]; ok {
		up, _, err := record.Upgrade(js)
		if err != nil {
			return lineErr(line, "system_attrs", err)
		}
		head.SystemAttrs[record.SysStudyInfo] = up
	}
	if head.Direction != goptuna.StudyDirectionMaximize && head.Direction != goptuna.StudyDirectionMinimize {
		return lineErr(line, "direction", fmt.Errorf("unknown direction %q", head.Direction))
	}
	if head.UserAttrs == nil {
		head.UserAttrs = map[string]string{}
	}
	if head.SystemAttrs == nil {
		head.SystemAttrs = map[string]string{}
	}
	return nil
}

// parseTrial parses and checks one trial line; want is the number it must carry.
func parseTrial(dists *DistCache, text []byte, line, want int) (ImportTrial, error) {
	var et ExportTrial
	if err := strictDecode(text, &et); err != nil {
		return ImportTrial{}, lineErr(line, "trial", err)
	}
	if et.Kind != "trial" {
		return ImportTrial{}, lineErr(line, "kind", fmt.Errorf("want \"trial\", got %q", et.Kind))
	}
	if et.Number != want {
		return ImportTrial{}, lineErr(line, "number", fmt.Errorf("want %d (trials in number order from 0), got %d", want, et.Number))
	}
	state, ok := parseState(et.State)
	if !ok {
		return ImportTrial{}, lineErr(line, "state", fmt.Errorf("unknown state %q", et.State))
	}
	t := ImportTrial{
		State: state, Value: float64(et.Value),
		Start: timeVal(et.DatetimeStart), Complete: timeVal(et.DatetimeComplete), Heartbeat: timeVal(et.Heartbeat),
		Steps: make(map[int]float64, len(et.IntermediateValues)), UserAttrs: et.UserAttrs, SystemAttrs: et.SystemAttrs,
	}
	if t.UserAttrs == nil {
		t.UserAttrs = map[string]string{}
	}
	if t.SystemAttrs == nil {
		t.SystemAttrs = map[string]string{}
	}
	for i, iv := range et.IntermediateValues {
		st := float64(iv[0])
		if st != math.Trunc(st) || math.Abs(st) > 1<<53 {
			return ImportTrial{}, lineErr(line, fmt.Sprintf("intermediate_values[%d]", i), fmt.Errorf("step %v is not an integer", st))
		}
		if _, dup := t.Steps[int(st)]; dup {
			return ImportTrial{}, lineErr(line, fmt.Sprintf("intermediate_values[%d]", i), ErrDuplicateStep)
		}
		t.Steps[int(st)] = float64(iv[1])
	}
	names := make([]string, 0, len(et.Params))
	for n := range et.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := et.Params[n]
		field := "params." + n
		if len(p.Distribution) == 0 {
			return ImportTrial{}, lineErr(line, field+".distribution", errors.New("missing"))
		}
		d, err := dists.Get(string(p.Distribution))
		if err != nil {
			return ImportTrial{}, lineErr(line, field+".distribution", err)
		}
		if _, err := ExternalOf(d, float64(p.Internal)); err != nil {
			return ImportTrial{}, lineErr(line, field, err)
		}
		js, err := goptuna.DistributionToJSON(d)
		if err != nil {
			return ImportTrial{}, lineErr(line, field+".distribution", err)
		}
		t.Params = append(t.Params, ImportParam{Name: n, Internal: float64(p.Internal), Distribution: string(js)})
	}
	return t, nil
}

// oldestExportVersion is the oldest export format version ParseExport reads (1: StudyInfo with Go field names).
const oldestExportVersion = 1

// timeVal returns the zero time for nil.
func timeVal(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
