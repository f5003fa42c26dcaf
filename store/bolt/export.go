package bolt

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/attnsearch/attnsearch/store"
	bbolt "go.etcd.io/bbolt"
)

// timePtr returns nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// timeVal returns the zero time for nil.
func timeVal(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// Export writes the study as JSON Lines: an store.ExportStudy line, then one store.ExportTrial line per trial in number order.
func (s *Store) Export(w io.Writer, studyID int) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	err := s.view(func(tx *bbolt.Tx) error {
		sb, info, err := studyBucketInfo(tx, studyID)
		if err != nil {
			return err
		}
		head := store.ExportStudy{
			Kind: "study", Format: store.FormatName, Schema: SchemaVersion,
			Name: info.Name, Direction: info.Direction, Created: info.Created,
			UserAttrs: readAttrs(sb.Bucket(bUserAttrs)), SystemAttrs: readAttrs(sb.Bucket(bSystemAttrs)),
			Trials: int(sb.Bucket(bTrials).Sequence()),
		}
		if err := enc.Encode(head); err != nil {
			return err
		}
		return forEachTrial(tx, studyID, func(r *trialRec) error {
			et := store.ExportTrial{
				Kind: "trial", Number: r.number, TrialID: r.id, State: r.state.String(), Value: store.Float(r.value),
				DatetimeStart: timePtr(r.start), DatetimeComplete: timePtr(r.complete), Heartbeat: timePtr(r.heartbeat),
				IntermediateValues: make([][2]store.Float, len(r.steps)),
				UserAttrs:          r.userAttrs, SystemAttrs: r.systemAttrs,
			}
			for i, st := range r.steps {
				et.IntermediateValues[i] = [2]store.Float{store.Float(st.step), store.Float(st.value)}
			}
			var err error
			if et.Params, err = s.dists.ExportParams(r.id, r.params); err != nil {
				return err
			}
			return enc.Encode(et)
		})
	})
	if err != nil {
		return fmt.Errorf("store: export study %d: %w", studyID, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("store: export study %d: %w", studyID, err)
	}
	return nil
}

// Import reads a study written by Export into a new study named name (the exported name when empty) in one transaction, keeping trial numbers, states, values, times and attributes; it returns the new study's ID.
func (s *Store) Import(r io.Reader, name string) (int, error) {
	head, trials, err := store.ParseExport(r)
	if err != nil {
		return -1, fmt.Errorf("store: import: %w", err)
	}
	recs := make([]*trialRec, len(trials))
	for i, t := range trials {
		rec := &trialRec{state: t.State, value: t.Value, start: t.Start, complete: t.Complete, heartbeat: t.Heartbeat,
			userAttrs: t.UserAttrs, systemAttrs: t.SystemAttrs}
		for st, v := range t.Steps {
			if err := rec.addStep(step{step: st, value: v}); err != nil {
				return -1, fmt.Errorf("store: import: trial %d: %w", i, err)
			}
		}
		for _, p := range t.Params {
			rec.setParam(store.Param{Name: p.Name, Internal: p.Internal, Dist: p.Distribution})
		}
		recs[i] = rec
	}
	if name == "" {
		name = head.Name
	}
	var studyID int
	created := head.Created
	if created.IsZero() {
		created = s.now()
	}
	err = s.update(func(tx *bbolt.Tx) error {
		id, sb, err := createStudyTx(tx, studyInfo{Name: name, Direction: head.Direction, Created: created})
		if err != nil {
			return err
		}
		studyID = id
		for k, v := range head.UserAttrs {
			if err := sb.Bucket(bUserAttrs).Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		for k, v := range head.SystemAttrs {
			if err := sb.Bucket(bSystemAttrs).Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		for _, rec := range recs {
			if err := s.newTrial(tx, studyID, rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return -1, fmt.Errorf("store: import: %w", err)
	}
	return studyID, nil
}
