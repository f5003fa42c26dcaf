package store

import (
	"errors"
	"fmt"
	"slices"

	"github.com/c-bata/goptuna"
)

// The read capabilities: what a reader of a large study (attnsearch show, best, studies, report)
// asks of a storage so that its cost follows the question, not the study. A storage without them
// still serves every reader through the helpers below (ScanTrials, TrialByNumber), which fall back
// on GetAllTrials; store/storetest checks each one a back end declares against that fallback.

// ErrNoTrial means the study has no trial of the given number.
var ErrNoTrial = errors.New("no such trial")

// Projection says which parts of each trial a scan returns; the zero value returns everything.
// What is left out is absent from the FrozenTrial (a missing map entry, an empty map), so a
// reader asks only for what it renders: a front needs a few figures, not every trial's log.
type Projection struct {
	// UserAttrs, when not nil, keeps only these user attributes.
	UserAttrs []string
	// OmitUserAttrs leaves these user attributes out (large texts: a per-epoch history, a log).
	OmitUserAttrs []string
	// NoParams leaves the parameters out (Params, InternalParams and Distributions empty).
	NoParams bool
	// NoIntermediate leaves the intermediate values out.
	NoIntermediate bool
}

// KeepUserAttr reports whether the projection keeps user attribute k.
func (p Projection) KeepUserAttr(k string) bool {
	if p.UserAttrs != nil && !slices.Contains(p.UserAttrs, k) {
		return false
	}
	return !slices.Contains(p.OmitUserAttrs, k)
}

// Apply removes from ft what the projection leaves out: ft gets new maps, the ones it had (which
// a storage may share with its own state) are not changed.
func (p Projection) Apply(ft *goptuna.FrozenTrial) {
	kept := make(map[string]string, len(ft.UserAttrs))
	for k, v := range ft.UserAttrs {
		if p.KeepUserAttr(k) {
			kept[k] = v
		}
	}
	ft.UserAttrs = kept
	if p.NoParams {
		ft.Params, ft.InternalParams, ft.Distributions = map[string]any{}, map[string]float64{}, map[string]any{}
	}
	if p.NoIntermediate {
		ft.IntermediateValues = map[int]float64{}
	}
}

// TrialScanner hands a study's trials to fn one at a time, in number order, each projected,
// without holding the study's trials in memory at once. An error from fn stops the scan and is
// returned as it is. The trials fn sees share no memory with the store or with each other.
type TrialScanner interface {
	ScanTrials(studyID int, p Projection, fn func(goptuna.FrozenTrial) error) error
}

// TrialFinder reads one trial by its study and number, reading no other trial; a number the
// study lacks is ErrNoTrial.
type TrialFinder interface {
	TrialByNumber(studyID, number int) (goptuna.FrozenTrial, error)
}

// TrialTailReader reads the trials of a study numbered number or above, whole, in number order,
// in one consistent read (no trial below number is decoded): a reader that keeps the trials it
// has seen finished (a finished trial never changes) re-reads only the rest. A study that does
// not exist is goptuna.ErrInvalidStudyID; a number beyond the last trial gives no trials.
type TrialTailReader interface {
	TrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error)
}

// TrialsFrom is db's TrialsFrom when it is a TrialTailReader, else the trials of GetAllTrials
// numbered number or above.
func TrialsFrom(db goptuna.Storage, studyID, number int) ([]goptuna.FrozenTrial, error) {
	if r, ok := db.(TrialTailReader); ok {
		return r.TrialsFrom(studyID, number)
	}
	fts, err := db.GetAllTrials(studyID)
	if err != nil {
		return nil, err
	}
	out := make([]goptuna.FrozenTrial, 0, len(fts))
	for _, ft := range fts {
		if ft.Number >= number {
			out = append(out, ft)
		}
	}
	return out, nil
}

// ScanTrials is db's ScanTrials when it is a TrialScanner, else GetAllTrials projected.
func ScanTrials(db goptuna.Storage, studyID int, p Projection, fn func(goptuna.FrozenTrial) error) error {
	if s, ok := db.(TrialScanner); ok {
		return s.ScanTrials(studyID, p, fn)
	}
	fts, err := db.GetAllTrials(studyID)
	if err != nil {
		return err
	}
	for i := range fts {
		p.Apply(&fts[i])
		if err := fn(fts[i]); err != nil {
			return err
		}
	}
	return nil
}

// TrialByNumber is db's TrialByNumber when it is a TrialFinder, else a search of GetAllTrials.
func TrialByNumber(db goptuna.Storage, studyID, number int) (goptuna.FrozenTrial, error) {
	if f, ok := db.(TrialFinder); ok {
		return f.TrialByNumber(studyID, number)
	}
	fts, err := db.GetAllTrials(studyID)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	for _, ft := range fts {
		if ft.Number == number {
			return ft, nil
		}
	}
	return goptuna.FrozenTrial{}, fmt.Errorf("store: study %d trial %d: %w", studyID, number, ErrNoTrial)
}

// StudyLister lists the names of a storage's studies without reading their trials (where
// GetAllStudySummaries finds each study's best trial and first start).
type StudyLister interface {
	StudyNames() ([]string, error)
}

// StudyNames is db's StudyNames when it is a StudyLister, else the names of
// GetAllStudySummaries; sorted either way.
func StudyNames(db goptuna.Storage) ([]string, error) {
	var names []string
	if l, ok := db.(StudyLister); ok {
		var err error
		if names, err = l.StudyNames(); err != nil {
			return nil, err
		}
	} else {
		sums, err := db.GetAllStudySummaries()
		if err != nil {
			return nil, err
		}
		for _, s := range sums {
			names = append(names, s.Name)
		}
	}
	slices.Sort(names)
	return names, nil
}
