package sqlitebench

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
	rdb "github.com/c-bata/goptuna/rdb.v2"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// params are the five parameters of one benchmark trial (the same as store's own benchmark).
func params() []struct {
	name string
	d    any
	ir   float64
} {
	return []struct {
		name string
		d    any
		ir   float64
	}{
		{"d_model", goptuna.StepIntUniformDistribution{Low: 64, High: 512, Step: 64}, 256},
		{"heads", goptuna.CategoricalDistribution{Choices: []string{"1", "2", "4", "8"}}, 2},
		{"layers", goptuna.IntUniformDistribution{Low: 1, High: 6}, 3},
		{"lr", goptuna.LogUniformDistribution{Low: 1e-5, High: 1e-2}, 3e-4},
		{"dropout", goptuna.UniformDistribution{Low: 0, High: 0.5}, 0.1},
	}
}

// writeCycle is one full trial: create, 5 params, 10 intermediate values, value, complete.
func writeCycle(s goptuna.Storage, study, n int) error {
	id, err := s.CreateNewTrial(study)
	if err != nil {
		return err
	}
	for _, p := range params() {
		if err := s.SetTrialParam(id, p.name, p.ir, p.d); err != nil {
			return err
		}
	}
	for step := 0; step < 10; step++ {
		if err := s.SetTrialIntermediateValue(id, step, float64(n)/float64(step+1)); err != nil {
			return err
		}
	}
	if err := s.SetTrialValue(id, float64(n)); err != nil {
		return err
	}
	return s.SetTrialState(id, goptuna.TrialStateComplete)
}

// openSQLite opens goptuna's RDB storage on a fresh SQLite file (journal_mode and synchronous at
// SQLite's defaults: DELETE and FULL, so each transaction is durable like the bbolt store's).
func openSQLite(b *testing.B, pragmas string) (*rdb.Storage, *gorm.DB) {
	b.Helper()
	db, err := gorm.Open(sqlite.Open(filepath.Join(b.TempDir(), "study.sqlite3")+pragmas),
		&gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		b.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		b.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	b.Cleanup(func() { _ = sqlDB.Close() })
	if err := rdb.RunAutoMigrate(db); err != nil {
		b.Fatal(err)
	}
	return rdb.NewStorage(db), db
}

// openBolt opens the bbolt store on a fresh file.
func openBolt(b *testing.B, opts store.Options) *store.Store {
	b.Helper()
	s, err := store.Open(filepath.Join(b.TempDir(), "study.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkTrialWrite runs the same durable trial write cycle on both storages.
func BenchmarkTrialWrite(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(b *testing.B) goptuna.Storage
	}{
		{"bbolt", func(b *testing.B) goptuna.Storage { return openBolt(b, store.Options{}) }},
		{"sqlite", func(b *testing.B) goptuna.Storage { s, _ := openSQLite(b, ""); return s }},
		{"sqlite-wal", func(b *testing.B) goptuna.Storage {
			s, _ := openSQLite(b, "?_journal_mode=WAL&_synchronous=FULL")
			return s
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := c.open(b)
			study, err := s.CreateNewStudy("bench")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := writeCycle(s, study, i); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "trials/s")
		})
	}
}

// BenchmarkGetAllTrials10k reads a study of 10,000 trials from both storages (filled with fsync off).
func BenchmarkGetAllTrials10k(b *testing.B) {
	const n = 10000
	for _, c := range []struct {
		name string
		open func(b *testing.B) goptuna.Storage
	}{
		{"bbolt", func(b *testing.B) goptuna.Storage { return openBolt(b, store.Options{NoSync: true, NoSnapshot: true}) }},
		{"sqlite", func(b *testing.B) goptuna.Storage {
			s, _ := openSQLite(b, "?_synchronous=OFF&_journal_mode=WAL")
			return s
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := c.open(b)
			study, err := s.CreateNewStudy("big")
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if err := writeCycle(s, study, i); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				trials, err := s.GetAllTrials(study)
				if err != nil || len(trials) != n {
					b.Fatalf("%d trials, %v", len(trials), err)
				}
			}
		})
	}
}
