package pgbench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	rdb "github.com/c-bata/goptuna/rdb.v2"
	"github.com/c-bata/goptuna/tpe"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/internal/benchtrial"
	pgstore "github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/postgres/pgtest"
)

// server is the benchmarks' PostgreSQL server (fsync on), started on first use.
var server = pgtest.NewShared(pgtest.Options{Durable: true, MaxConnections: 300})

// envChild makes the test binary a worker process of BenchmarkWriteCyclesProcesses: "URL STUDY N".
const envChild = "ATTNSEARCH_PGBENCH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(envChild); spec != "" {
		os.Exit(child(spec))
	}
	code := m.Run()
	_ = server.Close()
	os.Exit(code)
}

// writeCycle is one full trial as a worker writes it (benchtrial.Write: create, 5 params, 10
// intermediate values, value, complete), the same as store's and sqlitebench's benchmarks.
func writeCycle(s goptuna.Storage, study, n int) error { return benchtrial.Write(s, study, n) }

// storage is one storage under test.
type storage struct {
	name string
	open func(b *testing.B, workers int) goptuna.Storage
}

// storages are the three storages compared.
func storages() []storage {
	return []storage{
		{"postgres", func(b *testing.B, workers int) goptuna.Storage {
			u := server.Get(b).NewDatabase(b)
			s, err := pgstore.OpenWith(context.Background(), u, pgstore.Options{MaxConns: max(workers, 4)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
		{"bbolt", func(b *testing.B, _ int) goptuna.Storage {
			s, err := bolt.Open(filepath.Join(b.TempDir(), "study.db"), bolt.Options{NoSnapshot: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"goptuna-rdb", func(b *testing.B, workers int) goptuna.Storage {
			u := server.Get(b).NewDatabase(b)
			db, err := gorm.Open(postgres.Open(u), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
			if err != nil {
				b.Fatal(err)
			}
			sqlDB, err := db.DB()
			if err != nil {
				b.Fatal(err)
			}
			sqlDB.SetMaxOpenConns(max(workers, 4))
			b.Cleanup(func() { _ = sqlDB.Close() })
			if err := rdb.RunAutoMigrate(db); err != nil {
				b.Fatal(err)
			}
			return rdb.NewStorage(db)
		}},
	}
}

// BenchmarkWriteCycles runs b.N trial write cycles spread over 1, 4, 16 and 64 concurrent workers
// (goroutines of one process; each PostgreSQL connection is its own server process) and reports trials/s.
func BenchmarkWriteCycles(b *testing.B) {
	for _, st := range storages() {
		for _, workers := range []int{1, 4, 16, 64} {
			b.Run(fmt.Sprintf("%s/workers=%d", st.name, workers), func(b *testing.B) {
				s := st.open(b, workers)
				study, err := s.CreateNewStudy("bench")
				if err != nil {
					b.Fatal(err)
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				errs := make(chan error, workers)
				b.ResetTimer()
				start := time.Now()
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							n := next.Add(1) - 1
							if n >= int64(b.N) {
								return
							}
							if err := writeCycle(s, study, int(n)); err != nil {
								errs <- err
								return
							}
						}
					}()
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "trials/s")
				close(errs)
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// fill stores n complete trials of the benchmark parameters, values spread so TPE has a real
// split, through CloneTrial.
func fill(b *testing.B, s goptuna.Storage, study, n int) {
	b.Helper()
	for i := 0; i < n; i++ {
		ft := goptuna.FrozenTrial{
			State: goptuna.TrialStateComplete, Value: float64((i * 7919) % 1000),
			DatetimeStart: time.Now(), DatetimeComplete: time.Now(),
			InternalParams: map[string]float64{}, Distributions: map[string]interface{}{}, Params: map[string]interface{}{},
			IntermediateValues: map[int]float64{}, UserAttrs: map[string]string{}, SystemAttrs: map[string]string{},
		}
		for j, p := range benchtrial.Params() {
			v := p.Internal
			switch d := p.Dist.(type) {
			case goptuna.UniformDistribution:
				v = d.Low + (d.High-d.Low)*float64((i*31+j)%97)/97
			case goptuna.LogUniformDistribution:
				v = d.Low * float64(1+(i*13+j)%50)
			case goptuna.CategoricalDistribution:
				v = float64((i + j) % len(d.Choices))
			case goptuna.IntUniformDistribution:
				v = float64(d.Low + (i+j)%(d.High-d.Low+1))
			case goptuna.StepIntUniformDistribution:
				v = float64(d.Low + d.Step*((i+j)%((d.High-d.Low)/d.Step+1)))
			}
			ft.InternalParams[p.Name] = v
			ft.Distributions[p.Name] = p.Dist
		}
		if _, err := s.CloneTrial(study, ft); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSamplerOverhead measures one TPE-sampled trial (create, suggest five parameters from
// the history, complete) in a study that already holds 1,000 or 10,000 complete trials: the
// storage's share is reading the history on every suggestion.
func BenchmarkSamplerOverhead(b *testing.B) {
	for _, st := range storages() {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/trials=%d", st.name, n), func(b *testing.B) {
				s := st.open(b, 1)
				study, err := goptuna.CreateStudy("tpe", goptuna.StudyOptionStorage(s), goptuna.StudyOptionLogger(nil),
					goptuna.StudyOptionSampler(tpe.NewSampler(tpe.SamplerOptionSeed(1))))
				if err != nil {
					b.Fatal(err)
				}
				fill(b, s, study.ID, n)
				// One trial first, so that a storage's cache (if any) holds the history, as in a running study.
				if err := study.Optimize(objective, 1); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				if err := study.Optimize(objective, b.N); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// objective suggests the five parameters and scores them trivially.
func objective(t goptuna.Trial) (float64, error) {
	sum := 0.0
	for _, p := range benchtrial.Params() {
		var v float64
		var err error
		switch d := p.Dist.(type) {
		case goptuna.UniformDistribution:
			v, err = t.SuggestUniform(p.Name, d.Low, d.High)
		case goptuna.LogUniformDistribution:
			v, err = t.SuggestLogUniform(p.Name, d.Low, d.High)
		case goptuna.CategoricalDistribution:
			var c string
			c, err = t.SuggestCategorical(p.Name, d.Choices)
			v = float64(len(c))
		case goptuna.IntUniformDistribution:
			var i int
			i, err = t.SuggestInt(p.Name, d.Low, d.High)
			v = float64(i)
		case goptuna.StepIntUniformDistribution:
			var i int
			i, err = t.SuggestStepInt(p.Name, d.Low, d.High, d.Step)
			v = float64(i)
		}
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// BenchmarkReadHistory isolates the storage's share of a sampler's per-trial cost: after one more
// trial is written (not timed), GetAllTrials reads the whole 1,000- or 10,000-trial history.
func BenchmarkReadHistory(b *testing.B) {
	for _, st := range storages() {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/trials=%d", st.name, n), func(b *testing.B) {
				s := st.open(b, 1)
				study, err := s.CreateNewStudy("read")
				if err != nil {
					b.Fatal(err)
				}
				fill(b, s, study, n)
				if _, err := s.GetAllTrials(study); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					if err := writeCycle(s, study, i); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					trials, err := s.GetAllTrials(study)
					if err != nil || len(trials) != n+i+1 {
						b.Fatalf("%d trials, %v", len(trials), err)
					}
				}
			})
		}
	}
}

// child writes N trial cycles into the study as one worker process and returns its exit code.
func child(spec string) int {
	var url string
	var study, n int
	if _, err := fmt.Sscan(spec, &url, &study, &n); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	s, err := pgstore.OpenWith(context.Background(), url, pgstore.Options{MaxConns: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		if err := writeCycle(s, study, i); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
	}
	return 0
}

// BenchmarkWriteCyclesProcesses is BenchmarkWriteCycles for the PostgreSQL store with each
// worker a process of its own (one connection each), as workers on several machines are; the
// time includes starting the processes (a few milliseconds each).
func BenchmarkWriteCyclesProcesses(b *testing.B) {
	for _, procs := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("postgres/processes=%d", procs), func(b *testing.B) {
			u := server.Get(b).NewDatabase(b)
			s, err := pgstore.OpenWith(context.Background(), u, pgstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			study, err := s.CreateNewStudy("bench")
			if err != nil {
				b.Fatal(err)
			}
			per := (b.N + procs - 1) / procs
			cmds := make([]*exec.Cmd, procs)
			for i := range cmds {
				cmds[i] = exec.Command(os.Args[0])
				cmds[i].Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d", envChild, u, study, per))
				var errb strings.Builder
				cmds[i].Stderr = &errb
			}
			b.ResetTimer()
			start := time.Now()
			for _, c := range cmds {
				if err := c.Start(); err != nil {
					b.Fatal(err)
				}
			}
			for _, c := range cmds {
				if err := c.Wait(); err != nil {
					b.Fatalf("worker process: %v: %s", err, c.Stderr)
				}
			}
			b.ReportMetric(float64(per*procs)/time.Since(start).Seconds(), "trials/s")
		})
	}
}
