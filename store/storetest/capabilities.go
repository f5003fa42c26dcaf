package storetest

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

// sharedCapability checks store.Shared against what the storage does: a storage that lets a
// second writer open it while the first is open (several processes, several machines) must
// declare Shared() true on both handles, and a trial whose worker keeps its heartbeat fresh
// through one handle survives the other handle's recovery with a grace period. A storage that
// refuses a second writer must not declare itself shared (search would then wait a grace period
// for trials that are certainly dead).
func sharedCapability(t *testing.T, b Backend) {
	if b.Again == nil {
		t.Fatal("Backend.Again is nil: the suite cannot tell whether the storage admits several writers")
	}
	s := b.Open(t, store.Hooks{})
	study, err := s.CreateNewStudy("shared")
	must(t, err)
	live, err := s.CreateNewTrial(study)
	must(t, err)
	other, err := b.Again(t, s)
	if err != nil {
		if store.IsShared(s) {
			t.Fatalf("the storage refuses a second writer (%v) but declares itself Shared", err)
		}
		return
	}
	if !store.IsShared(s) || !store.IsShared(other) {
		t.Fatalf("a second writer opened the storage while the first holds it, yet Shared is %v/%v: "+
			"search would recover the first writer's live trials with grace 0", store.IsShared(s), store.IsShared(other))
	}
	id, err := other.GetStudyIDFromName("shared")
	must(t, err)
	must(t, s.Heartbeat(live))
	failed, err := other.RecoverStale(id, time.Minute)
	must(t, err)
	if len(failed) != 0 {
		t.Fatalf("recovery with a grace period failed a live worker's trial: %+v", failed)
	}
	running, err := other.RunningTrials(id)
	must(t, err)
	if len(running) != 1 || running[0].ID != live {
		t.Fatalf("the second writer sees running trials %+v, want trial %d", running, live)
	}
	if ft, err := s.GetTrial(live); err != nil || ft.State != goptuna.TrialStateRunning {
		t.Fatalf("live trial: %v, %v", ft.State, err)
	}
}

// exportCapability checks store.Exporter and store.Importer when the storage declares them: the
// export parses with store.ParseExport and holds every trial; an import into a fresh storage of
// the same kind gives back the same trials (numbers, states, values, parameters, attributes,
// intermediate values); importing under a name in use is store.ErrStudyExists.
func exportCapability(t *testing.T, b Backend) {
	s := b.Open(t, store.Hooks{})
	exp, ok := s.(store.Exporter)
	if !ok {
		if _, imp := s.(store.Importer); imp {
			t.Fatal("the storage imports studies but cannot export them")
		}
		t.Skip("the storage declares no export")
	}
	study, err := s.CreateNewStudy("exported")
	must(t, err)
	must(t, s.SetStudySystemAttr(study, "k", "v"))
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	for i, state := range []goptuna.TrialState{goptuna.TrialStateComplete, goptuna.TrialStatePruned, goptuna.TrialStateFail, goptuna.TrialStateRunning} {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialParam(id, "x", float64(i)/8, dist))
		must(t, s.SetTrialIntermediateValue(id, 1, float64(i)))
		must(t, s.SetTrialUserAttr(id, "u", strconv.Itoa(i)))
		must(t, s.SetTrialSystemAttr(id, record.SysSeed, strconv.Itoa(10+i)))
		if state != goptuna.TrialStateRunning {
			if state != goptuna.TrialStateFail {
				must(t, s.SetTrialValue(id, float64(i)/3))
			}
			must(t, s.SetTrialState(id, state))
		}
	}
	var buf bytes.Buffer
	must(t, exp.Export(&buf, study))
	head, trials, err := store.ParseExport(bytes.NewReader(buf.Bytes()))
	must(t, err)
	if head.Name != "exported" || len(trials) != 4 {
		t.Fatalf("export of study %q with %d trials, want \"exported\" with 4", head.Name, len(trials))
	}
	imp, ok := s.(store.Importer)
	if !ok {
		return
	}
	if _, err := imp.Import(bytes.NewReader(buf.Bytes()), ""); !errors.Is(err, store.ErrStudyExists) {
		t.Fatalf("import under a name in use: %v, want store.ErrStudyExists", err)
	}
	dst := b.Open(t, store.Hooks{}).(store.Importer)
	id, err := dst.Import(bytes.NewReader(buf.Bytes()), "copy")
	must(t, err)
	want, err := s.GetAllTrials(study)
	must(t, err)
	got, err := dst.(store.DB).GetAllTrials(id)
	must(t, err)
	if !reflect.DeepEqual(normTrials(got), normTrials(want)) {
		t.Fatalf("imported trials differ:\n got  %+v\n want %+v", normTrials(got), normTrials(want))
	}
}
