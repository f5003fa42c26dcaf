package bolt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/internal/benchtrial"
	"github.com/c-bata/goptuna"
)

// BenchmarkTrialWrite measures full durable trial write cycles (each call one fsynced transaction).
func BenchmarkTrialWrite(b *testing.B) {
	for _, c := range []struct {
		name string
		opts Options
	}{{"durable", Options{}}, {"nosync", Options{NoSync: true}}} {
		b.Run(c.name, func(b *testing.B) {
			s, _ := openTemp(b, c.opts)
			study, err := s.CreateNewStudy("bench")
			must(b, err)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				must(b, benchtrial.Write(s, study, i))
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "trials/s")
		})
	}
}

// bigStudyExport builds the JSONL export of a study of n finished trials like benchtrial.Write's, with three attributes each.
func bigStudyExport(n int) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	_ = enc.Encode(store.ExportStudy{Kind: "study", Format: store.FormatName, Schema: SchemaVersion, Name: "big", Direction: goptuna.StudyDirectionMaximize, Trials: n})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		start, end := t0.Add(time.Duration(i)*time.Minute), t0.Add(time.Duration(i)*time.Minute+50*time.Second)
		et := store.ExportTrial{Kind: "trial", Number: i, State: "Complete", Value: store.Float(i % 977),
			DatetimeStart: &start, DatetimeComplete: &end, Heartbeat: &end,
			Params:      map[string]store.ExportParam{},
			UserAttrs:   map[string]string{"bleu": fmt.Sprint(i % 100), "params": "1234567"},
			SystemAttrs: map[string]string{"seed": fmt.Sprint(i)}}
		for step := 0; step < 10; step++ {
			et.IntermediateValues = append(et.IntermediateValues, [2]store.Float{store.Float(step), store.Float(i) / store.Float(step+1)})
		}
		for _, p := range benchtrial.Params() {
			js, _ := goptuna.DistributionToJSON(p.Dist)
			et.Params[p.Name] = store.ExportParam{Internal: store.Float(p.Internal), Distribution: js}
		}
		_ = enc.Encode(et)
	}
	return buf.Bytes()
}

// bigStore writes a store file holding one study of n trials and returns its path and study ID.
func bigStore(b *testing.B, n int) (string, int) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "big.db")
	s, err := Open(path, Options{NoSnapshot: true})
	must(b, err)
	study, err := s.Import(bytes.NewReader(bigStudyExport(n)), "")
	must(b, err)
	must(b, s.Close())
	return path, study
}

// openBigStore opens (without snapshots) a store file holding a study of n trials, closed when
// b ends, and resets b's timer.
func openBigStore(b *testing.B, n int) (*Store, int) {
	path, study := bigStore(b, n)
	s, err := Open(path, Options{NoSnapshot: true})
	must(b, err)
	b.Cleanup(func() { s.Close() })
	b.ResetTimer()
	return s, study
}

// BenchmarkGetAllTrials10k measures GetAllTrials on a study of 10,000 trials (open store, warm page cache).
func BenchmarkGetAllTrials10k(b *testing.B) {
	s, study := openBigStore(b, 10000)
	for i := 0; i < b.N; i++ {
		trials, err := s.GetAllTrials(study)
		if err != nil || len(trials) != 10000 {
			b.Fatalf("%d trials, %v", len(trials), err)
		}
	}
}

// BenchmarkReportRead10k measures what a report does on a 10,000-trial study: a read-only open, all
// trials, the best trial and the summaries, then close; "live" reads the snapshot of a held file.
func BenchmarkReportRead10k(b *testing.B) {
	for _, live := range []bool{false, true} {
		b.Run(map[bool]string{false: "idle", true: "live"}[live], func(b *testing.B) {
			path, study := bigStore(b, 10000)
			if live {
				w, err := Open(path, Options{})
				must(b, err)
				defer w.Close()
				must(b, w.WriteSnapshot())
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r, err := Open(path, Options{ReadOnly: true})
				must(b, err)
				if _, snap := r.SnapshotTime(); snap != live {
					b.Fatalf("snapshot read = %v, want %v", snap, live)
				}
				trials, err := r.GetAllTrials(study)
				if err != nil || len(trials) != 10000 {
					b.Fatalf("%d trials, %v", len(trials), err)
				}
				if _, err := r.GetBestTrial(study); err != nil {
					b.Fatal(err)
				}
				if _, err := r.GetAllStudySummaries(); err != nil {
					b.Fatal(err)
				}
				must(b, r.Close())
			}
		})
	}
}

// BenchmarkSnapshot10k measures one snapshot write of a 10,000-trial store (the writer's cost per snapshot interval).
func BenchmarkSnapshot10k(b *testing.B) {
	s, _ := openBigStore(b, 10000)
	for i := 0; i < b.N; i++ {
		must(b, s.WriteSnapshot())
	}
}

// BenchmarkTrialWriteParallel measures durable write cycles from 8 concurrent workers on one study
// (bbolt serialises write transactions, so this shows how commits queue behind fsync).
func BenchmarkTrialWriteParallel(b *testing.B) {
	s, _ := openTemp(b, Options{})
	study, err := s.CreateNewStudy("bench")
	must(b, err)
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if err := benchtrial.Write(s, study, i); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "trials/s")
}
