package store

import (
	"fmt"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// digestChunk is how many trials RefreshDigest decodes before it adds them to the digest, when
// it builds one from the start.
const digestChunk = 2000

// RefreshDigest brings study studyID's digest (record.SysDigest) up to date with its trials as
// stored now: it reads the trials the digest does not cover yet (numbered from its Below, and
// its Open ones), adds those that finished and stores the result. frontKeys gives, from the
// study's system attributes, the figure keys and directions the report's front is over
// (objective.FrontKeys of the stored objective); ok false means the study has no front to
// digest, and nothing is written. A digest over other keys (or of another version) is rebuilt
// from the first trial, streamed (ScanTrials) and projected to what a digest counts. A finished
// trial never changes, so any digest a refresh stores stays true; concurrent refreshes may store
// older but true ones.
func RefreshDigest(db goptuna.Storage, studyID int, frontKeys func(sys map[string]string) (keys, dirs []string, ok bool)) error {
	sys, err := db.GetStudySystemAttrs(studyID)
	if err != nil {
		return fmt.Errorf("store: study %d digest: %w", studyID, err)
	}
	keys, dirs, ok := frontKeys(sys)
	if !ok {
		return nil
	}
	var d *record.Digest
	if js, ok := sys[record.SysDigest]; ok {
		old, ok, err := record.ParseDigest(js)
		if err == nil && ok && old.Over(keys, dirs) {
			d = old
		}
	}
	if d == nil {
		d = record.NewDigest(keys, dirs)
		if err := buildDigest(db, studyID, d); err != nil {
			return err
		}
	} else if err := advanceDigest(db, studyID, d); err != nil {
		return err
	}
	js, err := d.Encode()
	if err != nil {
		return err
	}
	if err := db.SetStudySystemAttr(studyID, record.SysDigest, js); err != nil {
		return fmt.Errorf("store: study %d digest: %w", studyID, err)
	}
	return nil
}

// advanceDigest adds to d the trials it does not cover, read whole (a few: those since the last refresh).
func advanceDigest(db goptuna.Storage, studyID int, d *record.Digest) error {
	fts, err := TrialsFrom(db, studyID, d.Below)
	if err != nil {
		return fmt.Errorf("store: study %d digest: %w", studyID, err)
	}
	for _, n := range d.Open {
		ft, err := TrialByNumber(db, studyID, n)
		if err != nil {
			return fmt.Errorf("store: study %d digest: %w", studyID, err)
		}
		fts = append(fts, ft)
	}
	below := d.Below
	tail := make([]record.Trial, 0, len(fts))
	for _, ft := range fts {
		t, err := record.Decode(ft)
		if err != nil {
			return err
		}
		tail = append(tail, t)
		below = max(below, ft.Number+1)
	}
	return d.Advance(below, tail)
}

// buildDigest adds every trial of the study to the empty digest d, streamed in chunks.
func buildDigest(db goptuna.Storage, studyID int, d *record.Digest) error {
	p := Projection{UserAttrs: append([]string{record.KeyFeasible, record.KeyFidelity}, d.Keys...), NoIntermediate: true}
	var chunk []record.Trial
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := d.Advance(chunk[len(chunk)-1].Number+1, chunk)
		chunk = chunk[:0]
		return err
	}
	err := ScanTrials(db, studyID, p, func(ft goptuna.FrozenTrial) error {
		t, err := record.Decode(ft)
		if err != nil {
			return err
		}
		if chunk = append(chunk, t); len(chunk) == digestChunk {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: study %d digest: %w", studyID, err)
	}
	return flush()
}
