package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/c-bata/goptuna"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/search"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/postgres"
)

// defaultDB is the store file every command uses without --db or ATTNSEARCH_DB.
const defaultDB = "attnsearch.db"

// envDB names the environment variable that gives the store (a path or a postgres:// URL) to
// every command run without --db.
const envDB = "ATTNSEARCH_DB"

// dbUsage is the help text of every --db flag.
const dbUsage = "store: a bbolt file, or a postgres://user:password@host:port/db URL shared by workers on many machines; $" + envDB + " when set, else the default"

// dbArg is the --db part of a command line that reopens st: empty when the store came from
// ATTNSEARCH_DB, else the store's location without its password.
func dbArg(c *cobra.Command, st store.DB) string {
	if fl := c.Flags().Lookup("db"); fl != nil && !fl.Changed && os.Getenv(envDB) != "" {
		return ""
	}
	return " --db " + st.Location()
}

// dbFlags are the --db and --study flags shared by the reading commands.
type dbFlags struct {
	db, study string
}

// add registers the flags on cmd.
func (f *dbFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.db, "db", defaultDB, dbUsage)
	cmd.Flags().StringVar(&f.study, "study", "", "study name (default: the only study in the store)")
}

// openRead opens the store read-only (a live study is read through the writer's snapshot); a
// missing store is an input error.
func openRead(ctx context.Context, location string) (store.DB, error) {
	st, err := openStore(ctx, location, store.OpenOptions{ReadOnly: true})
	if errors.Is(err, store.ErrNoStore) {
		loc := postgres.Redact(location)
		return nil, inputErr(fmt.Errorf("store %s does not exist (start a study with `attnsearch run SPACE.yaml --db %s`)", loc, loc))
	}
	if err != nil {
		return nil, inputOrRuntime(err)
	}
	return st, nil
}

// studyNames lists the store's study names, sorted.
func studyNames(st store.DB) ([]string, error) {
	names, err := store.StudyNames(st)
	if err != nil {
		return nil, fmt.Errorf("list studies: %w", err)
	}
	return names, nil
}

// pickStudy returns name if given and present, else the store's only study; anything else is an
// input error that lists the studies.
func pickStudy(st store.DB, name string) (string, error) {
	names, err := studyNames(st)
	if err != nil {
		return "", err
	}
	if name != "" {
		for _, n := range names {
			if n == name {
				return name, nil
			}
		}
		return "", inputErr(fmt.Errorf("no study %q in %s (studies: %s)", name, st.Location(), listOrNone(names)))
	}
	if len(names) == 1 {
		return names[0], nil
	}
	if len(names) == 0 {
		return "", inputErr(fmt.Errorf("%s holds no study", st.Location()))
	}
	return "", inputErr(fmt.Errorf("%s holds several studies, choose one with --study: %s", st.Location(), listOrNone(names)))
}

// listOrNone joins names, or says "none".
func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// lean is what the commands that render no trial's curve or log read of each trial: everything
// but reports.Heavy.
func lean() store.Projection { return store.Projection{OmitUserAttrs: reports.Heavy()} }

// loadReport opens the store read-only and builds the report of the chosen study's trials of
// fidelity (reports.LoadOptions), streamed and projected by proj (narrow: reports.LoadOptions.Narrow),
// or from the study's digest when digest is set and the study has one (a command that renders
// the front, one trial or counts: never --all, a plot or the page).
func loadReport(ctx context.Context, f dbFlags, fidelity string, proj store.Projection, narrow, digest bool) (*reports.Report, store.DB, error) {
	st, err := openRead(ctx, f.db)
	if err != nil {
		return nil, nil, err
	}
	name, err := pickStudy(st, f.study)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	o := reports.LoadOptions{Fidelity: fidelity, Scan: scanner(st, proj), Narrow: narrow}
	if digest {
		o.Tail, o.Get = digestReads(st)
	}
	rep, err := reports.LoadWith(st, name, o)
	if err != nil {
		st.Close()
		if errors.Is(err, reports.ErrNoStudyInfo) {
			return nil, nil, inputErr(err)
		}
		return nil, nil, err
	}
	return rep, st, nil
}

// scanner streams a study's trials from st, projected by proj, or to the user attributes keep
// names when the report asks for so little (reports.LoadOptions.Scan).
func scanner(st store.DB, proj store.Projection) func(int, []string, func(goptuna.FrozenTrial) error) error {
	return func(id int, keep []string, fn func(goptuna.FrozenTrial) error) error {
		p := proj
		if keep != nil {
			p = store.Projection{UserAttrs: keep, NoParams: true, NoIntermediate: true}
		}
		return store.ScanTrials(st, id, p, fn)
	}
}

// digestReads are the reads a report from a study's digest makes (reports.LoadOptions.Tail, Get):
// the trials from a number on, and one trial.
func digestReads(st store.DB) (func(int, int) ([]goptuna.FrozenTrial, error), func(int, int) (goptuna.FrozenTrial, error)) {
	return func(id, from int) ([]goptuna.FrozenTrial, error) { return store.TrialsFrom(st, id, from) },
		func(id, n int) (goptuna.FrozenTrial, error) { return store.TrialByNumber(st, id, n) }
}

// refreshDigest brings the digest of study id up to date after a bulk write (import, migrate),
// so that show, best, studies and report read what the question needs; a refresh that fails is
// said on w (the study is written; readers then read every trial).
func refreshDigest(st goptuna.Storage, id int, name string, w io.Writer) {
	if err := search.RefreshDigest(st, id); err != nil {
		fmt.Fprintf(w, "%s: the study's digest was not written (show, best, studies and report will read every trial): %v\n", name, err)
	}
}

// finder reads one trial of the study rep reports by its number (reports.Report.Refill).
// (The study's ID is looked up once, on the first read, not once per trial.)
func finder(st store.DB, rep *reports.Report) func(int) (goptuna.FrozenTrial, error) {
	id := -1
	return func(n int) (goptuna.FrozenTrial, error) {
		if id < 0 {
			var err error
			if id, err = st.GetStudyIDFromName(rep.Study); err != nil {
				id = -1
				return goptuna.FrozenTrial{}, err
			}
		}
		return store.TrialByNumber(st, id, n)
	}
}

// exactArgs wants the n arguments the command's Use line names (run SPACE.yaml: SPACE.yaml); a
// missing or extra one is an input error that names it.
func exactArgs(n int) cobra.PositionalArgs { return rangeArgs(n, n) }

// rangeArgs wants lo to hi of the arguments the command's Use line names.
func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		names := strings.Fields(c.Use)[1:]
		usage := "usage: " + c.CommandPath()
		for _, n := range names {
			usage += " " + n
		}
		if len(args) < lo {
			missing := names[len(args):min(lo, len(names))]
			return inputErr(fmt.Errorf("%s: missing %s (%s)", c.Name(), strings.Join(missing, " "), usage))
		}
		if len(args) > hi {
			return inputErr(fmt.Errorf("%s: unexpected argument %q (%s)", c.Name(), args[hi], usage))
		}
		return nil
	}
}

// noArgs refuses any argument, naming the first.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return inputErr(fmt.Errorf("%s: unexpected argument %q (%s takes flags only; see attnsearch %s --help)", c.Name(), args[0], c.Name(), c.Name()))
	}
	return nil
}

// newTable is a tablewriter table whose headers are printed as written.
func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
}
