package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/store"
)

// newMigrateCmd builds `attnsearch migrate --from STORE --to STORE`.
func newMigrateCmd(stdout, stderr io.Writer) *cobra.Command {
	var from, to string
	var studies []string
	cmd := &cobra.Command{
		Use:   "migrate --from STORE --to STORE",
		Short: "Copy studies between stores (a bbolt file and PostgreSQL, either way)",
		Long: `Migrate copies studies from one store to another, exactly: every trial with its number, state,
values (NaN and infinities included), intermediate values, parameters, attributes, times and
heartbeat, and the study's attributes. Each study is copied in one transaction: it appears whole
in the target or not at all. A study whose name the target already holds is refused.

The source is opened read-only (a live bbolt study is read through its snapshot). Stores are
file paths or postgres:// URLs, as for --db.`,
		Example: `  attnsearch migrate --from attnsearch.db --to postgres://user:pass@db:5432/studies
  attnsearch migrate --from postgres://user:pass@db:5432/studies --to backup.db --study mt`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return inputErr(errors.New("migrate: --from and --to are both required"))
			}
			if err := checkNotSQLite(from, to); err != nil {
				return err
			}
			return migrate(c.Context(), from, to, studies, stdout)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "source store: a bbolt file or a postgres:// URL")
	cmd.Flags().StringVar(&to, "to", "", "target store: a bbolt file (created if missing) or a postgres:// URL")
	cmd.Flags().StringSliceVar(&studies, "study", nil, "study to copy (repeatable; default: every study)")
	_ = stderr
	return cmd
}

// migrate copies the named studies (all when none) from one store to the other.
func migrate(ctx context.Context, from, to string, names []string, stdout io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	src, err := openRead(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	exp, ok := src.(store.Exporter)
	if !ok {
		return inputErr(fmt.Errorf("migrate: %s cannot export studies", src.Location()))
	}
	sums, err := src.GetAllStudySummaries()
	if err != nil {
		return fmt.Errorf("migrate: list studies of %s: %w", src.Location(), err)
	}
	ids := map[string]int{}
	for _, s := range sums {
		ids[s.Name] = s.ID
	}
	if len(names) == 0 {
		for _, s := range sums {
			names = append(names, s.Name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if _, ok := ids[n]; !ok {
			return inputErr(fmt.Errorf("migrate: no study %q in %s", n, src.Location()))
		}
	}
	dst, err := openStore(ctx, to, store.OpenOptions{})
	if err != nil {
		return inputOrRuntime(fmt.Errorf("migrate: %w", err))
	}
	defer dst.Close()
	imp, ok := dst.(store.Importer)
	if !ok {
		return inputErr(fmt.Errorf("migrate: %s cannot import studies", dst.Location()))
	}
	dexp, _ := dst.(store.Exporter)
	for _, n := range names {
		var buf bytes.Buffer
		if err := exp.Export(&buf, ids[n]); err != nil {
			return fmt.Errorf("migrate: study %s: %w", n, err)
		}
		want := strings.Count(buf.String(), "\n") - 1
		id, err := imp.Import(bytes.NewReader(buf.Bytes()), n)
		if errors.Is(err, store.ErrStudyExists) {
			return fmt.Errorf("migrate: %s already holds a study %q (nothing of it was copied)", dst.Location(), n)
		}
		if err != nil {
			return fmt.Errorf("migrate: study %s: %w", n, err)
		}
		refreshDigest(dst, id, n, stdout)
		// Read the copy back: every trial is there.
		if dexp != nil {
			var back bytes.Buffer
			if err := dexp.Export(&back, id); err != nil {
				return fmt.Errorf("migrate: read back study %s: %w", n, err)
			}
			if got := strings.Count(back.String(), "\n") - 1; got != want {
				return fmt.Errorf("migrate: study %s: %d trials copied, %d read back", n, want, got)
			}
		}
		fmt.Fprintf(stdout, "%s: %s copied from %s to %s\n", n, plural(want, "trial", "trials"), src.Location(), dst.Location())
	}
	return nil
}
