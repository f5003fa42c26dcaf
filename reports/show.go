package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/attnsearch/attnsearch/record"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteTrial prints Trials[i] in format "table" (a field/value table, then its per-epoch curve)
// or "json" (one object).
func (rep *Report) WriteTrial(w io.Writer, i int, format string) error {
	t := rep.Trials[i]
	switch format {
	case "json":
		return rep.writeTrialJSON(w, t)
	case "table":
		return rep.writeTrialTable(w, t)
	}
	return fmt.Errorf("reports: unknown format %q", format)
}

// writeTrialJSON prints the trial as one JSON object.
func (rep *Report) writeTrialJSON(w io.Writer, t record.Trial) error {
	var v *float64
	if t.HasValue {
		x := t.Value
		v = &x
	}
	inter := map[string]float64{}
	for k, x := range t.Intermediate {
		inter[strconv.Itoa(k)] = x
	}
	out := map[string]interface{}{
		"study": rep.Study, "number": t.Number, "state": record.StateName(t.State), "reason": t.Reason(),
		"value": v, "seed": t.Seed, "config": t.Config, "params": t.Params, "metrics": t.Metrics,
		"pareto": t.Pareto, "history": t.History, "intermediate_values": inter,
		"infeasible": t.Infeasible, "error": t.Error,
	}
	out["started"], out["finished"], out["duration_s"] = times(t)
	if rep.Info.Shown() == record.FiguresReported {
		out["log"], out["stderr"] = nonNil(t.Log), nonNil(t.Stderr)
	}
	if t.Attempt > 1 {
		out["attempt"] = t.Attempt
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeTrialTable prints the trial as a key/value table followed by its epoch curve.
func (rep *Report) writeTrialTable(w io.Writer, t record.Trial) error {
	kv := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	kv.Header("name", "value")
	val := "-"
	if t.HasValue {
		val = record.FormatFloat(t.Value)
	}
	rows := [][]string{
		{"study", rep.Study},
		{"trial", strconv.Itoa(t.Number)},
		{"state", record.StateName(t.State)},
		{"score", val},
		{"on the Pareto front", strconv.FormatBool(t.Pareto)},
		{"seed", strconv.FormatInt(t.Seed, 10)},
		{"config", t.Config},
	}
	if r := t.Reason(); r != "" {
		rows = append(rows, []string{"reason", r})
	}
	if !t.Start.IsZero() {
		rows = append(rows, []string{"started", t.Start.Local().Format("2006-01-02 15:04:05")})
	}
	if !t.End.IsZero() {
		rows = append(rows, []string{"finished", t.End.Local().Format("2006-01-02 15:04:05")})
	}
	if _, _, d := times(t); d != nil {
		rows = append(rows, []string{"duration_s", strconv.FormatFloat(*d, 'f', 3, 64)})
	}
	keys := make([]string, 0, len(t.Metrics))
	for k := range t.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rows = append(rows, []string{k, record.Display(t.Metrics[k])})
	}
	if n := len(t.Stderr); n > 0 {
		rows = append(rows, []string{"stderr (last lines)", strings.Join(t.Stderr[max(0, n-10):], "\n")})
	}
	if n := len(t.Log); n > 0 {
		rows = append(rows, []string{"log (last lines)", strings.Join(t.Log[max(0, n-10):], "\n")})
	}
	if err := kv.Bulk(rows); err != nil {
		return fmt.Errorf("reports: trial table: %w", err)
	}
	if err := kv.Render(); err != nil {
		return fmt.Errorf("reports: trial table: %w", err)
	}
	if len(t.History) == 0 {
		if len(t.Intermediate) > 0 {
			steps := make([]int, 0, len(t.Intermediate))
			for s := range t.Intermediate {
				steps = append(steps, s)
			}
			sort.Ints(steps)
			parts := make([]string, len(steps))
			for i, s := range steps {
				parts[i] = fmt.Sprintf("%d:%.3f", s, t.Intermediate[s])
			}
			fmt.Fprintf(w, "intermediate scores: %s\n", strings.Join(parts, " "))
		}
		return nil
	}
	if rep.Info.Shown() == record.FiguresReported {
		return writeSteps(w, t)
	}
	fmt.Fprintln(w, "per-epoch curve:")
	ht := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	ht.Header("epoch", "train loss", "valid loss", "valid bleu", "valid acc", "score", "seconds")
	for _, e := range t.History {
		if err := ht.Append(strconv.Itoa(e.Epoch), fmt.Sprintf("%.4f", e.TrainLoss), fmt.Sprintf("%.4f", e.ValidLoss),
			fmt.Sprintf("%.2f", e.ValidBLEU), fmt.Sprintf("%.4f", e.ValidAccuracy), fmt.Sprintf("%.3f", e.Score),
			fmt.Sprintf("%.1f", e.Seconds)); err != nil {
			return fmt.Errorf("reports: trial table: %w", err)
		}
	}
	if err := ht.Render(); err != nil {
		return fmt.Errorf("reports: trial table: %w", err)
	}
	return nil
}

// nonNil returns s, or an empty slice for nil (JSON [] rather than null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeSteps prints a command trial's progress steps: the score the pruner saw and every value
// the command reported.
func writeSteps(w io.Writer, t record.Trial) error {
	fieldsOf := func(e record.Epoch) map[string]float64 {
		return map[string]float64{record.StepTrainLoss: e.TrainLoss, record.StepValidLoss: e.ValidLoss,
			record.KeyBLEU: e.ValidBLEU, record.KeyAccuracy: e.ValidAccuracy, record.StepSeconds: e.Seconds}
	}
	seen := map[string]bool{}
	for _, e := range t.History {
		for k := range e.Values {
			seen[k] = true
		}
		for k, v := range fieldsOf(e) {
			if v != 0 {
				seen[k] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "progress steps:")
	ht := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	head := []any{"step", "score"}
	for _, n := range names {
		head = append(head, n)
	}
	ht.Header(head...)
	for _, e := range t.History {
		row := []any{strconv.Itoa(e.Epoch), record.Display(e.Score)}
		fields := fieldsOf(e)
		for _, n := range names {
			v, ok := e.Values[n]
			if !ok {
				v, ok = fields[n]
			}
			cell := "-"
			if ok {
				cell = record.Display(v)
			}
			row = append(row, cell)
		}
		if err := ht.Append(row...); err != nil {
			return fmt.Errorf("reports: trial table: %w", err)
		}
	}
	if err := ht.Render(); err != nil {
		return fmt.Errorf("reports: trial table: %w", err)
	}
	return nil
}
