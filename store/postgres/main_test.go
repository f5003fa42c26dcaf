package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store/postgres/pgtest"
)

// server is this test binary's PostgreSQL server, started on first use.
var server = pgtest.NewShared(pgtest.Options{})

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, server)) }

// openTest opens a store on a fresh database and closes it when the test ends.
func openTest(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	u := server.Get(t).NewDatabase(t)
	s := openURL(t, u, opts)
	return s, u
}

// openStudy opens a store on a fresh database (openTest) holding one new study, named name.
func openStudy(t testing.TB, name string) (s *Store, url string, study int) {
	t.Helper()
	s, url = openTest(t, Options{})
	study, err := s.CreateNewStudy(name)
	must(t, err)
	return s, url, study
}

// openURL opens a store on u and closes it when the test ends.
func openURL(t testing.TB, u string, opts Options) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := OpenWith(ctx, u, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
