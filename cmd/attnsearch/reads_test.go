package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/storegen"
)

// genStudies are the generated studies of testdata/genstore: a two-goal and a three-goal study
// of a trial command (storegen), with pruned, failed, infeasible, stale and retried trials.
func genStudies() []storegen.Options {
	return []storegen.Options{{Name: "two", Trials: 120, Goals: 2, Seed: 7, Epochs: 3}, {Name: "three", Trials: 60, Goals: 3, Seed: 8, Epochs: 3}}
}

// genCases are the read commands of testdata/genstore, each named as its expected file: the
// files were printed by the binary of commit d4ed0a1, which decoded the whole study for every
// command; report --plot's file is compared too. Shown trials: of two, infeasible (20), pruned
// (23), failed by the command (56), stale (68) and its retry (69); of three, infeasible (7),
// failed (27) and on the front (57).
func genCases() []outputCase {
	cases := []outputCase{{"studies.txt", []string{"studies"}}, {"studies.json", []string{"studies", "--format", "json"}}}
	shows := map[string][]string{"two": {"20", "23", "56", "68", "69"}, "three": {"7", "27", "57"}}
	for _, s := range []string{"two", "three"} {
		cases = append(cases,
			outputCase{"report-" + s + ".txt", []string{"report", "--study", s}},
			outputCase{"report-all-" + s + ".txt", []string{"report", "--study", s, "--all"}},
			outputCase{"report-" + s + ".json", []string{"report", "--study", s, "--format", "json"}},
			outputCase{"report-all-" + s + ".json", []string{"report", "--study", s, "--all", "--format", "json"}},
			outputCase{"report-all-" + s + ".csv", []string{"report", "--study", s, "--all", "--format", "csv"}},
			outputCase{"plot-" + s + ".svg", []string{"report", "--study", s, "--plot", "PLOT"}},
			outputCase{"best-" + s + ".txt", []string{"best", "--study", s}},
			outputCase{"best-" + s + ".json", []string{"best", "--study", s, "--format", "json"}})
		for _, n := range shows[s] {
			cases = append(cases,
				outputCase{"show-" + s + "-" + n + ".txt", []string{"show", n, "--study", s}},
				outputCase{"show-" + s + "-" + n + ".json", []string{"show", n, "--study", s, "--format", "json"}})
		}
	}
	return cases
}

// sameBytes runs each case against db and requires its stdout (or, for a plot, the file it
// draws) to be byte for byte the expected file of src.
func sameBytes(t *testing.T, bin, db, src string, cases []outputCase) {
	t.Helper()
	for _, c := range cases {
		want, err := os.ReadFile(filepath.Join(src, c.file))
		if err != nil {
			t.Fatal(err)
		}
		plot := filepath.Join(t.TempDir(), c.file)
		args := append([]string{}, c.args...)
		for i, a := range args {
			if a == "PLOT" {
				args[i] = plot
			}
		}
		cmd := exec.Command(bin, append(args, "--db", db)...)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", c.args, err, errb.String())
		}
		got := out.Bytes()
		if strings.HasPrefix(c.file, "plot-") {
			if got, err = os.ReadFile(plot); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%v differs from %s:\n got\n%s\n want\n%s", c.args, c.file, got, want)
		}
	}
}

// fillGenerated writes genStudies into imp.
func fillGenerated(t *testing.T, imp store.Importer) {
	t.Helper()
	for _, o := range genStudies() {
		if _, err := storegen.Fill(imp, o); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGeneratedStoresReadIdentically generates the studies of testdata/genstore into a bbolt
// file and a PostgreSQL database and requires show, best, studies and report (table, JSON, CSV,
// plot), which now stream a projection of the study and re-read only the trials they print, to
// print what the binary that decoded the whole study printed.
func TestGeneratedStoresReadIdentically(t *testing.T) {
	bin := buildBinary(t)
	src := filepath.Join("testdata", "genstore")
	for _, b := range []struct {
		name string
		open func(t *testing.T) (store.DB, string, error)
	}{
		{"bbolt", func(t *testing.T) (store.DB, string, error) {
			path := filepath.Join(t.TempDir(), "gen.db")
			st, err := bolt.Open(path, bolt.Options{NoSync: true, NoSnapshot: true})
			return st, path, err
		}},
		{"postgres", func(t *testing.T) (store.DB, string, error) {
			url := pgServer(t, false).NewDatabase(t)
			st, err := postgres.OpenWith(context.Background(), url, postgres.Options{})
			return st, url, err
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			st, loc, err := b.open(t)
			if err != nil {
				t.Fatal(err)
			}
			fillGenerated(t, st.(store.Importer))
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			sameBytes(t, bin, loc, src, genCases())
		})
	}
}
