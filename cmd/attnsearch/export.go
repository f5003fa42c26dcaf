package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/optunadb"
)

// newExportCmd builds `attnsearch export --optuna OUT.db STUDY`.
func newExportCmd(stdout, stderr io.Writer) *cobra.Command {
	var db, out string
	cmd := &cobra.Command{
		Use:   "export --optuna OUT.db STUDY",
		Short: "Write a study into a new SQLite file in Optuna's storage format",
		Long: `Export writes the study into a new SQLite file in the schema of Optuna's RDB storage (schema 12,
the schema of Optuna 3.0 and 3.1; checked with Optuna 3.1.0), which optuna.load_study and
optuna-dashboard read: every trial with its state, the values of every goal of the objective with
their directions, parameters with their distributions, intermediate values (the per-epoch curve),
user attributes (figures as numbers) and times. A COMPLETE trial without a value for every goal
is written as FAIL with the system attribute attnsearch:state=COMPLETE, since Optuna refuses it.
The store is opened read-only (a running study is read from its snapshot).`,
		Example: `  attnsearch export --optuna mt.sqlite3 mt
  python3 -c 'import optuna; print(optuna.load_study(storage="sqlite:///mt.sqlite3", study_name="mt").best_trials)'
  optuna-dashboard sqlite:///mt.sqlite3`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return inputErr(errors.New("export: --optuna OUT.db is required (the only export format)"))
			}
			return exportOptuna(c.Context(), db, args[0], out, stdout)
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, dbUsage)
	cmd.Flags().StringVar(&out, "optuna", "", "new SQLite file to write in Optuna's storage format")
	_ = stderr
	return cmd
}

// newImportCmd builds `attnsearch import --optuna IN.db`.
func newImportCmd(stdout, stderr io.Writer) *cobra.Command {
	var db, in, study, as string
	cmd := &cobra.Command{
		Use:   "import --optuna IN.db",
		Short: "Bring a study from an Optuna SQLite storage into the store",
		Long: `Import reads one study from an SQLite file of Optuna's RDB storage (schema 12: Optuna 3.0, 3.1)
and writes it into the store in one transaction: trial numbers, states, times, parameters,
intermediate values and attributes as they are. What goptuna cannot hold is kept in system
attributes (attnsearch:optuna_*): every direction and value of a multi-objective study, Optuna's
distributions (log-scaled integers, non-string categories) and attributes whose values are JSON
other than strings, so that 'attnsearch export --optuna' writes the same study back. A study
whose name the store already holds is refused; --as gives it another name.`,
		Example: `  attnsearch import --optuna optuna.db --study tuning
  attnsearch import --optuna optuna.db --study tuning --as tuning-2 --db postgres://user:pass@db/studies`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if in == "" {
				return inputErr(errors.New("import: --optuna IN.db is required (the only import format)"))
			}
			return importOptuna(c.Context(), db, in, study, as, stdout)
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, dbUsage)
	cmd.Flags().StringVar(&in, "optuna", "", "SQLite file of an Optuna storage to read")
	cmd.Flags().StringVar(&study, "study", "", "study to import (default: the file's only study)")
	cmd.Flags().StringVar(&as, "as", "", "name of the study in the store (default: its Optuna name)")
	_ = stderr
	return cmd
}

// exportOptuna writes study of the store at db into a new Optuna SQLite file out.
func exportOptuna(ctx context.Context, db, study, out string, stdout io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := openRead(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	name, err := pickStudy(st, study)
	if err != nil {
		return err
	}
	exp, ok := st.(store.Exporter)
	if !ok {
		return inputErr(fmt.Errorf("export: %s cannot export studies", st.Location()))
	}
	id, err := st.GetStudyIDFromName(name)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := os.Stat(out); err == nil {
		return inputErr(fmt.Errorf("export: %s already exists (export writes a new file)", out))
	}
	var buf bytes.Buffer
	if err := exp.Export(&buf, id); err != nil {
		return fmt.Errorf("export: study %s: %w", name, err)
	}
	sum, err := optunadb.Write(ctx, out, &buf)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %d trials written to %s (Optuna storage, directions %s)", name, sum.Trials, out, strings.Join(sum.Directions, ", "))
	if sum.AsFail > 0 {
		fmt.Fprintf(stdout, "; %d COMPLETE trials without a value per direction written as FAIL", sum.AsFail)
	}
	fmt.Fprintln(stdout)
	return nil
}

// importOptuna brings study (the only one when empty) of the Optuna file in into the store at db, named as (or its own name).
func importOptuna(ctx context.Context, db, in, study, as string, stdout io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	names, err := optunadb.Studies(ctx, in)
	if err != nil {
		return inputErr(fmt.Errorf("import: %w", err))
	}
	switch {
	case study == "" && len(names) == 1:
		study = names[0]
	case study == "":
		return inputErr(fmt.Errorf("import: %s holds %d studies, choose one with --study: %s", in, len(names), listOrNone(names)))
	default:
		found := false
		for _, n := range names {
			found = found || n == study
		}
		if !found {
			return inputErr(fmt.Errorf("import: no study %q in %s (studies: %s)", study, in, listOrNone(names)))
		}
	}
	var buf bytes.Buffer
	n, err := optunadb.Read(ctx, in, study, &buf)
	if err != nil {
		return inputErr(fmt.Errorf("import: %w", err))
	}
	if as == "" {
		as = study
	}
	st, err := openStore(ctx, db, store.OpenOptions{})
	if err != nil {
		return inputOrRuntime(fmt.Errorf("import: %w", err))
	}
	defer st.Close()
	imp, ok := st.(store.Importer)
	if !ok {
		return inputErr(fmt.Errorf("import: %s cannot import studies", st.Location()))
	}
	id, err := imp.Import(&buf, as)
	if errors.Is(err, store.ErrStudyExists) {
		return inputErr(fmt.Errorf("import: %s already holds a study %q (nothing was imported; choose another name with --as)", st.Location(), as))
	} else if err != nil {
		return fmt.Errorf("import: study %s: %w", study, err)
	}
	refreshDigest(st, id, as, stdout)
	fmt.Fprintf(stdout, "%s: %d trials imported from %s into %s\n", as, n, in, st.Location())
	return nil
}

// sqliteTarget reports whether a migrate location names an SQLite file (by its name or its first
// bytes), which migrate would otherwise take for a bbolt file.
func sqliteTarget(location string) bool {
	lower := strings.ToLower(location)
	for _, s := range []string{".sqlite", ".sqlite3", ".db3"} {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	if strings.HasPrefix(lower, "sqlite:") {
		return true
	}
	f, err := os.Open(location)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	return bytes.Equal(head[:n], []byte("SQLite format 3\x00"))
}

// checkNotSQLite refuses an SQLite location for migrate, pointing at export and import.
func checkNotSQLite(from, to string) error {
	if sqliteTarget(to) {
		return inputErr(fmt.Errorf("migrate: --to %s names an SQLite file; migrate copies between attnsearch stores (bbolt files, PostgreSQL). For Optuna's SQLite storage use `attnsearch export --optuna %s STUDY`", to, to))
	}
	if sqliteTarget(from) {
		return inputErr(fmt.Errorf("migrate: --from %s names an SQLite file; migrate copies between attnsearch stores (bbolt files, PostgreSQL). For Optuna's SQLite storage use `attnsearch import --optuna %s`", from, from))
	}
	return nil
}
