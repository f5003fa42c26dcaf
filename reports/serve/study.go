package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
)

// study is one study decoded, with what its page draws (computed once per version).
type study struct {
	Name       string
	Err        string          // why it could not be decoded ("" = fine)
	Version    string          // changes whenever a trial is added or changes
	Rep        *reports.Report // nil for a study without attnsearch settings (one imported from Optuna)
	Trials     []record.Trial  // by number
	Goals      []string        // objective keys, in goal order
	Directions []string        // "maximize" or "minimize" per goal
	Reference  []float64       // hypervolume reference (nil when unknown)
	Front      []int           // indices into Trials of the Pareto front
	Counts     map[string]int  // trials per state name
	Started    time.Time       // first trial's start
	Phases     []*study        // a supernet study: its inherited, then its retrained trials, each with its own front
	Fidelity   string          // of a phase: the fidelity of its trials

	kept   *keptTrials // where the next read of the study starts (nil: from its first trial)
	snap   time.Time   // the state read was committed (when snapOK: a bbolt snapshot and its feed)
	snapOK bool
	readAt time.Time // when it was read
	stamp  string    // the store's stamp when it was read (Options.Stamp)

	drawOnce sync.Once
	drawn    *drawing
	hvFrom   *hvCarry                // where drawHypervolume may start (from an earlier version)
	hvCarry  atomic.Pointer[hvCarry] // where a later version's may start (set when drawn)

	colsMu   sync.Mutex
	cols     map[string]columns       // by parameter names, computed once per version
	colFrom  *colCarry                // where columns may start (from an earlier version)
	colCarry atomic.Pointer[colCarry] // where a later version's may start (set when computed)

	catsMu sync.Mutex
	cats   map[string]map[string]map[string]float64 // categories by parameter names, computed once per version

	orderMu sync.Mutex
	orders  map[string][]int         // trials table orders by filter and sort, computed once per version
	fronts  map[[2]int]template.HTML // front plots by axes, drawn once per version
}

// order returns the table order of key, computing it with build the first time.
func (s *study) order(key string, build func() []int) []int {
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	if idx, ok := s.orders[key]; ok {
		return idx
	}
	if s.orders == nil {
		s.orders = map[string][]int{}
	}
	idx := build()
	s.orders[key] = idx
	return idx
}

// sysDirections is where a study imported from Optuna keeps its directions (optunadb.SysDirections).
const sysDirections = "attnsearch:optuna_directions"

// sysValues is where a trial imported from Optuna keeps its values (optunadb.SysValues).
const sysValues = "attnsearch:optuna_values"

// keptTrials is what a study's next read starts from: its trials numbered 0 to len−1, decoded,
// all finished (a finished trial never changes: both stores refuse every write to one), and the
// version hash over them.
type keptTrials struct {
	id     int    // the study's ID (a study deleted and created again under its name starts afresh)
	info   string // its record.SysStudyInfo as read
	trials []record.Trial
	hash   uint64
}

// tailReader is a Source that reads a study's trials from a number on without reading the
// others (store.TrialTailReader: both stores).
type tailReader interface {
	TrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error)
}

// trialsFrom returns the study's trials numbered from on, in number order.
func trialsFrom(src Source, id, from int) ([]goptuna.FrozenTrial, error) {
	if tr, ok := src.(tailReader); ok {
		return tr.TrialsFrom(id, from)
	}
	fts, err := src.GetAllTrials(id)
	if err != nil {
		return nil, err
	}
	sort.Slice(fts, func(i, j int) bool { return fts[i].Number < fts[j].Number })
	i := sort.Search(len(fts), func(i int) bool { return fts[i].Number >= from })
	return fts[i:], nil
}

// load reads and decodes one study. Of a study of attnsearch, it reads and decodes only the
// trials from the first that old had not seen finished on, and builds the report from those
// and the decoded ones old kept.
func load(src Source, name string, old *study) (*study, error) {
	id, err := src.GetStudyIDFromName(name)
	if err != nil {
		return nil, fmt.Errorf("serve: study %q: %w", name, err)
	}
	sys, err := src.GetStudySystemAttrs(id)
	if err != nil {
		return nil, fmt.Errorf("serve: study %q system attributes: %w", name, err)
	}
	js, ok := sys[record.SysStudyInfo]
	if !ok {
		fts, err := src.GetAllTrials(id)
		if err != nil {
			return nil, fmt.Errorf("serve: study %q trials: %w", name, err)
		}
		s := &study{Name: name, Version: version(fts)}
		if err := s.decodeForeign(src, id, sys, fts); err != nil {
			return nil, err
		}
		s.count()
		return s, nil
	}
	info, err := record.ParseStudyInfo(js)
	if err != nil {
		return nil, fmt.Errorf("serve: study %q: %s: %w", name, record.SysStudyInfo, err)
	}
	kept := &keptTrials{id: id, info: js, hash: fnvOffset}
	if old != nil && old.kept != nil && old.kept.id == id && old.kept.info == js {
		kept = old.kept
	}
	fts, err := trialsFrom(src, id, len(kept.trials))
	if err == nil && len(fts) > 0 && fts[0].Number != len(kept.trials) { // not numbered densely: read it all
		kept = &keptTrials{id: id, info: js, hash: fnvOffset}
		fts, err = trialsFrom(src, id, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("serve: study %q trials: %w", name, err)
	}
	all := make([]record.Trial, len(kept.trials), len(kept.trials)+len(fts))
	copy(all, kept.trials)
	h := kept.hash
	next := &keptTrials{id: id, info: js, hash: h}
	finished := true // so far, from the first trial read
	for _, ft := range fts {
		t, err := record.Decode(ft)
		if err != nil {
			return nil, fmt.Errorf("serve: study %q: %w", name, err)
		}
		all = append(all, t)
		h = mixTrial(h, ft)
		if finished = finished && ft.State.IsFinished(); finished {
			next.hash = h
		}
	}
	// The kept trials and the newly finished ones after them, in a slice of their own: another
	// read of the study may extend old's at the same time.
	done := len(kept.trials)
	for done < len(all) && all[done].State.IsFinished() {
		done++
	}
	next.trials = append(slices.Clip(kept.trials), all[len(kept.trials):done]...)
	s := &study{Name: name, Version: fmt.Sprintf("%d-%x", len(all), h), kept: next}
	if old != nil && old.kept == kept { // the same study and settings: old's first trials are these
		if s.hvFrom = old.hvCarry.Load(); s.hvFrom == nil {
			s.hvFrom = old.hvFrom // old was not drawn; what it had is older, still the same trials
		}
		if s.colFrom = old.colCarry.Load(); s.colFrom == nil {
			s.colFrom = old.colFrom
		}
	}
	if old != nil && old.Version == s.Version {
		return s, nil // refresh keeps old, with what it drew
	}
	var prev *reports.Report
	if old != nil && old.kept == kept {
		prev = old.Rep
	}
	rep, err := reports.BuildTrialsAfter(prev, name, info, all)
	if err != nil {
		return nil, fmt.Errorf("serve: study %q: %w", name, err)
	}
	s.fromReport(rep)
	if rep.Supernet() {
		for _, f := range []string{record.FidelityInherited, record.FidelityRetrained} {
			prep, err := rep.Phase(f)
			if err != nil {
				return nil, fmt.Errorf("serve: study %q, %s trials: %w", name, f, err)
			}
			sub := &study{Name: name, Fidelity: f}
			sub.fromReport(prep)
			s.Phases = append(s.Phases, sub)
		}
	}
	s.count()
	return s, nil
}

// count sets the trials per state and the first start.
func (s *study) count() {
	s.Counts = map[string]int{}
	for _, t := range s.Trials {
		s.Counts[record.StateName(t.State)]++
		if !t.Start.IsZero() && (s.Started.IsZero() || t.Start.Before(s.Started)) {
			s.Started = t.Start
		}
	}
}

// fromReport takes the trials, goals and front of rep.
func (s *study) fromReport(rep *reports.Report) {
	s.Rep, s.Trials, s.Goals, s.Directions, s.Front = rep, rep.Trials, rep.Objectives, rep.Directions, rep.Front
	s.Reference = rep.Reference
}

// fnvOffset starts a version hash.
const fnvOffset uint64 = 1469598103934665603

// mixTrial adds a trial to a version hash h.
func mixTrial(h uint64, ft goptuna.FrozenTrial) uint64 {
	for _, x := range []uint64{uint64(ft.ID), uint64(ft.State), uint64(len(ft.IntermediateValues)), uint64(len(ft.UserAttrs)),
		math.Float64bits(ft.Value), uint64(ft.DatetimeComplete.UnixNano())} {
		h = (h ^ x) * 1099511628211
	}
	return h
}

// version is a fingerprint of the trials: it changes when a trial is added, changes state, or gains an intermediate value or attribute.
func version(fts []goptuna.FrozenTrial) string {
	h := fnvOffset
	for _, ft := range fts {
		h = mixTrial(h, ft)
	}
	return fmt.Sprintf("%d-%x", len(fts), h)
}

// decodeForeign decodes a study without attnsearch settings: its goals are the Optuna values it
// was imported with, else goptuna's one value.
func (s *study) decodeForeign(src Source, id int, sys map[string]string, fts []goptuna.FrozenTrial) error {
	s.Directions = nil
	if js, ok := sys[sysDirections]; ok {
		var dirs []string
		if err := json.Unmarshal([]byte(js), &dirs); err == nil {
			for _, d := range dirs {
				s.Directions = append(s.Directions, strings.ToLower(d))
			}
		}
	}
	if len(s.Directions) == 0 {
		d, err := src.GetStudyDirection(id)
		if err != nil {
			return fmt.Errorf("serve: study %q direction: %w", s.Name, err)
		}
		s.Directions = []string{string(d)}
	}
	for i := range s.Directions {
		s.Goals = append(s.Goals, "value"+strconv.Itoa(i))
	}
	if len(s.Goals) == 1 {
		s.Goals[0] = "value"
	}
	sort.Slice(fts, func(i, j int) bool { return fts[i].Number < fts[j].Number })
	var cand []int
	var vs [][]float64
	for _, ft := range fts {
		t := lenient(ft)
		vals := []float64{ft.Value}
		if js, ok := ft.SystemAttrs[sysValues]; ok {
			vals = parseValues(js)
		}
		ok := t.State == goptuna.TrialStateComplete && len(vals) == len(s.Goals)
		for j, g := range s.Goals {
			if j < len(vals) && t.State == goptuna.TrialStateComplete {
				t.Metrics[g] = vals[j]
			}
			ok = ok && j < len(vals) && finite(vals[j])
		}
		if ok {
			cand = append(cand, len(s.Trials))
			vs = append(vs, s.minimised(vals))
		}
		t.Feasible = true
		s.Trials = append(s.Trials, t)
	}
	for _, k := range reports.FrontOf(vs) {
		s.Front = append(s.Front, cand[k])
		s.Trials[cand[k]].Pareto = true
	}
	return nil
}

// parseValues reads the JSON list of an imported trial's values ("inf", "-inf", "nan" for the others).
func parseValues(js string) []float64 {
	var raw []any
	if json.Unmarshal([]byte(js), &raw) != nil {
		return nil
	}
	out := make([]float64, len(raw))
	for i, v := range raw {
		switch v := v.(type) {
		case float64:
			out[i] = v
		case string:
			switch v {
			case "inf":
				out[i] = math.Inf(1)
			case "-inf":
				out[i] = math.Inf(-1)
			default:
				out[i] = math.NaN()
			}
		}
	}
	return out
}

// lenient decodes a trial with record.Decode, or, for a trial of another program whose
// attributes are not attnsearch's, keeps what goptuna holds and the numeric attributes.
func lenient(ft goptuna.FrozenTrial) record.Trial {
	if t, err := record.Decode(ft); err == nil {
		return t
	}
	t := record.Trial{ID: ft.ID, Number: ft.Number, State: ft.State, Value: ft.Value, Params: ft.Params,
		Metrics: map[string]float64{}, RetryOf: -1, Start: ft.DatetimeStart, End: ft.DatetimeComplete, Intermediate: ft.IntermediateValues}
	t.HasValue = ft.State == goptuna.TrialStateComplete
	for k, v := range ft.UserAttrs {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			t.Metrics[k] = f
		}
	}
	t.Error = ft.UserAttrs[record.KeyError]
	return t
}

// finite reports whether v is a number other than NaN and ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// vector returns a trial's goal values; ok is false when one is missing or not finite.
func (s *study) vector(t record.Trial) ([]float64, bool) { return reports.Vector(t, s.Goals) }

// minimised negates the maximised goals of v.
func (s *study) minimised(v []float64) []float64 { return reports.Minimised(v, s.Directions) }

// best returns "goal value" of the best trial by the first goal, or "".
func (s *study) best() string {
	if len(s.Goals) == 0 {
		return ""
	}
	bi, bv := -1, 0.0
	for i, t := range s.Trials {
		v, ok := t.Metrics[s.Goals[0]]
		if !ok || !finite(v) || t.State != goptuna.TrialStateComplete || !t.Feasible {
			continue
		}
		if bi < 0 || (s.Directions[0] == "maximize") == (v > bv) && v != bv {
			bi, bv = i, v
		}
	}
	if bi < 0 {
		return ""
	}
	return fmt.Sprintf("%s %s (trial %d)", s.Goals[0], record.Display(bv), s.Trials[bi].Number)
}

// entry is the study's row on the studies page.
func (s *study) entry() listEntry {
	if s.Err != "" {
		return listEntry{Name: s.Name, Err: s.Err}
	}
	var goals []string
	for j, g := range s.Goals {
		goals = append(goals, s.Directions[j][:3]+" "+g)
	}
	return listEntry{Name: s.Name, Trials: len(s.Trials), Counts: countsText(s.Counts), Goals: strings.Join(goals, ", "), Best: s.best(), Started: s.Started}
}

// stateOrder is the order states are listed in.
var stateOrder = []string{"COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"}

// countsText renders state counts: "12 COMPLETE, 3 PRUNED".
func countsText(c map[string]int) string {
	var parts []string
	for _, st := range stateOrder {
		if c[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[st], st))
		}
	}
	return strings.Join(parts, ", ")
}

// errNoTrial means a study has no trial of the number asked for.
var errNoTrial = errors.New("no such trial")

// trial returns the trial numbered n.
func (s *study) trial(n int) (record.Trial, error) {
	i := sort.Search(len(s.Trials), func(i int) bool { return s.Trials[i].Number >= n })
	if i < len(s.Trials) && s.Trials[i].Number == n {
		return s.Trials[i], nil
	}
	return record.Trial{}, errNoTrial
}
