package reports

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// commandTrial is a stored trial of a command study with values acc and cost.
func commandTrial(n int, state goptuna.TrialState, acc, cost float64, feasible bool) goptuna.FrozenTrial {
	attrs := map[string]string{
		record.KeyPoint: `{"x":` + strconv.Itoa(n) + `.5,"act":"relu"}`,
		"acc":           record.FormatFloat(acc), "cost": record.FormatFloat(cost),
		record.KeyFeasible: strconv.FormatBool(feasible),
	}
	return goptuna.FrozenTrial{Number: n, State: state, Value: acc, UserAttrs: attrs, SystemAttrs: map[string]string{}}
}

func TestCommandFront(t *testing.T) {
	info := record.StudyInfo{Task: "command", Objective: record.Objective{Maximize: []string{"acc"}, Minimize: []string{"cost"}, Constraints: []string{"c"}}}
	trials := []goptuna.FrozenTrial{
		commandTrial(0, goptuna.TrialStateComplete, 0.9, 10, true),  // front
		commandTrial(1, goptuna.TrialStateComplete, 0.8, 5, true),   // front
		commandTrial(2, goptuna.TrialStateComplete, 0.8, 6, true),   // dominated by 1
		commandTrial(3, goptuna.TrialStateComplete, 0.95, 1, false), // infeasible
		commandTrial(4, goptuna.TrialStatePruned, 0.99, 1, false),   // not complete
		commandTrial(5, goptuna.TrialStateComplete, 0.7, 5, true),   // dominated by 1
		commandTrial(6, goptuna.TrialStateComplete, 0.95, 20, true), // front
	}
	r, err := Build("fn", info, trials)
	if err != nil {
		t.Fatal(err)
	}
	var front []int
	for _, i := range r.Front {
		front = append(front, r.Trials[i].Number)
	}
	// Sorted by the first minimised goal.
	if got := fmtInts(front); got != "[1,0,6]" {
		t.Errorf("front = %v, want [1 0 6]", front)
	}
	if strings.Join(r.Objectives, ",") != "acc,cost" || strings.Join(r.Directions, ",") != "maximize,minimize" {
		t.Errorf("objectives %v directions %v", r.Objectives, r.Directions)
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js, true); err != nil {
		t.Fatal(err)
	}
	var out JSONReport
	if err := json.Unmarshal(js.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Join(out.Directions, ",") != "maximize,minimize" || strings.Join(out.Constraints, ",") != "c" ||
		out.Trials[0].Params["act"] != "relu" || out.Trials[0].Config != "x=0.5,act=relu" {
		t.Errorf("json: %+v", out)
	}
	var tbl bytes.Buffer
	if err := r.Write(&tbl, "table", true); err != nil {
		t.Fatal(err)
	}
	// The table lists the goals and the constraint as columns.
	if s := tbl.String(); !strings.Contains(s, "front of acc vs cost: 3 trials") || !strings.Contains(s, "│ acc  │ cost │ c │") {
		t.Errorf("table:\n%s", s)
	}
	if err := r.SavePlot(t.TempDir() + "/x.png"); err != nil {
		t.Errorf("SavePlot of a command study: %v", err)
	}
}

// fmtInts renders ints as "[a,b,c]".
func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(s, ",") + "]"
}
