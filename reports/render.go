package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/attnsearch/attnsearch/record"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Formats lists the output formats of Write.
func Formats() []string { return []string{"table", "md", "csv", "json"} }

// Write renders the report in format (table | md | csv | json): the front by default, every
// trial with its state and reason when all is set.
func (r *Report) Write(w io.Writer, format string, all bool) error {
	switch format {
	case "table", "md":
		return r.writeTable(w, format == "md", all)
	case "csv":
		return r.writeCSV(w, all)
	case "json":
		return r.WriteJSON(w, all)
	}
	return fmt.Errorf("reports: unknown format %q (want table, md, csv or json)", format)
}

// rows returns the indices of the trials to list: the front, or all trials by number.
func (r *Report) rows(all bool) []int {
	if !all {
		return r.Front
	}
	idx := make([]int, len(r.Trials))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// paramNames returns the parameter columns: the searched names, or every sampled name.
func (r *Report) paramNames() []string {
	if len(r.Info.Searched) > 0 {
		return r.Info.Searched
	}
	seen := map[string]bool{}
	for _, t := range r.Trials {
		for k := range t.Params {
			seen[k] = true
		}
	}
	if r.part != nil {
		for _, k := range r.part.params {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// metricColumns are the figures every report lists, in order, with their table headers.
var metricColumns = []struct{ key, head string }{
	{record.KeyBLEU, "bleu"}, {record.KeyAccuracy, "accuracy"}, {record.KeyParams, "params"}, {record.KeyFlops, "flops/tok"},
	{record.KeyLatency, "latency ms"}, {record.KeyKVBytes, "kv B/tok"},
}

// fmtMetric renders a figure for a table cell.
func fmtMetric(key string, v float64, ok bool) string {
	if !ok {
		return "-"
	}
	switch key {
	case record.KeyParams, record.KeyKVBytes, record.KeyParamsCore, record.KeyParamsEmbed, record.KeyEpochs, record.KeySteps:
		return strconv.FormatInt(int64(v), 10)
	case record.KeyBLEU, record.KeyTestBLEU, record.KeyLatency:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case record.KeyAccuracy, record.KeyTestAccuracy, record.KeyExact:
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// fmtParam renders a parameter value.
func fmtParam(v interface{}, ok bool) string {
	if !ok {
		return "-"
	}
	if f, isF := v.(float64); isF {
		return strconv.FormatFloat(f, 'g', 4, 64)
	}
	return fmt.Sprint(v)
}

// fmtValue renders a trial's score.
func fmtValue(t record.Trial) string {
	if !t.HasValue || !finite(t.Value) {
		return "-"
	}
	return strconv.FormatFloat(t.Value, 'f', 3, 64)
}

// writeTable renders a tablewriter table (ASCII, or Markdown when md).
func (r *Report) writeTable(w io.Writer, md, all bool) error {
	var opts []tablewriter.Option
	if md {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	opts = append(opts, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowAutoWrap(tw.WrapNone))
	tbl := tablewriter.NewTable(w, opts...)
	head := []any{"trial"}
	if all {
		head = append(head, "state")
	}
	names := r.paramNames()
	for _, n := range names {
		head = append(head, n)
	}
	cols := metricColumns
	if r.Info.Shown() == record.FiguresReported {
		cols = nil
		for _, k := range r.commandColumns() {
			cols = append(cols, struct{ key, head string }{k, k})
		}
	}
	for _, m := range cols {
		head = append(head, m.head)
	}
	head = append(head, "score")
	if all {
		head = append(head, "reason")
	}
	tbl.Header(head...)
	for _, i := range r.rows(all) {
		t := r.Trials[i]
		num := strconv.Itoa(t.Number)
		if all && t.Pareto {
			num += "*"
		}
		row := []any{num}
		if all {
			row = append(row, record.StateName(t.State))
		}
		for _, n := range names {
			v, ok := t.Params[n]
			row = append(row, fmtParam(v, ok))
		}
		for _, m := range cols {
			v, ok := t.Metrics[m.key]
			row = append(row, fmtMetric(m.key, v, ok))
		}
		row = append(row, fmtValue(t))
		if all {
			row = append(row, t.Reason())
		}
		if err := tbl.Append(row...); err != nil {
			return fmt.Errorf("reports: table row: %w", err)
		}
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("reports: render table: %w", err)
	}
	c := r.Counts()
	sep := ""
	if md {
		sep = "\n"
	}
	var ref string
	if !r.Info.Objective.Listed() {
		ref = fmt.Sprintf("%s = %s", r.Objectives[1], record.FormatFloat(r.RefCost))
	} else {
		parts := make([]string, len(r.Objectives))
		for j, k := range r.Objectives {
			parts[j] = fmt.Sprintf("%s %s", k, record.FormatFloat(r.Reference[j]))
		}
		ref = strings.Join(parts, ", ")
	}
	_, err := fmt.Fprintf(w, "%sstudy %s: %s (%d complete, %d pruned, %d failed, %d running, %d waiting); front of %s: %s; hypervolume %.6g (reference %s)%s\n",
		sep, r.Study, trials(r.Total()), c["COMPLETE"], c["PRUNED"], c["FAIL"], c["RUNNING"], c["WAITING"],
		strings.Join(r.Objectives, " vs "), trials(len(r.Front)), r.Hypervolume, ref,
		map[bool]string{true: "; * marks the front", false: ""}[all])
	return err
}

// metricKeysOf returns every metric key present in the listed trials, sorted.
func (r *Report) metricKeysOf(idx []int) []string {
	seen := map[string]bool{}
	for _, i := range idx {
		for k := range r.Trials[i].Metrics {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// writeCSV renders one row per listed trial: number, state, value, pareto, parameters, every
// metric key present, reason.
func (r *Report) writeCSV(w io.Writer, all bool) error {
	idx := r.rows(all)
	names := r.paramNames()
	metrics := r.metricKeysOf(idx)
	cw := csv.NewWriter(w)
	head := []string{"number", "state", "value", "pareto"}
	head = append(head, names...)
	head = append(head, metrics...)
	head = append(head, "config", "reason", "started", "finished", "duration_s")
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	for _, i := range idx {
		t := r.Trials[i]
		val := ""
		if t.HasValue && finite(t.Value) {
			val = record.FormatFloat(t.Value)
		}
		row := []string{strconv.Itoa(t.Number), record.StateName(t.State), val, strconv.FormatBool(t.Pareto)}
		for _, n := range names {
			if v, ok := t.Params[n]; ok {
				row = append(row, fmt.Sprint(v))
			} else {
				row = append(row, "")
			}
		}
		for _, k := range metrics {
			if v, ok := t.Metrics[k]; ok {
				row = append(row, record.FormatFloat(v))
			} else {
				row = append(row, "")
			}
		}
		row = append(row, t.Config, t.Reason())
		row = append(row, timeCells(t)...)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("reports: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	return nil
}

// JSONTrial is one trial of the JSON report.
type JSONTrial struct {
	Number    int                    `json:"number"`               // trial number
	State     string                 `json:"state"`                // COMPLETE, PRUNED, FAIL, RUNNING or WAITING
	Params    map[string]interface{} `json:"params"`               // sampled parameters
	Metrics   map[string]float64     `json:"metrics"`              // every stored figure (finite ones)
	Value     *float64               `json:"value"`                // score, null when none
	Pareto    bool                   `json:"pareto"`               // on the front
	Feasible  bool                   `json:"feasible"`             // passed every budget check (false also when never checked)
	Config    string                 `json:"config,omitempty"`     // effective config as --set text
	Reason    string                 `json:"reason,omitempty"`     // why pruned, infeasible or failed
	Seed      int64                  `json:"seed,omitempty"`       // trainer seed
	Attempt   int                    `json:"attempt,omitempty"`    // k-th attempt at its point (omitted for the first)
	History   []record.Epoch         `json:"history,omitempty"`    // per-epoch curve
	Fidelity  string                 `json:"fidelity,omitempty"`   // supernet studies: inherited | retrained
	Started   *time.Time             `json:"started,omitempty"`    // when the trial started (UTC)
	Finished  *time.Time             `json:"finished,omitempty"`   // when it finished (UTC; none while running)
	DurationS *float64               `json:"duration_s,omitempty"` // finished − started, seconds
}

// times returns a trial's start, finish and duration in seconds, nil where unknown.
func times(t record.Trial) (start, end *time.Time, dur *float64) {
	if !t.Start.IsZero() {
		s := t.Start.UTC()
		start = &s
	}
	if !t.End.IsZero() {
		e := t.End.UTC()
		end = &e
	}
	if start != nil && end != nil {
		d := end.Sub(*start).Seconds()
		dur = &d
	}
	return start, end, dur
}

// timeCells are the started, finished and duration_s cells of a CSV row ("" where unknown).
func timeCells(t record.Trial) []string {
	start, end, dur := times(t)
	cells := []string{"", "", ""}
	if start != nil {
		cells[0] = start.Format(time.RFC3339Nano)
	}
	if end != nil {
		cells[1] = end.Format(time.RFC3339Nano)
	}
	if dur != nil {
		cells[2] = strconv.FormatFloat(*dur, 'f', 3, 64)
	}
	return cells
}

// JSONReport is the JSON report's top-level object.
type JSONReport struct {
	Study       string      `json:"study"`                 // study name
	Objectives  []string    `json:"objectives"`            // keys of the objective vector (metric/cost form: quality, then cost)
	Directions  []string    `json:"directions"`            // "maximize" or "minimize" per objective, same order
	Reference   []float64   `json:"reference"`             // hypervolume reference per objective, same order
	Constraints []string    `json:"constraints,omitempty"` // a command study: constraint value names (feasible when <= 0)
	Trials      []JSONTrial `json:"trials"`                // the listed trials
	Hypervolume float64     `json:"hypervolume"`           // of the front against (P = 0, cost = reference)
	RefCost     float64     `json:"reference_cost"`
	Budget      JSONBudget  `json:"budget"` // the study's budget
}

// JSONBudget is the study's budget in the JSON report; its names are those of the first JSON
// reports (Go field names), kept so that readers of the report keep working.
type JSONBudget struct {
	MaxParams        int64   `json:"MaxParams"`        // ‖θ‖₀
	MaxL2Norm        float64 `json:"MaxL2Norm"`        // ‖θ‖₂
	MaxFlopsPerToken float64 `json:"MaxFlopsPerToken"` // forward multiply-adds per target token
	MaxKVCacheBytes  int64   `json:"MaxKVCacheBytes"`  // decoder KV-cache bytes per generated token
	MaxLatencyMS     float64 `json:"MaxLatencyMS"`     // median latency per sentence
	// Predicted bounds the predicted costs by name (the space file's budget.max_NAME).
	Predicted map[string]float64 `json:"predicted,omitempty"`
}

// WriteJSON writes the report as one JSON object (the front, or every trial when all).
func (r *Report) WriteJSON(w io.Writer, all bool) error {
	out := JSONReport{Study: r.Study, Objectives: r.Objectives, Directions: r.Directions, Reference: r.Reference, Constraints: r.Info.Objective.Constraints, Hypervolume: r.Hypervolume,
		RefCost: r.RefCost, Budget: JSONBudget(r.Info.Budget), Trials: []JSONTrial{}}
	for _, i := range r.rows(all) {
		t := r.Trials[i]
		jt := JSONTrial{Number: t.Number, State: record.StateName(t.State), Params: t.Params, Metrics: map[string]float64{},
			Pareto: t.Pareto, Feasible: t.Feasible, Config: t.Config, Reason: t.Reason(), Seed: t.Seed, History: t.History, Fidelity: t.Fidelity}
		if t.Attempt > 1 {
			jt.Attempt = t.Attempt
		}
		jt.Started, jt.Finished, jt.DurationS = times(t)
		if jt.Params == nil {
			jt.Params = map[string]interface{}{}
		}
		for k, v := range t.Metrics {
			if finite(v) {
				jt.Metrics[k] = v
			}
		}
		if t.HasValue && finite(t.Value) {
			v := t.Value
			jt.Value = &v
		}
		out.Trials = append(out.Trials, jt)
	}
	sort.SliceStable(out.Trials, func(a, b int) bool { return out.Trials[a].Number < out.Trials[b].Number })
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("reports: json: %w", err)
	}
	return nil
}

// trials is "1 trial" or "n trials".
func trials(n int) string {
	if n == 1 {
		return "1 trial"
	}
	return strconv.Itoa(n) + " trials"
}
