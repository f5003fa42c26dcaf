package reports_test

import (
	"fmt"
	"github.com/attnsearch/attnsearch/record"
	"os"

	"github.com/attnsearch/attnsearch/reports"
	"github.com/c-bata/goptuna"
)

// ExampleBuild builds the report of three stored trials (as the search writes them) and prints
// the front: trial 2 is dominated by trial 0 (less BLEU for more parameters).
func ExampleBuild() {
	info := record.StudyInfo{Objective: record.Objective{Metric: "bleu", Cost: "params", Tradeoff: 1},
		Budget: record.Budget{MaxParams: 1000}, Searched: []string{"d_model"}}
	trial := func(n int, dModel, params, bleu string) goptuna.FrozenTrial {
		return goptuna.FrozenTrial{Number: n, State: goptuna.TrialStateComplete, Value: 1,
			UserAttrs: map[string]string{record.KeyConfig: "d_model=" + dModel, record.KeyFeasible: "true",
				record.KeyParams: params, record.KeyBLEU: bleu}}
	}
	rep, err := reports.Build("mt", info, []goptuna.FrozenTrial{
		trial(0, "32", "400", "30"), trial(1, "64", "900", "45"), trial(2, "48", "600", "25"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, i := range rep.Front {
		t := rep.Trials[i]
		fmt.Printf("trial %d: d_model %v, bleu %v, params %v\n", t.Number, t.Params["d_model"], t.Metrics[record.KeyBLEU], t.Metrics[record.KeyParams])
	}
	fmt.Printf("hypervolume %g\n", rep.Hypervolume)
	if err := rep.Write(os.Stdout, "csv", false); err != nil {
		fmt.Println(err)
	}
	// Output:
	// trial 0: d_model 32, bleu 30, params 400
	// trial 1: d_model 64, bleu 45, params 900
	// hypervolume 19500
	// number,state,value,pareto,d_model,bleu,params,config,reason,started,finished,duration_s
	// 0,COMPLETE,1,true,32,30,400,d_model=32,,,,
	// 1,COMPLETE,1,true,64,45,900,d_model=64,,,,
}
