package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/search"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// estimateReport is the JSON object `attnsearch estimate --format json` prints.
type estimateReport struct {
	Space                  string   `json:"space"`                                // space file
	Config                 string   `json:"config"`                               // the full point, as --set reads it
	InSpace                bool     `json:"in_space"`                             // every --set value lies in the declared space
	Outside                []string `json:"outside"`                              // --set values outside the declared space
	SrcVocab               int      `json:"src_vocab"`                            // source vocabulary used
	TgtVocab               int      `json:"tgt_vocab"`                            // target vocabulary used
	VocabSource            string   `json:"vocab_source"`                         // where the vocabulary sizes come from
	Positions              string   `json:"positions"`                            // sinusoidal | learned
	MaxPositions           int      `json:"max_positions"`                        // learned position rows per side (upper bound)
	TieEmbeddings          bool     `json:"tie_embeddings"`                       // output projection tied to the target embedding
	SrcLen                 int      `json:"src_len"`                              // source length of the FLOPs figure
	TgtLen                 int      `json:"tgt_len"`                              // target length of the FLOPs figure
	ParamsCore             int64    `json:"params_core"`                          // encoder + decoder stacks
	ParamsEmbed            int64    `json:"params_embed"`                         // embeddings, positions, output projection
	Params                 int64    `json:"params"`                               // total ‖θ‖₀
	FlopsPerToken          float64  `json:"flops_per_token"`                      // forward multiply-adds per target token
	KVCacheBytesPerToken   int64    `json:"kv_cache_bytes_per_token"`             // decoder self-attention K/V bytes per generated token
	CrossKVCacheBytesPerSr int64    `json:"cross_kv_cache_bytes_per_src_token"`   // cross-attention K/V bytes per source token
	Feasible               bool     `json:"feasible"`                             // meets every analytic budget
	Violations             []string `json:"violations"`                           // broken analytic budgets
	CheckedAfterTraining   []string `json:"checked_after_training"`               // budgets only measurable after training
	Objective              string   `json:"objective"`                            // metric vs cost
	ObjectiveCost          float64  `json:"objective_cost,omitempty"`             // the objective's cost E (analytic costs only)
	ObjectiveRefCost       float64  `json:"objective_ref_cost"`                   // the budget the cost is measured against
	ScoreAtZeroQuality     *float64 `json:"score_at_zero_quality,omitempty"`      // Score with P = 0 (analytic costs only)
	BudgetMaxParams        int64    `json:"budget_max_params,omitempty"`          // budget.max_params
	BudgetMaxFlops         float64  `json:"budget_max_flops_per_token,omitempty"` // budget.max_flops_per_token
	BudgetMaxKVCacheBytes  int64    `json:"budget_max_kv_cache_bytes,omitempty"`  // budget.max_kv_cache_bytes
	// Predicted holds the predicted costs (costs section) by name, BudgetPredicted their limits.
	Predicted       map[string]float64 `json:"predicted,omitempty"`
	BudgetPredicted map[string]float64 `json:"budget_predicted,omitempty"`
}

// estimateBounds are the ranges of estimate's integer flags: those of task.max_vocab.
var estimateBounds = []intBound{
	{name: "src-vocab", lo: 0, hi: 1e8, note: "0 = from the task"},
	{name: "tgt-vocab", lo: 0, hi: 1e8, note: "0 = from the task"},
}

// newEstimateCmd builds `attnsearch estimate SPACE.yaml --set ...`.
func newEstimateCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		set                string
		srcVocab, tgtVocab int
		format             string
	)
	cmd := &cobra.Command{
		Use:   "estimate SPACE.yaml",
		Short: "Print the cost model's figures and budget feasibility of one point",
		Long: `Estimate prints the exact cost model's figures (parameters, forward multiply-adds per target
token, KV-cache bytes per generated token) of one point and its feasibility against the space
file's budget. The point is the file's fixed values plus --set; a searched parameter left out of
--set takes its declared default:, else its domain's central value (as train does). A point outside the declared space is still
estimated and flagged. Vocabulary sizes default to the synthetic task's exact sizes, or to the
corpus task's max_vocab (an upper bound); --src-vocab and --tgt-vocab override them.`,
		Example: `  attnsearch estimate spaces/mt.yaml --set d_model=512,heads=8,kv_heads=8,enc_layers=6,dec_layers=6,d_ff=2048
  attnsearch estimate spaces/tatoeba.yaml --set d_model=64,heads=4,kv_heads=1 --format json`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFormat("estimate", format, allFormats()...); err != nil {
				return err
			}
			if err := checkBounds(c, "estimate", estimateBounds...); err != nil {
				return err
			}
			rep, err := estimate(args[0], set, srcVocab, tgtVocab)
			if err != nil {
				return err
			}
			if format == "json" {
				if err := writeJSON(stdout, rep); err != nil {
					return fmt.Errorf("estimate: write: %w", err)
				}
				return nil
			}
			return writeEstimateTable(stdout, format, rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&set, "set", "", "point to estimate: name=value,... (names: d_model, heads, kv_heads, enc_layers, dec_layers, d_ff, ...)")
	f.IntVar(&srcVocab, "src-vocab", 0, "source vocabulary size, specials included (default: from the task)")
	f.IntVar(&tgtVocab, "tgt-vocab", 0, "target vocabulary size, specials included (default: from the task)")
	f.StringVar(&format, "format", formatTable, formatUsage(allFormats()...))
	_ = stderr
	return cmd
}

// estimate loads the space, builds the point and computes its report; input problems are usage errors.
func estimate(path, set string, srcVocab, tgtVocab int) (*estimateReport, error) {
	spec, err := space.LoadWith(path, search.Registries())
	if err != nil {
		return nil, inputErr(err)
	}
	if k, err := search.KindOf(spec); err != nil || !k.Transformer {
		return nil, inputErr(fmt.Errorf("estimate: %s runs a %s task (task kind %s): the cost model applies to transformer points only; run it yourself", path, k.Name, spec.Task.Kind))
	}
	kv, err := space.ParseSet(set)
	if err != nil {
		return nil, inputErr(fmt.Errorf("estimate: %w", err))
	}
	cfg, outside, err := spec.Point(kv)
	if err != nil {
		return nil, inputErr(fmt.Errorf("estimate: %w", err))
	}
	src, tgt, exact, source := data.TaskVocab(spec.Task)
	srcExact, tgtExact := exact || srcVocab > 0, exact || tgtVocab > 0
	if srcVocab > 0 || tgtVocab > 0 {
		source = "flags"
		if srcVocab > 0 {
			src = srcVocab
		}
		if tgtVocab > 0 {
			tgt = tgtVocab
		}
		if srcVocab == 0 || tgtVocab == 0 {
			source = "flags and " + source
		}
	}
	est, err := search.EstimatePoint(spec, cfg, src, tgt, srcExact, tgtExact)
	if errors.Is(err, search.ErrSmallVocab) {
		return nil, inputErr(fmt.Errorf("estimate: vocabulary sizes %d/%d: need at least 5 (4 specials and a word); give --src-vocab and --tgt-vocab", src, tgt))
	}
	if err != nil {
		// A budget no point of the space can meet makes the file invalid (checked with the
		// smallest vocabulary where the size is only an upper bound).
		return nil, inputErr(err)
	}
	o, b, a, as := spec.Objective, spec.Budget, est.Arch, est.Assessment
	c := as.Cost
	rep := &estimateReport{
		Space: path, Config: cfg.SetString(), InSpace: len(outside) == 0, Outside: nonNil(outside),
		SrcVocab: src, TgtVocab: tgt, VocabSource: source,
		Positions: a.Positions, MaxPositions: a.MaxPositions, TieEmbeddings: a.TieEmbeddings,
		SrcLen: o.SrcLen, TgtLen: o.TgtLen,
		ParamsCore: c.ParamsCore, ParamsEmbed: c.ParamsEmbed, Params: c.Params,
		FlopsPerToken: c.FlopsPerToken, KVCacheBytesPerToken: c.KVCacheBytesPerToken,
		CrossKVCacheBytesPerSr: c.CrossKVCacheBytesPerSrcTok,
		Feasible:               as.Feasible(), Violations: nonNil(est.Violations),
		CheckedAfterTraining: as.AfterTraining, Objective: as.Objective, ObjectiveRefCost: as.RefCost,
		BudgetMaxParams: b.MaxParams, BudgetMaxFlops: b.MaxFlopsPerToken, BudgetMaxKVCacheBytes: b.MaxKVCacheBytes,
		Predicted: c.Predicted, BudgetPredicted: b.Predicted,
	}
	if as.Analytic {
		rep.ObjectiveCost = as.ObjectiveCost
		s := as.ScoreAtZero
		rep.ScoreAtZeroQuality = &s
	}
	return rep, nil
}

// nonNil turns a nil slice into an empty one so that JSON prints [].
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeEstimateTable renders the report as name/value rows (table, csv or md); the table form
// adds the point above and the verdict below, the others carry them as rows.
func writeEstimateTable(w io.Writer, format string, r *estimateReport) error {
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	rows := [][]string{
		{"vocab (src/tgt)", fmt.Sprintf("%d / %d  [%s]", r.SrcVocab, r.TgtVocab, r.VocabSource)},
		{"positions", fmt.Sprintf("%s (max %d), tied embeddings %v", r.Positions, r.MaxPositions, r.TieEmbeddings)},
		{"params_core", i(r.ParamsCore)},
		{"params_embed", i(r.ParamsEmbed)},
		{"params", limit(i(r.Params), r.BudgetMaxParams > 0, i(r.BudgetMaxParams))},
		{fmt.Sprintf("flops_per_token (MACs, src %d / tgt %d)", r.SrcLen, r.TgtLen),
			limit(strconv.FormatFloat(r.FlopsPerToken, 'f', 0, 64), r.BudgetMaxFlops > 0, strconv.FormatFloat(r.BudgetMaxFlops, 'g', -1, 64))},
		{"kv_cache_bytes_per_token", limit(i(r.KVCacheBytesPerToken), r.BudgetMaxKVCacheBytes > 0, i(r.BudgetMaxKVCacheBytes))},
		{"cross_kv_cache_bytes_per_src_token", i(r.CrossKVCacheBytesPerSr)},
	}
	for _, name := range slices.Sorted(maps.Keys(r.Predicted)) {
		lim, set := r.BudgetPredicted[name]
		rows = append(rows, []string{name + " (predicted)",
			limit(strconv.FormatFloat(r.Predicted[name], 'g', 4, 64), set, strconv.FormatFloat(lim, 'g', -1, 64))})
	}
	rows = append(rows, []string{"objective", r.Objective})
	if r.ScoreAtZeroQuality != nil {
		name := "score at P=0 (feasible: score = P + this)"
		if !r.Feasible {
			name = "score (infeasible, any P)"
		}
		rows = append(rows, []string{name, strconv.FormatFloat(*r.ScoreAtZeroQuality, 'f', 3, 64)})
	}
	verdict := "feasible"
	if !r.Feasible {
		verdict = "INFEASIBLE"
	}
	var notes [][]string
	for _, v := range r.Violations {
		notes = append(notes, []string{"violation", v})
	}
	for _, o := range r.Outside {
		notes = append(notes, []string{"outside the space", o})
	}
	for _, m := range r.CheckedAfterTraining {
		notes = append(notes, []string{"checked after training", m})
	}
	if format != formatTable {
		rows = append([][]string{{"point", r.Config}}, rows...)
		rows = append(rows, []string{"verdict", verdict})
		if err := writeRows(w, format, []string{"name", "value"}, append(rows, notes...)); err != nil {
			return fmt.Errorf("estimate: %w", err)
		}
		return nil
	}
	fmt.Fprintf(w, "point: %s\n", r.Config)
	if err := writeRows(w, format, []string{"name", "value"}, rows); err != nil {
		return fmt.Errorf("estimate: %w", err)
	}
	fmt.Fprintf(w, "verdict: %s\n", verdict)
	for _, n := range notes {
		fmt.Fprintf(w, "  %s: %s\n", n[0], n[1])
	}
	return nil
}

// limit appends " (budget X)" to value when a budget is set.
func limit(value string, set bool, budget string) string {
	if !set {
		return value
	}
	return value + "  (budget " + budget + ")"
}
