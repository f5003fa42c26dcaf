package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// TestSeams adds a sampler, a storage and a trainer the way new ones are added (one declaration
// and one registration line each: reg.Register, schemes.Register, Options.Trainer) and runs a
// smoke study through them, with neither search nor space changed.
func TestSeams(t *testing.T) {
	reg := sampler.Builtin()
	reg.Register(lowestKind) // the sampler's registration line
	schemes := store.NewSchemes()
	schemes.Register("mem", openMem) // the storage's registration line
	tr := &fakeTrainer{}

	src := []byte(fmt.Sprintf(tinySpace, 4, "lowest, spread: 2", "none", 100000))
	spec, err := space.ParseWith("seams.yaml", src, space.With{Samplers: reg, Pruners: BuiltinPruners()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := space.ParseWith("seams.yaml", src, Registries()); err == nil {
		t.Fatal("the built-in registry accepts sampler kind lowest")
	}
	db, err := schemes.Open(context.Background(), "mem://seams", store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	arch := spec.Arch(12, 12)
	var starts []int
	res, err := Run(context.Background(), spec, db, Options{
		Trainer: tr, Samplers: reg, Arch: &arch, // the trainer's registration line
		OnEvent: func(e Event) {
			if e.Kind == EventTrialStart {
				starts = append(starts, e.Trial)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 4 || res.Ran != 4 {
		t.Fatalf("done %d, ran %d; want 4 and 4", res.Done, res.Ran)
	}
	trials, err := db.GetAllTrials(res.StudyID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.jobs) != 4 || len(starts) != 4 {
		t.Fatalf("trainer ran %d jobs, %d start events; want 4 (one per trial)", len(tr.jobs), len(starts))
	}
	for i, ft := range trials {
		job := tr.jobs[i]
		if ft.State != goptuna.TrialStateComplete {
			t.Fatalf("trial %d: %v (%s)", ft.Number, ft.State, ft.UserAttrs[record.KeyError])
		}
		// The fake sampler takes each categorical choice by the point's seed and the low end of ranges.
		if job.Point["lr"] != 1e-3 || job.Config.LR != 1e-3 || job.Point["d_model"] != strconv.Itoa(job.Config.DModel) {
			t.Errorf("trial %d: point %v, config %+v", ft.Number, job.Point, job.Config)
		}
		if job.Seed != TrialSeed(spec.Study.Seed, i) || job.Arch != arch {
			t.Errorf("trial %d: seed %d, arch %+v", ft.Number, job.Seed, job.Arch)
		}
		acc, _ := strconv.ParseFloat(ft.UserAttrs[record.KeyAccuracy], 64)
		if acc != fakeAccuracy(job.Config) || ft.UserAttrs[record.KeySteps] != "30" {
			t.Errorf("trial %d: stored accuracy %v steps %q, trainer said %v and 30", ft.Number, acc, ft.UserAttrs[record.KeySteps], fakeAccuracy(job.Config))
		}
		var hist []record.Epoch
		if err := json.Unmarshal([]byte(ft.UserAttrs[record.KeyHistory]), &hist); err != nil || len(hist) != 3 ||
			hist[2].Values["grad_norm"] != 0.5 || hist[2].ValidAccuracy != acc {
			t.Errorf("trial %d: history %s (%v)", ft.Number, ft.UserAttrs[record.KeyHistory], err)
		}
	}
	rep, err := reports.Load(db, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Front) == 0 || rep.Info.Sampler != "lowest" {
		t.Errorf("report: front %v, sampler %q", rep.Front, rep.Info.Sampler)
	}
}

// TestSeamsKindAndPruner adds a task kind and a pruner the way new ones are added (one file
// declaring each: seams_kind_test.go, seams_pruner_test.go; one registration line each) and runs
// a smoke study through them, with neither search nor space changed: the kind takes the study,
// builds its trainer, and the pruner stops every trial at the step its option gives.
func TestSeamsKindAndPruner(t *testing.T) {
	kinds := BuiltinKinds()
	kinds.Register(replayKind) // the task kind's registration line
	pruners := BuiltinPruners()
	pruners.Register(stopAtKind) // the pruner's registration line

	src := strings.Replace(fmt.Sprintf(tinySpace, 3, "random", "{kind: stop_at, step: 2}", 100000), "name: tiny", "name: replay-tiny", 1)
	spec, err := space.ParseWith("seams.yaml", []byte(src), space.With{Samplers: sampler.Builtin(), Pruners: pruners})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := space.ParseWith("seams.yaml", []byte(src), Registries()); err == nil {
		t.Fatal("the built-in registry accepts pruner kind stop_at")
	}
	if k, err := kinds.For(spec); err != nil || k.Name != "replay" {
		t.Fatalf("kind %q (%v), want replay", k.Name, err)
	}
	db, err := openMem(context.Background(), "mem://seams", store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(context.Background(), spec, Options{Kinds: kinds, Pruners: pruners})
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := p.trainer.(*fakeTrainer)
	if !ok || p.Arch() != spec.Arch(12, 12) {
		t.Fatalf("the kind's Prepare did not set its trainer and architecture: %T, %+v", p.trainer, p.Arch())
	}
	res, err := p.Run(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := db.GetAllTrials(res.StudyID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 3 || len(trials) != 3 || len(tr.jobs) != 3 {
		t.Fatalf("done %d, %d trials, %d jobs; want 3 each", res.Done, len(trials), len(tr.jobs))
	}
	for _, ft := range trials {
		if ft.State != goptuna.TrialStatePruned || ft.UserAttrs[record.KeyPrunedEpoch] != "2" {
			t.Errorf("trial %d: %v, pruned at %q; want PRUNED at 2 (%s)", ft.Number, ft.State, ft.UserAttrs[record.KeyPrunedEpoch], ft.UserAttrs[record.KeyError])
		}
	}
	rep, err := reports.Load(db, "replay-tiny")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Info.Pruner != "stop_at" || rep.Info.Shown() != record.FiguresTrained {
		t.Errorf("report: pruner %q, figures %q", rep.Info.Pruner, rep.Info.Shown())
	}
}

// lowestKind is a fake sampler: the low end of every range, categorical choices by the point's seed.
var lowestKind = sampler.Kind{
	Name:    "lowest",
	Options: []sampler.Option{{Name: "spread", Int: true, Min: 1, Max: 10}}, // choices the seed picks among
	New: func(_ int64, opts map[string]float64) (sampler.Algorithm, error) {
		return lowest{spread: int64(opts["spread"])}, nil
	},
}

// lowest is lowestKind's algorithm.
type lowest struct{ spread int64 }

// Sample returns the smallest internal value of dist, or a seed-picked categorical index.
func (l lowest) Sample(_ *goptuna.Study, _ goptuna.FrozenTrial, _ string, dist interface{}, seed int64) (float64, error) {
	switch d := dist.(type) {
	case goptuna.UniformDistribution:
		return d.Low, nil
	case goptuna.LogUniformDistribution:
		return d.Low, nil
	case goptuna.IntUniformDistribution:
		return float64(d.Low), nil
	case goptuna.StepIntUniformDistribution:
		return float64(d.Low), nil
	case goptuna.DiscreteUniformDistribution:
		return d.Low, nil
	case goptuna.CategoricalDistribution:
		return float64(seed % min(l.spread, int64(len(d.Choices)))), nil
	}
	return 0, errors.New("lowest: unknown distribution")
}

// SampleRelative samples nothing jointly.
func (lowest) SampleRelative(*goptuna.Study, goptuna.FrozenTrial, map[string]interface{}, int, int64) (map[string]float64, error) {
	return nil, nil
}

var _ sampler.Algorithm = lowest{}

// fakeTrainer reports three epochs and returns figures computed from the point.
type fakeTrainer struct{ jobs []Job }

var _ Trainer = (*fakeTrainer)(nil)

// fakeAccuracy is the fake trainer's final accuracy of a point.
func fakeAccuracy(c space.Config) float64 { return float64(c.DModel) / 32 }

// Train records the job, reports per epoch and returns the final figures.
func (f *fakeTrainer) Train(ctx context.Context, job Job) (Metrics, error) {
	f.jobs = append(f.jobs, job)
	acc := fakeAccuracy(job.Config)
	for e := 1; e <= 3; e++ {
		if err := job.Report(ctx, e, map[string]float64{record.KeyAccuracy: acc * float64(e) / 3, "grad_norm": 0.5}); err != nil {
			return Metrics{}, err
		}
	}
	return Metrics{Values: map[string]float64{record.KeyAccuracy: acc, record.KeyLatency: 0.1,
		record.KeyL2Norm: 1, record.KeySteps: 30}}, nil
}

// memDB is a fake storage: goptuna's InMemoryStorage with the retry mechanism under one mutex.
type memDB struct {
	*goptuna.InMemoryStorage
	mu    sync.Mutex
	beats map[int]time.Time
	// goptuna's in-memory storage hands out the very maps its writes change; a store is read
	// while its trials are written (by another worker, the digest's refresh), so the writes of
	// a trial's maps hold this and the reads copy under it.
	trialMaps sync.RWMutex
}

// GetAllTrials returns copies of the study's trials.
func (m *memDB) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	m.trialMaps.RLock()
	defer m.trialMaps.RUnlock()
	fts, err := m.InMemoryStorage.GetAllTrials(studyID)
	for i := range fts {
		fts[i] = store.CloneTrial(fts[i])
	}
	return fts, err
}

// GetTrial returns a copy of the trial.
func (m *memDB) GetTrial(trialID int) (goptuna.FrozenTrial, error) {
	m.trialMaps.RLock()
	defer m.trialMaps.RUnlock()
	ft, err := m.InMemoryStorage.GetTrial(trialID)
	return store.CloneTrial(ft), err
}

// SetTrialParam stores a parameter of the trial.
func (m *memDB) SetTrialParam(trialID int, name string, internal float64, dist interface{}) error {
	m.trialMaps.Lock()
	defer m.trialMaps.Unlock()
	return m.InMemoryStorage.SetTrialParam(trialID, name, internal, dist)
}

// SetTrialIntermediateValue stores an intermediate value of the trial.
func (m *memDB) SetTrialIntermediateValue(trialID int, step int, value float64) error {
	m.trialMaps.Lock()
	defer m.trialMaps.Unlock()
	return m.InMemoryStorage.SetTrialIntermediateValue(trialID, step, value)
}

// SetTrialUserAttr stores a user attribute of the trial.
func (m *memDB) SetTrialUserAttr(trialID int, key, value string) error {
	m.trialMaps.Lock()
	defer m.trialMaps.Unlock()
	return m.InMemoryStorage.SetTrialUserAttr(trialID, key, value)
}

// SetTrialSystemAttr stores a system attribute of the trial.
func (m *memDB) SetTrialSystemAttr(trialID int, key, value string) error {
	m.trialMaps.Lock()
	defer m.trialMaps.Unlock()
	return m.InMemoryStorage.SetTrialSystemAttr(trialID, key, value)
}

var _ store.DB = (*memDB)(nil)

// openMem is memDB's store.Opener.
func openMem(_ context.Context, url string, _ store.OpenOptions) (store.DB, error) {
	if !strings.HasPrefix(url, "mem://") {
		return nil, errors.New("mem: not a mem:// URL")
	}
	return &memDB{InMemoryStorage: goptuna.NewInMemoryStorage(), beats: map[int]time.Time{}}, nil
}

// Heartbeat records that trialID's worker is alive.
func (m *memDB) Heartbeat(trialID int) error {
	ft, err := m.GetTrial(trialID)
	if err != nil {
		return err
	}
	if ft.State != goptuna.TrialStateRunning {
		return goptuna.ErrTrialCannotBeUpdated
	}
	m.mu.Lock()
	m.beats[trialID] = time.Now()
	m.mu.Unlock()
	return nil
}

// beat is the last heartbeat of ft (its start when none).
func (m *memDB) beat(ft goptuna.FrozenTrial) time.Time {
	if b, ok := m.beats[ft.ID]; ok {
		return b
	}
	return ft.DatetimeStart
}

// RecoverStale fails RUNNING trials whose heartbeat is older than grace.
func (m *memDB) RecoverStale(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all, err := m.GetAllTrials(studyID)
	if err != nil {
		return nil, err
	}
	var out []goptuna.FrozenTrial
	for _, ft := range all {
		if ft.State != goptuna.TrialStateRunning || (grace > 0 && time.Since(m.beat(ft)) <= grace) {
			continue
		}
		if err := m.SetTrialSystemAttr(ft.ID, record.SysFailReason, record.ReasonStale); err != nil {
			return nil, err
		}
		if err := m.SetTrialState(ft.ID, goptuna.TrialStateFail); err != nil {
			return nil, err
		}
		ft, _ = m.GetTrial(ft.ID)
		out = append(out, ft)
	}
	return out, nil
}

// Requeue enqueues a retry of every retriable FAIL trial without one.
func (m *memDB) Requeue(studyID int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all, err := m.GetAllTrials(studyID)
	if err != nil {
		return 0, err
	}
	retried := map[int]bool{}
	for _, ft := range all {
		if of, ok, _ := record.RetryOf(ft); ok {
			retried[of] = true
		}
	}
	n := 0
	for _, ft := range all {
		if !record.Retried(ft) || retried[ft.Number] {
			continue
		}
		fixed, _ := json.Marshal(ft.InternalParams)
		sys := map[string]string{record.SysFixedParams: string(fixed), record.SysRetryOf: strconv.Itoa(ft.Number)}
		if _, err := m.CloneTrial(studyID, goptuna.FrozenTrial{State: goptuna.TrialStateWaiting, DatetimeStart: time.Now(),
			IntermediateValues: map[int]float64{}, InternalParams: map[string]float64{}, Params: map[string]interface{}{},
			Distributions: map[string]interface{}{}, UserAttrs: map[string]string{}, SystemAttrs: sys}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// PopWaitingTrial claims the first WAITING trial.
func (m *memDB) PopWaitingTrial(studyID int) (int, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all, err := m.GetAllTrials(studyID)
	if err != nil {
		return -1, false, err
	}
	for _, ft := range all {
		if ft.State == goptuna.TrialStateWaiting {
			m.beats[ft.ID] = time.Now()
			return ft.ID, true, m.SetTrialState(ft.ID, goptuna.TrialStateRunning)
		}
	}
	return -1, false, nil
}

// RunningTrials lists RUNNING trials with their last heartbeat.
func (m *memDB) RunningTrials(studyID int) ([]store.RunningTrial, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all, err := m.GetAllTrials(studyID)
	var out []store.RunningTrial
	for _, ft := range all {
		if ft.State == goptuna.TrialStateRunning {
			out = append(out, store.RunningTrial{FrozenTrial: ft, Heartbeat: m.beat(ft)})
		}
	}
	return out, err
}

// RecoveredTrials lists the trials failed as stale.
func (m *memDB) RecoveredTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	all, err := m.GetAllTrials(studyID)
	var out []goptuna.FrozenTrial
	for _, ft := range all {
		if ft.SystemAttrs[record.SysFailReason] == record.ReasonStale {
			out = append(out, ft)
		}
	}
	return out, err
}

// Location names the fake storage.
func (m *memDB) Location() string { return "mem://" }

// SnapshotTime says no snapshot is read.
func (m *memDB) SnapshotTime() (time.Time, bool) { return time.Time{}, false }

// Close does nothing.
func (m *memDB) Close() error { return nil }
