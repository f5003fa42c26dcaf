package search

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/samplertest"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/postgres/pgtest"
)

// overheadServer is the PostgreSQL server of BenchmarkStudyOverhead (ATTNSEARCH_TEST_PG, or a
// throwaway one; durable, as a user's).
var overheadServer = pgtest.NewShared(pgtest.Options{Durable: true})

// BenchmarkStudyOverhead is the cost of one trial of a running study end to end with a trivial
// objective (the fake trainer: three reported epochs, no training): search.Run on a study that
// already holds N finished trials (imported), sampler auto (two goals: motpe multivariate) and
// each store. Per trial, wall and CPU time from the first trial's end to the last's, so Run's
// start (recovery, counting) is left out; the CPU time is the process's, so a PostgreSQL server's
// own work shows only in the wall time. b.N is the number of trials run (use -benchtime 20x).
func BenchmarkStudyOverhead(b *testing.B) {
	backends := []struct {
		name string
		open func(b *testing.B) store.DB // on the parent b: the store outlives one run of a sub-benchmark
	}{
		{"bbolt", func(b *testing.B) store.DB {
			st, err := bolt.Open(filepath.Join(b.TempDir(), "overhead.db"), bolt.Options{NoSnapshot: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		}},
		{"postgres", func(b *testing.B) store.DB {
			u := overheadServer.Get(b).NewDatabase(b)
			// A loaded machine's import of 50,000 trials outlasts the default attempt timeout.
			st, err := postgres.OpenWith(context.Background(), u, postgres.Options{AttemptTimeout: 20 * time.Minute, RetryFor: 30 * time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		}},
	}
	parent := b
	for _, be := range backends {
		for _, n := range []int{1000, 10000, 50000} {
			// The testing package runs a sub-benchmark once with b.N = 1 before the run that
			// reports; both use one store, imported once (the second starts from N+1 trials).
			var db store.DB
			held := 0
			b.Run(fmt.Sprintf("%s/N=%d", be.name, n), func(b *testing.B) {
				if db == nil {
					db = be.open(parent)
					imp, ok := db.(store.Importer)
					if !ok {
						b.Fatalf("%s: no import", be.name)
					}
					if _, err := imp.Import(bytes.NewReader(overheadHistory(b, n)), ""); err != nil {
						b.Fatal(err)
					}
					held = n
				}
				spec := overheadSpec(b, held+b.N)
				held += b.N
				arch := spec.Arch(12, 12)
				var ends []time.Time
				var cpus []int64
				b.ResetTimer()
				res, err := Run(context.Background(), spec, db, Options{Trainer: &fakeTrainer{}, Arch: &arch,
					OnEvent: func(e Event) {
						if e.Kind == EventTrialEnd {
							ends, cpus = append(ends, time.Now()), append(cpus, samplertest.CPUTime())
						}
					}})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if res.Ran != b.N || len(ends) != b.N {
					b.Fatalf("ran %d trials (%d ends), want %d", res.Ran, len(ends), b.N)
				}
				if b.N < 2 {
					return
				}
				k := float64(b.N - 1)
				b.ReportMetric(float64(ends[b.N-1].Sub(ends[0]).Microseconds())/1e3/k, "ms/trial")
				b.ReportMetric(float64(cpus[b.N-1]-cpus[0])/1e6/k, "cpu-ms/trial")
			})
		}
	}
}

// overheadSpec is the tiny space with two goals (accuracy, parameters), sampler auto, no
// pruner and the given number of trials.
func overheadSpec(b *testing.B, trials int) *space.Spec {
	b.Helper()
	src := fmt.Sprintf(tinySpace, trials, "auto", "none", 100000)
	src = src[:strings.Index(src, "objective:")] + "objective:\n  maximize: [accuracy]\n  minimize: [params]\n  src_len: 6\n  tgt_len: 6\n"
	spec, err := space.Parse(filepath.Join(b.TempDir(), "overhead.yaml"), []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	return spec
}

// overheadHistory is the export of overheadSpec's study with n finished trials: eight trials run
// through search (bbolt) give the records' shape, which n trials repeat with their own
// number, ordinal, learning rate and objective vector (drawn from a fixed seed).
func overheadHistory(b *testing.B, n int) []byte {
	b.Helper()
	db, err := bolt.Open(filepath.Join(b.TempDir(), "template.db"), bolt.Options{NoSnapshot: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	spec := overheadSpec(b, 8)
	arch := spec.Arch(12, 12)
	res, err := Run(context.Background(), spec, db, Options{Trainer: &fakeTrainer{}, Arch: &arch})
	if err != nil {
		b.Fatal(err)
	}
	var exp bytes.Buffer
	if err := db.Export(&exp, res.StudyID); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(&exp)
	sc.Buffer(nil, 1<<24)
	var head []byte
	var tmpl []store.ExportTrial
	for sc.Scan() {
		if head == nil {
			head = append([]byte(nil), sc.Bytes()...)
			continue
		}
		var t store.ExportTrial
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			b.Fatal(err)
		}
		tmpl = append(tmpl, t)
	}
	var hs store.ExportStudy
	if err := json.Unmarshal(head, &hs); err != nil {
		b.Fatal(err)
	}
	hs.Trials = n
	out := &bytes.Buffer{}
	enc := json.NewEncoder(out)
	if err := enc.Encode(hs); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < n; i++ {
		t := tmpl[i%len(tmpl)]
		t.Number, t.TrialID = i, i
		t.SystemAttrs = cloneAttrs(t.SystemAttrs)
		t.UserAttrs = cloneAttrs(t.UserAttrs)
		t.SystemAttrs[record.SysOrdinal] = fmt.Sprint(i)
		acc, params := rng.Float64(), 1000+9000*rng.Float64()
		t.UserAttrs[record.KeyObjectives] = record.FormatVector([]float64{acc, params})
		t.UserAttrs[record.KeyAccuracy] = fmt.Sprint(acc)
		lr := math.Exp(math.Log(1e-3) + rng.Float64()*math.Log(10))
		t.Params = cloneParams(t.Params)
		p := t.Params["lr"]
		p.Internal, p.External = store.Float(lr), lr
		t.Params["lr"] = p
		if err := enc.Encode(t); err != nil {
			b.Fatal(err)
		}
	}
	return out.Bytes()
}

func cloneAttrs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneParams(m map[string]store.ExportParam) map[string]store.ExportParam {
	out := make(map[string]store.ExportParam, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
