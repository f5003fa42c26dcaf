package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/postgres/pgtest"
)

// TestServerRestart stops the server while workers write trials and starts it again: the
// workers' calls wait and retry, every trial whose completion returned is stored complete, and
// nothing is left half-written or duplicated.
func TestServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a server")
	}
	srv, err := pgtest.Start(pgtest.Options{Own: true})
	if err != nil {
		pgtest.Unavailable(t, err)
	}
	t.Cleanup(func() { srv.Close() }) // after the database's own cleanup
	u := srv.NewDatabase(t)
	var retries atomic.Int64
	s := openURL(t, u, Options{RetryFor: time.Minute, OnRetry: func(string, int, error) { retries.Add(1) }})
	study, err := s.CreateNewStudy("restart")
	must(t, err)
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	var mu sync.Mutex
	completed := map[int]bool{}
	var written atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var g errgroup.Group
	for w := 0; w < 4; w++ {
		g.Go(func() error {
			for ctx.Err() == nil {
				id, err := s.CreateNewTrial(study)
				if err != nil {
					return err
				}
				if err := completeTrial(s, id, dist, 1); err != nil {
					return err
				}
				mu.Lock()
				completed[id] = true
				mu.Unlock()
				written.Add(1)
			}
			return nil
		})
	}
	for written.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
	}
	must(t, srv.StopServer("fast"))
	before := written.Load()
	time.Sleep(2 * time.Second)
	must(t, srv.StartServer())
	for written.Load() < before+20 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := g.Wait(); err != nil {
		t.Fatalf("a worker failed across the restart: %v\n%s", err, srv.LogTail())
	}
	if retries.Load() == 0 {
		t.Error("no call was retried: the server did not go away")
	}
	all, err := openURL(t, u, Options{}).GetAllTrials(study)
	must(t, err)
	for i, ft := range all {
		if ft.Number != i {
			t.Fatalf("numbers not dense: %d at %d", ft.Number, i)
		}
		if completed[ft.ID] && (ft.State != goptuna.TrialStateComplete || len(ft.IntermediateValues) != 3 || ft.Params["x"] != 0.5) {
			t.Errorf("completed trial %d stored as %v with %d steps", ft.ID, ft.State, len(ft.IntermediateValues))
		}
		delete(completed, ft.ID)
	}
	if len(completed) > 0 {
		t.Errorf("%d completed trials lost", len(completed))
	}
	t.Logf("%d trials, %d retries", len(all), retries.Load())
}

// TestUnavailable gives up after the retry window with ErrUnavailable.
func TestUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := OpenWith(ctx, "postgres://nobody@/db?host=/nonexistent-dir&connect_timeout=1", Options{RetryFor: 300 * time.Millisecond})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if _, err := OpenWith(ctx, "postgres://u:secret@[::1", Options{}); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: %v", err)
	}
}

func TestSchema(t *testing.T) {
	s, u := openTest(t, Options{})
	// Concurrent opens of an existing database agree.
	must(t, openConcurrently(u, 4))
	conn, err := pgx.Connect(context.Background(), u)
	must(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), `UPDATE attnsearch_meta SET value = '99' WHERE key = 'schema'`)
	must(t, err)
	if _, err := OpenWith(context.Background(), u, Options{}); !errors.Is(err, store.ErrSchema) {
		t.Errorf("newer schema: %v", err)
	}
	_, err = conn.Exec(context.Background(), `UPDATE attnsearch_meta SET value = 'other' WHERE key = 'format'`)
	must(t, err)
	if _, err := OpenWith(context.Background(), u, Options{}); !errors.Is(err, store.ErrNotStore) {
		t.Errorf("foreign format: %v", err)
	}
	_ = s
	// Concurrent first opens of an empty database create the schema once.
	must(t, openConcurrently(server.Get(t).NewDatabase(t), 4))
}

// openConcurrently opens and closes n stores on u at once and returns the first error.
func openConcurrently(u string, n int) error {
	var g errgroup.Group
	for i := 0; i < n; i++ {
		g.Go(func() error {
			st, err := OpenWith(context.Background(), u, Options{})
			if err == nil {
				st.Close()
			}
			return err
		})
	}
	return g.Wait()
}
