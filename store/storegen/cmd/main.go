package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/storegen"
)

func main() {
	var o storegen.Options
	db := flag.String("db", "gen.db", "store: a bbolt file or a postgres:// URL")
	flag.StringVar(&o.Name, "study", "gen", "study name")
	flag.IntVar(&o.Trials, "trials", 1000, "number of trials")
	flag.IntVar(&o.Goals, "goals", 2, "minimised goals: 2 or 3")
	flag.Uint64Var(&o.Seed, "seed", 1, "seed of every draw")
	flag.IntVar(&o.Epochs, "epochs", 5, "epochs (intermediate values) per trained trial")
	only := flag.Bool("digest-only", false, "write nothing but the study's digest (a store generated before digests)")
	flag.Parse()
	if err := run(context.Background(), *db, o, *only); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run opens the store at db and fills the study o into it (unless digestOnly), then writes its
// digest, as a study that attnsearch run wrote has one.
func run(ctx context.Context, db string, o storegen.Options, digestOnly bool) error {
	var st store.DB
	var err error
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		// The import is one transaction: give it more than a call's usual attempt.
		st, err = postgres.OpenWith(ctx, db, postgres.Options{AttemptTimeout: time.Hour})
	} else {
		st, err = bolt.Open(db, bolt.Options{NoSnapshot: true})
	}
	if err != nil {
		return err
	}
	defer st.Close()
	imp, ok := st.(store.Importer)
	if !ok {
		return fmt.Errorf("storegen: %s cannot import studies", st.Location())
	}
	start := time.Now()
	if !digestOnly {
		if _, err := storegen.Fill(imp, o); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "storegen: %d trials of study %s into %s in %v\n", o.Trials, o.Name, st.Location(), time.Since(start).Round(time.Millisecond))
	}
	start = time.Now()
	id, err := st.GetStudyIDFromName(o.Name)
	if err != nil {
		return err
	}
	frontKeys := func(map[string]string) ([]string, []string, bool) {
		keys, dirs := o.FrontKeys()
		return keys, dirs, true
	}
	if err := store.RefreshDigest(st, id, frontKeys); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "storegen: the digest of study %s in %v\n", o.Name, time.Since(start).Round(time.Millisecond))
	return st.Close()
}
