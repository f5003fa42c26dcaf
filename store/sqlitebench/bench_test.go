package sqlitebench

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/internal/benchtrial"
	"github.com/c-bata/goptuna"
	rdb "github.com/c-bata/goptuna/rdb.v2"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

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
func openBolt(b *testing.B, opts bolt.Options) *bolt.Store {
	b.Helper()
	s, err := bolt.Open(filepath.Join(b.TempDir(), "study.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// backend is a storage the benchmarks compare: its name and how to open a fresh one.
type backend struct {
	name string
	open func(b *testing.B) goptuna.Storage
}

// newStudy opens a fresh storage of c and creates the study name in it.
func (c backend) newStudy(b *testing.B, name string) (goptuna.Storage, int) {
	s := c.open(b)
	study, err := s.CreateNewStudy(name)
	if err != nil {
		b.Fatal(err)
	}
	return s, study
}

// BenchmarkTrialWrite runs the same durable trial write cycle on both storages.
func BenchmarkTrialWrite(b *testing.B) {
	for _, c := range []backend{
		{"bbolt", func(b *testing.B) goptuna.Storage { return openBolt(b, bolt.Options{}) }},
		{"sqlite", func(b *testing.B) goptuna.Storage { s, _ := openSQLite(b, ""); return s }},
		{"sqlite-wal", func(b *testing.B) goptuna.Storage {
			s, _ := openSQLite(b, "?_journal_mode=WAL&_synchronous=FULL")
			return s
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, study := c.newStudy(b, "bench")
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := benchtrial.Write(s, study, i); err != nil {
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
	for _, c := range []backend{
		{"bbolt", func(b *testing.B) goptuna.Storage { return openBolt(b, bolt.Options{NoSync: true, NoSnapshot: true}) }},
		{"sqlite", func(b *testing.B) goptuna.Storage {
			s, _ := openSQLite(b, "?_synchronous=OFF&_journal_mode=WAL")
			return s
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, study := c.newStudy(b, "big")
			for i := 0; i < n; i++ {
				if err := benchtrial.Write(s, study, i); err != nil {
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
