package search

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// TestSeedSchemes shows both seed derivations. The first (record.SeedSchemeFirst) is symmetric
// in the study seed and the stream number: study seed 3's trainer seeds are study seed 1's
// relative-sampler seeds. A study created now records record.SeedSchemeMixed and derives its
// seeds with observe.Seed, which has no such collision; a study stored before the scheme was
// recorded (its StudyInfo without seed_scheme) keeps the first derivation, in its first run and
// when resumed, so it draws the points and trainer seeds it always drew.
func TestSeedSchemes(t *testing.T) {
	for ord := 0; ord < 20; ord++ {
		if trialSeed(record.SeedSchemeFirst, 3, ord) != deriveSeed(record.SeedSchemeFirst, 1, 3, uint64(ord)) {
			t.Fatalf("ordinal %d: the first scheme changed (it must stay as stored studies used it)", ord)
		}
		if trialSeed(record.SeedSchemeMixed, 3, ord) == deriveSeed(record.SeedSchemeMixed, 1, 3, uint64(ord)) {
			t.Errorf("ordinal %d: study seed 3's trainer seed is study seed 1's relative-sampler seed", ord)
		}
	}
	points := map[int][]string{}
	for _, scheme := range []int{record.SeedSchemeFirst, record.SeedSchemeMixed} {
		t.Run(fmt.Sprintf("scheme %d", scheme), func(t *testing.T) {
			spec, err := space.Parse("seeds.yaml", []byte(fmt.Sprintf(tinySpace, 2, "random", "none", 100000)))
			if err != nil {
				t.Fatal(err)
			}
			mem, err := openMem(context.Background(), "mem://seeds", store.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			db := mem.(*memDB)
			if scheme == record.SeedSchemeFirst {
				// What a build from before the scheme was recorded stored: no seed_scheme, no figures.
				id, err := db.CreateNewStudy(spec.Study.Name)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.SetStudyDirection(id, goptuna.StudyDirectionMaximize); err != nil {
					t.Fatal(err)
				}
				old := InfoOf(spec)
				old.Figures, old.SeedScheme = "", record.SeedSchemeFirst
				js, err := old.Encode()
				if err != nil {
					t.Fatal(err)
				}
				if err := db.SetStudySystemAttr(id, record.SysStudyInfo, js); err != nil {
					t.Fatal(err)
				}
			}
			arch := spec.Arch(12, 12)
			for _, trials := range []int{2, 4} { // run, then resume with more trials
				spec.Study.Trials = trials
				if _, err := Run(context.Background(), spec, db, Options{Trainer: &fakeTrainer{}, Arch: &arch}); err != nil {
					t.Fatal(err)
				}
			}
			studyID, err := db.GetStudyIDFromName(spec.Study.Name)
			if err != nil {
				t.Fatal(err)
			}
			attrs, err := db.GetStudySystemAttrs(studyID)
			if err != nil {
				t.Fatal(err)
			}
			info, err := record.ParseStudyInfo(attrs[record.SysStudyInfo])
			if err != nil || info.SeedScheme != scheme {
				t.Fatalf("stored seed scheme %d (%v), want %d", info.SeedScheme, err, scheme)
			}
			trials, err := db.GetAllTrials(studyID)
			if err != nil || len(trials) != 4 {
				t.Fatalf("%d trials (%v), want 4", len(trials), err)
			}
			for i, ft := range trials {
				if want := strconv.FormatInt(trialSeed(scheme, spec.Study.Seed, i), 10); ft.SystemAttrs[record.SysSeed] != want {
					t.Errorf("trial %d: seed %s, want %s", i, ft.SystemAttrs[record.SysSeed], want)
				}
				points[scheme] = append(points[scheme], fmt.Sprint(ft.Params))
			}
		})
	}
	if reflect.DeepEqual(points[record.SeedSchemeFirst], points[record.SeedSchemeMixed]) {
		t.Errorf("both schemes drew the same points %v", points[record.SeedSchemeFirst])
	}
}

// TestOrdinalsEqualOrdinalOf checks the runner's ordinal counter against ordinalOf (every trial
// read) on a history of fresh trials, retries and trials another process created (never asked
// for), in the order a study creates them.
func TestOrdinalsEqualOrdinalOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind string // per trial: f fresh (asked), o fresh of another process (not asked), r retry of trial 0
	}{
		{"one worker", "ffffffff"},
		{"retries", "ffrfrrff"},
		{"other process", "foofrofoof"},
		{"starts late", "ooooff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem, err := openMem(context.Background(), "mem://ordinals", store.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			study, err := goptuna.CreateStudy("ordinals", goptuna.StudyOptionStorage(mem), goptuna.StudyOptionLogger(nil))
			if err != nil {
				t.Fatal(err)
			}
			var o ordinals
			for i, k := range tc.kind {
				id, err := mem.CreateNewTrial(study.ID)
				if err != nil {
					t.Fatal(err)
				}
				if k == 'r' {
					if err := mem.SetTrialSystemAttr(id, record.SysRetryOf, "0"); err != nil {
						t.Fatal(err)
					}
				}
				if k == 'o' {
					continue
				}
				ft, err := mem.GetTrial(id)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ordinalOf(study, ft)
				if err != nil {
					t.Fatal(err)
				}
				got, err := o.of(study, ft)
				if err != nil || got != want {
					t.Fatalf("trial %d (%c): ordinal %d, %v; want %d", i, k, got, err, want)
				}
			}
		})
	}
}
