package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/postgres/pgtest"
)

// cacheServer is the PostgreSQL server of the cached view's tests (ATTNSEARCH_TEST_PG, or a
// throwaway one).
var cacheServer = pgtest.NewShared(pgtest.Options{})

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, cacheServer, overheadServer)) }

// tailCalls is a storage that records the numbers its TrialsFrom is asked from (the store's own
// TrialsFrom, or the GetAllTrials fallback for a storage without one).
type tailCalls struct {
	store.TrialStorage
	mu    sync.Mutex
	froms []int
}

func (s *tailCalls) TrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error) {
	s.mu.Lock()
	s.froms = append(s.froms, number)
	s.mu.Unlock()
	return store.TrialsFrom(s.TrialStorage, studyID, number)
}

// last returns the number the latest TrialsFrom was asked from.
func (s *tailCalls) last() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.froms[len(s.froms)-1]
}

// cacheBackend opens a storage and, where the back end allows one, a second handle on it (another
// process's connection); without one, other writes go through the first handle.
type cacheBackend struct {
	name string
	open func(t *testing.T) (st, other store.TrialStorage)
}

func cacheBackends() []cacheBackend {
	return []cacheBackend{
		{"bbolt", func(t *testing.T) (store.TrialStorage, store.TrialStorage) {
			st, err := bolt.Open(filepath.Join(t.TempDir(), "cache.db"), bolt.Options{NoSnapshot: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st, st
		}},
		{"postgres", func(t *testing.T) (store.TrialStorage, store.TrialStorage) {
			u := cacheServer.Get(t).NewDatabase(t)
			var sts [2]store.TrialStorage
			for i := range sts {
				st, err := postgres.OpenWith(context.Background(), u, postgres.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				sts[i] = st
			}
			return sts[0], sts[1]
		}},
	}
}

// TestCachedTrialsEqualStore pins that the cached view answers what the store's GetAllTrials
// answers after every write of a sequence: trials finished out of order, failed with a retry
// mark, recovered (FAIL and a WAITING retry), claimed, pruned, another handle's trials created
// between and below ours, a trial's attributes written while it runs; that it re-reads only
// from the first trial not known finished; and that its TrialsFrom answers the same trials from
// any number on.
func TestCachedTrialsEqualStore(t *testing.T) {
	for _, be := range cacheBackends() {
		t.Run(be.name, func(t *testing.T) {
			st, other := be.open(t)
			calls := &tailCalls{TrialStorage: st}
			view := newCachedTrials(calls)
			sid, err := st.CreateNewStudy("cache")
			must(t, err)
			decoy, err := other.CreateNewStudy("decoy") // its trials must not leak into the view
			must(t, err)
			dist := goptuna.UniformDistribution{Low: 0, High: 1}
			check := func(step string, firstOpen int) {
				t.Helper()
				want, err := st.GetAllTrials(sid)
				must(t, err)
				for round := 0; round < 2; round++ { // the second answer comes from what the first kept
					got, err := view.GetAllTrials(sid)
					must(t, err)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s (read %d): the view's trials differ from the store's:\n got  %+v\n want %+v", step, round, got, want)
					}
					if round == 1 && calls.last() != firstOpen {
						t.Fatalf("%s: the view read from trial %d, want %d (the first not finished)", step, calls.last(), firstOpen)
					}
				}
				// TrialsFrom answers the store's trials from any number on (the samplers' history
				// reads through it), kept ones included.
				for _, from := range []int{0, 1, firstOpen, len(want) - 1, len(want), len(want) + 2} {
					got, err := view.TrialsFrom(sid, max(from, 0))
					must(t, err)
					var tail []goptuna.FrozenTrial
					for _, ft := range want {
						if ft.Number >= from {
							tail = append(tail, ft)
						}
					}
					if len(got) != len(tail) || len(tail) > 0 && !reflect.DeepEqual(got, tail) {
						t.Fatalf("%s: TrialsFrom(%d) differs from the store's trials from there:\n got  %+v\n want %+v", step, from, got, tail)
					}
				}
			}
			create := func(db store.TrialStorage, study int) int {
				id, err := db.CreateNewTrial(study)
				must(t, err)
				must(t, db.SetTrialParam(id, "x", 0.5, dist))
				return id
			}
			check("empty", 0)
			var ids []int
			for i := 0; i < 5; i++ {
				ids = append(ids, create(st, sid))
				create(other, decoy)
			}
			check("five running", 0)
			must(t, st.SetTrialValue(ids[3], 3))
			must(t, st.SetTrialState(ids[3], goptuna.TrialStateComplete))
			check("3 complete", 0)
			must(t, st.SetTrialIntermediateValue(ids[0], 0, 0.25))
			must(t, st.SetTrialUserAttr(ids[0], "a", "b"))
			check("0 written while running", 0)
			must(t, st.SetTrialValue(ids[0], 1))
			must(t, st.SetTrialState(ids[0], goptuna.TrialStatePruned))
			check("0 pruned", 1)
			must(t, st.SetTrialSystemAttr(ids[1], record.SysRetry, "1"))
			must(t, st.SetTrialState(ids[1], goptuna.TrialStateFail))
			check("1 failed to be retried", 2)
			// Another handle's trials, numbered after ours, while ours (2 and 4) still run.
			o1, o2 := create(other, sid), create(other, sid)
			check("another handle's trials", 2)
			must(t, other.SetTrialValue(o2, 7))
			must(t, other.SetTrialState(o2, goptuna.TrialStateComplete))
			check("another handle's later trial complete", 2)
			must(t, st.SetTrialValue(ids[2], 2))
			must(t, st.SetTrialState(ids[2], goptuna.TrialStateComplete))
			check("2 complete", 4)
			// Recovery fails the running trials (4 and the other handle's first) and enqueues their retries.
			stale, err := other.RecoverStale(sid, 0)
			must(t, err)
			if len(stale) != 2 {
				t.Fatalf("recovered %d trials, want 2", len(stale))
			}
			check("recovered", 7) // 4, 5 FAIL; 6 COMPLETE; 7 and 8 WAITING retries
			n, err := other.GetTrialNumberFromID(o1)
			must(t, err)
			if n != 5 {
				t.Fatalf("the other handle's first trial is number %d, want 5", n)
			}
			id, ok, err := st.PopWaitingTrial(sid)
			must(t, err)
			if !ok {
				t.Fatal("no waiting trial to claim")
			}
			check("retry claimed", 7)
			must(t, st.SetTrialValue(id, 4))
			must(t, st.SetTrialState(id, goptuna.TrialStateComplete))
			check("retry complete", 8)
			id, ok, err = other.PopWaitingTrial(sid)
			must(t, err)
			if !ok {
				t.Fatal("no second waiting trial to claim")
			}
			must(t, other.SetTrialState(id, goptuna.TrialStateFail))
			check("every trial finished", 9)
			nine := create(st, sid)
			check("a new trial", 9)
			// Another process's trial numbered below one of ours, running after ours finished.
			ten := create(other, sid)
			eleven := create(st, sid)
			must(t, st.SetTrialValue(eleven, 11))
			must(t, st.SetTrialState(eleven, goptuna.TrialStateComplete))
			check("another handle's trial running below a finished one", 9)
			must(t, st.SetTrialState(nine, goptuna.TrialStateFail))
			check("9 failed", 10)
			must(t, other.SetTrialValue(ten, 10))
			must(t, other.SetTrialState(ten, goptuna.TrialStatePruned))
			check("another handle's trial finished last", 12)
			if got := len(view.kept[sid]); got != 12 {
				t.Fatalf("the view keeps %d trials, want 12", got)
			}
			if _, err := view.GetAllTrials(sid + decoy + 100); err == nil {
				t.Fatal("the trials of a study that does not exist: no error")
			}
		})
	}
}

// TestCachedTrialsConcurrent runs writers (several workers on one handle, and another handle's
// worker) against readers of one view: every answer is the trials numbered 0 to n−1 in order, a
// trial finished in an answer is exactly as the store holds it at the end (finished trials never
// change), and once the writers stop the view answers what the store does.
func TestCachedTrialsConcurrent(t *testing.T) {
	for _, be := range cacheBackends() {
		t.Run(be.name, func(t *testing.T) {
			st, other := be.open(t)
			view := newCachedTrials(st)
			sid, err := st.CreateNewStudy("cache")
			must(t, err)
			const writers, perWriter = 3, 12
			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			errs := make(chan error, writers+2)
			for w := 0; w < writers; w++ {
				db := st
				if w == 0 {
					db = other
				}
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < perWriter; i++ {
						id, err := db.CreateNewTrial(sid)
						if err == nil {
							err = db.SetTrialUserAttr(id, "writer", fmt.Sprint(w))
						}
						if err == nil && i%4 != 3 {
							err = db.SetTrialValue(id, float64(i))
						}
						if err == nil {
							err = db.SetTrialState(id, []goptuna.TrialState{goptuna.TrialStateComplete,
								goptuna.TrialStatePruned, goptuna.TrialStateComplete, goptuna.TrialStateFail}[i%4])
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}(w)
			}
			var mu sync.Mutex
			var seen []goptuna.FrozenTrial // finished trials as some answer gave them
			var readers sync.WaitGroup
			for r := 0; r < 2; r++ {
				readers.Add(1)
				go func() {
					defer readers.Done()
					for ctx.Err() == nil {
						got, err := view.GetAllTrials(sid)
						if err != nil {
							errs <- err
							return
						}
						for i, ft := range got {
							if ft.Number != i {
								errs <- fmt.Errorf("answer of %d trials: position %d holds trial %d", len(got), i, ft.Number)
								return
							}
						}
						mu.Lock()
						for _, ft := range got {
							if ft.State.IsFinished() {
								seen = append(seen, ft)
							}
						}
						mu.Unlock()
						time.Sleep(time.Millisecond)
					}
				}()
			}
			wg.Wait()
			stop()
			readers.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			want, err := st.GetAllTrials(sid)
			must(t, err)
			if len(want) != writers*perWriter {
				t.Fatalf("the store holds %d trials, want %d", len(want), writers*perWriter)
			}
			for _, ft := range seen {
				if !reflect.DeepEqual(ft, want[ft.Number]) {
					t.Fatalf("trial %d as an answer gave it:\n %+v\nas the store holds it:\n %+v", ft.Number, ft, want[ft.Number])
				}
			}
			got, err := view.GetAllTrials(sid)
			must(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("after the writes the view's trials differ from the store's:\n got  %+v\n want %+v", got, want)
			}
		})
	}
}

// must fails t on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
