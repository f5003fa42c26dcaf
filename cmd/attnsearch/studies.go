package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/store"
)

// studyRow is one study of `attnsearch studies`.
type studyRow struct {
	Name      string         `json:"name"`              // study name
	Space     string         `json:"space_file"`        // space file it was started from
	Target    int            `json:"target"`            // finished trials wanted
	States    map[string]int `json:"states"`            // trials per state
	Best      *float64       `json:"best,omitempty"`    // best feasible score
	BestTrial *int           `json:"best_trial"`        // its number
	Started   time.Time      `json:"started"`           // first trial's start
	Recovered []int          `json:"recovered"`         // trials failed as stale (worker died), retried
	Points    int            `json:"points"`            // distinct points tried (a trial and its retries are one point)
	Retried   []pointRow     `json:"retried_points"`    // points that took more than one attempt
	Running   []runningRow   `json:"running,omitempty"` // RUNNING trials with their heartbeat age
}

// pointRow is a point that took more than one attempt: its latest trial and the attempts so far.
type pointRow struct {
	Trial    int `json:"trial"`    // number of its latest attempt
	Attempts int `json:"attempts"` // attempts at the point, the latest included
}

// runningRow is one RUNNING trial and the age of its heartbeat.
type runningRow struct {
	Number     int     `json:"number"`          // trial number
	HeartbeatS float64 `json:"heartbeat_age_s"` // seconds since its last heartbeat
}

// newStudiesCmd builds `attnsearch studies`.
func newStudiesCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		db     string
		format string
	)
	cmd := &cobra.Command{
		Use:   "studies",
		Short: "List the studies of a store with their trial counts, best score and stale trials",
		Long: `Studies lists every study in the store: its space file, the number of trials wanted and in
each state, the best feasible score, the trials that were failed as stale because their worker
died (their points were retried), and RUNNING trials with the age of their last heartbeat (a
RUNNING trial whose heartbeat is minutes old belongs to a dead process; the next
` + "`attnsearch run`" + ` recovers it).`,
		Example: `  attnsearch studies
  attnsearch studies --db runs/mt.db --format json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFormat("studies", format, allFormats()...); err != nil {
				return err
			}
			st, err := openRead(c.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			rows, err := studyRows(st)
			if err != nil {
				return fmt.Errorf("studies: %w", err)
			}
			if format == formatJSON {
				return writeJSON(stdout, rows)
			}
			return writeStudies(stdout, format, rows)
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, dbUsage)
	cmd.Flags().StringVar(&format, "format", formatTable, formatUsage(allFormats()...))
	_ = stderr
	return cmd
}

// studyRows gathers one row per study.
func studyRows(st store.DB) ([]studyRow, error) {
	names, err := studyNames(st)
	if err != nil {
		return nil, err
	}
	rows := []studyRow{}
	now := time.Now()
	for _, name := range names {
		row := studyRow{Name: name, States: map[string]int{}, Recovered: []int{}, Retried: []pointRow{}}
		// A row needs each trial's state, score, feasibility, start and retry mark, nothing more.
		o := reports.LoadOptions{Fidelity: "all", Scan: scanner(st, lean()), Narrow: true}
		o.Tail, o.Get = digestReads(st)
		id, err := st.GetStudyIDFromName(name)
		if err != nil {
			return nil, err
		}
		var runningNow map[int]time.Time // the report's RUNNING trials and their starts (nil: no report)
		if rep, err := reports.LoadWith(st, name, o); err == nil {
			row.Space, row.Target = rep.Info.SpaceFile, rep.Info.Trials
			row.States = rep.Counts()
			if b := rep.Best(); b >= 0 {
				v, n := rep.Trials[b].Value, rep.Trials[b].Number
				row.Best, row.BestTrial = &v, &n
			}
			row.Started, row.Points = rep.Started(), rep.Points()
			retried, err := rep.Retried()
			if err != nil {
				return nil, err
			}
			for _, p := range retried {
				row.Retried = append(row.Retried, pointRow(p))
			}
			row.Recovered = append(row.Recovered, rep.Recovered()...)
			runningNow = map[int]time.Time{}
			for _, t := range rep.Trials {
				if t.State == goptuna.TrialStateRunning {
					runningNow[t.Number] = t.Start
				}
			}
		} else {
			rec, err := st.RecoveredTrials(id)
			if err != nil {
				return nil, err
			}
			for _, t := range rec {
				row.Recovered = append(row.Recovered, t.Number)
			}
		}
		if runningNow == nil || len(runningNow) > 0 { // their heartbeats
			run, err := st.RunningTrials(id)
			if err != nil {
				return nil, err
			}
			listed := map[int]bool{}
			for _, t := range run {
				// A live bbolt study's report reads the change feed, its heartbeats the snapshot:
				// a trial finished since the snapshot is not listed as running…
				if _, ok := runningNow[t.Number]; runningNow == nil || ok {
					row.Running = append(row.Running, runningRow{Number: t.Number, HeartbeatS: now.Sub(t.Heartbeat).Seconds()})
					listed[t.Number] = true
				}
			}
			// …and one started since the snapshot is, its start standing for its heartbeat (a
			// bound: it has beaten since, if at all).
			for _, n := range slices.Sorted(maps.Keys(runningNow)) {
				if !listed[n] {
					row.Running = append(row.Running, runningRow{Number: n, HeartbeatS: now.Sub(runningNow[n]).Seconds()})
				}
			}
			sort.Slice(row.Running, func(i, j int) bool { return row.Running[i].Number < row.Running[j].Number })
		}
		sort.Ints(row.Recovered)
		rows = append(rows, row)
	}
	return rows, nil
}

// writeStudies renders the rows as a table, csv or md.
func writeStudies(w io.Writer, format string, rows []studyRow) error {
	var out [][]string
	for _, r := range rows {
		best := "-"
		if r.Best != nil {
			best = fmt.Sprintf("%.3f (%d)", *r.Best, *r.BestTrial)
		}
		running := strconv.Itoa(r.States["RUNNING"])
		for _, rr := range r.Running {
			running += fmt.Sprintf(" #%d:%.0fs", rr.Number, rr.HeartbeatS)
		}
		stale := "-"
		if len(r.Recovered) > 0 {
			stale = fmt.Sprint(r.Recovered)
		}
		points := strconv.Itoa(r.Points)
		var retried []string
		for i, p := range r.Retried {
			if i == 3 {
				retried = append(retried, fmt.Sprintf("+%d more", len(r.Retried)-i))
				break
			}
			retried = append(retried, fmt.Sprintf("#%d: %d", p.Trial, p.Attempts))
		}
		if len(retried) > 0 {
			points += " (" + strings.Join(retried, ", ") + ")"
		}
		started := "-"
		if !r.Started.IsZero() {
			started = r.Started.Local().Format("2006-01-02 15:04")
		}
		out = append(out, []string{r.Name, r.Space, strconv.Itoa(r.Target), strconv.Itoa(r.States["COMPLETE"]), strconv.Itoa(r.States["PRUNED"]),
			strconv.Itoa(r.States["FAIL"]), running, strconv.Itoa(r.States["WAITING"]), best, stale, points, started})
	}
	head := []string{"study", "space", "target", "complete", "pruned", "failed", "running", "waiting", "best (trial)", "stale, retried", "points (attempts)", "started"}
	if err := writeRows(w, format, head, out); err != nil {
		return fmt.Errorf("studies: %w", err)
	}
	return nil
}
