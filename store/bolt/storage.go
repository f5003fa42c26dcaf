package bolt

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
	bbolt "go.etcd.io/bbolt"
)

// studyInfo is the stored form of a study's own fields.
type studyInfo struct {
	Name      string                 `json:"name"`
	Direction goptuna.StudyDirection `json:"direction"`
	Created   time.Time              `json:"created"`
}

// studyBucket returns the nested bucket of studyID.
func studyBucket(tx *bbolt.Tx, studyID int) (*bbolt.Bucket, error) {
	b := tx.Bucket(bStudies).Bucket(itob(studyID))
	if b == nil {
		return nil, fmt.Errorf("store: study %d: %w", studyID, goptuna.ErrInvalidStudyID)
	}
	return b, nil
}

// studyBucketInfo returns the bucket of a study and its info record.
func studyBucketInfo(tx *bbolt.Tx, studyID int) (*bbolt.Bucket, studyInfo, error) {
	sb, err := studyBucket(tx, studyID)
	if err != nil {
		return nil, studyInfo{}, err
	}
	info, err := readInfo(sb, studyID)
	return sb, info, err
}

// readInfo decodes the info record of a study bucket.
func readInfo(sb *bbolt.Bucket, studyID int) (studyInfo, error) {
	var info studyInfo
	if err := json.Unmarshal(sb.Get(kInfo), &info); err != nil {
		return info, fmt.Errorf("store: study %d info: %w", studyID, err)
	}
	return info, nil
}

// writeInfo stores the info record of a study bucket.
func writeInfo(sb *bbolt.Bucket, info studyInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return sb.Put(kInfo, b)
}

// trialLoc finds the study and number of trialID.
func trialLoc(tx *bbolt.Tx, trialID int) (studyID, number int, err error) {
	v := tx.Bucket(bTrialIndex).Get(itob(trialID))
	if len(v) != 16 {
		return 0, 0, fmt.Errorf("store: trial %d: %w", trialID, goptuna.ErrInvalidTrialID)
	}
	return btoi(v[:8]), btoi(v[8:]), nil
}

// getTrial loads trialID's record and the bucket it lives in.
func getTrial(tx *bbolt.Tx, trialID int) (*trialRec, *bbolt.Bucket, error) {
	studyID, number, err := trialLoc(tx, trialID)
	if err != nil {
		return nil, nil, err
	}
	sb, err := studyBucket(tx, studyID)
	if err != nil {
		return nil, nil, err
	}
	tb := sb.Bucket(bTrials)
	r, err := decodeTrial(tb.Get(itob(number)))
	if err != nil {
		return nil, nil, fmt.Errorf("store: trial %d: %w", trialID, err)
	}
	return r, tb, nil
}

// putTrial writes a record to its study's trial bucket (and notes it for the change feed).
func (s *Store) putTrial(tb *bbolt.Bucket, r *trialRec) error {
	b := encodeTrial(r)
	if s.feed != nil {
		s.feed.note(tb.Tx(), r.studyID, r.number, r.id, b)
	}
	return tb.Put(itob(r.number), b)
}

// newTrial allocates an ID and number for a trial of studyID and stores r under them.
func (s *Store) newTrial(tx *bbolt.Tx, studyID int, r *trialRec) error {
	sb, err := studyBucket(tx, studyID)
	if err != nil {
		return err
	}
	tb := sb.Bucket(bTrials)
	idx := tx.Bucket(bTrialIndex)
	id, err := idx.NextSequence()
	if err != nil {
		return err
	}
	number, err := tb.NextSequence()
	if err != nil {
		return err
	}
	r.id, r.studyID, r.number = int(id), studyID, int(number)-1
	if err := idx.Put(itob(r.id), append(itob(studyID), itob(r.number)...)); err != nil {
		return err
	}
	return s.putTrial(tb, r)
}

// modifyTrial loads trialID, refuses finished trials, applies fn and writes the result, in one transaction.
func (s *Store) modifyTrial(trialID int, fn func(r *trialRec) error) error {
	return s.updateTrials(func(tx *bbolt.Tx) error {
		r, tb, err := getTrial(tx, trialID)
		if err != nil {
			return err
		}
		if r.state.IsFinished() {
			return goptuna.ErrTrialCannotBeUpdated
		}
		if err := fn(r); err != nil {
			return err
		}
		return s.putTrial(tb, r)
	})
}

// CreateNewStudy creates a study (a generated "no-name-" name when name is empty) and returns its ID.
func (s *Store) CreateNewStudy(name string) (int, error) {
	if name == "" {
		var err error
		if name, err = store.GeneratedStudyName(); err != nil {
			return -1, fmt.Errorf("store: create study: %w", err)
		}
	}
	var id int
	err := s.update(func(tx *bbolt.Tx) error {
		var err error
		id, _, err = createStudyTx(tx, studyInfo{Name: name, Direction: goptuna.StudyDirectionMinimize, Created: s.now()})
		if errors.Is(err, store.ErrStudyExists) {
			return fmt.Errorf("store: create study: %w", err)
		}
		return err
	})
	if err != nil {
		return -1, err
	}
	return id, nil
}

// createStudyTx creates the buckets and the name index entry of a new study described by info
// inside tx, and returns its id and bucket; a taken name wraps store.ErrStudyExists.
func createStudyTx(tx *bbolt.Tx, info studyInfo) (int, *bbolt.Bucket, error) {
	names := tx.Bucket(bStudyNames)
	if names.Get([]byte(info.Name)) != nil {
		return 0, nil, fmt.Errorf("study %q: %w", info.Name, store.ErrStudyExists)
	}
	studies := tx.Bucket(bStudies)
	seq, err := studies.NextSequence()
	if err != nil {
		return 0, nil, err
	}
	id := int(seq)
	sb, err := studies.CreateBucket(itob(id))
	if err != nil {
		return 0, nil, err
	}
	for _, b := range [][]byte{bTrials, bUserAttrs, bSystemAttrs} {
		if _, err := sb.CreateBucket(b); err != nil {
			return 0, nil, err
		}
	}
	if err := writeInfo(sb, info); err != nil {
		return 0, nil, err
	}
	if err := names.Put([]byte(info.Name), itob(id)); err != nil {
		return 0, nil, err
	}
	return id, sb, nil
}

// DeleteStudy deletes a study, all its trials and its blobs.
func (s *Store) DeleteStudy(studyID int) error {
	err := s.update(func(tx *bbolt.Tx) error {
		sb, info, err := studyBucketInfo(tx, studyID)
		if err != nil {
			return err
		}
		idx := tx.Bucket(bTrialIndex)
		var ids [][]byte
		err = sb.Bucket(bTrials).ForEach(func(_, v []byte) error {
			r, err := decodeTrial(v)
			if err != nil {
				return err
			}
			ids = append(ids, itob(r.id))
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: delete study %d: %w", studyID, err)
		}
		for _, id := range ids {
			if err := idx.Delete(id); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bStudyNames).Delete([]byte(info.Name)); err != nil {
			return err
		}
		return tx.Bucket(bStudies).DeleteBucket(itob(studyID))
	})
	if err != nil {
		return err
	}
	return s.removeBlobs(studyID)
}

// SetStudyDirection sets the direction of the study's objective.
func (s *Store) SetStudyDirection(studyID int, direction goptuna.StudyDirection) error {
	if direction != goptuna.StudyDirectionMinimize && direction != goptuna.StudyDirectionMaximize {
		return fmt.Errorf("store: study %d: unknown direction %q", studyID, direction)
	}
	return s.update(func(tx *bbolt.Tx) error {
		sb, info, err := studyBucketInfo(tx, studyID)
		if err != nil {
			return err
		}
		info.Direction = direction
		return writeInfo(sb, info)
	})
}

// setStudyAttr stores one study attribute in the named sub-bucket.
func (s *Store) setStudyAttr(studyID int, bucket []byte, key, value string) error {
	return s.update(func(tx *bbolt.Tx) error {
		sb, err := studyBucket(tx, studyID)
		if err != nil {
			return err
		}
		return sb.Bucket(bucket).Put([]byte(key), []byte(value))
	})
}

// SetStudyUserAttr stores a user attribute of the study.
func (s *Store) SetStudyUserAttr(studyID int, key string, value string) error {
	return s.setStudyAttr(studyID, bUserAttrs, key, value)
}

// SetStudySystemAttr stores a system attribute of the study. The study's digest
// (record.SysDigest), refreshed about once a second while trials end, is not a barrier of the
// change feed: a snapshot's older digest stays true (it counts finished trials only), and its
// readers add the trials the feed brings.
func (s *Store) SetStudySystemAttr(studyID int, key string, value string) error {
	if key == record.SysDigest {
		return s.updateTrials(func(tx *bbolt.Tx) error {
			sb, err := studyBucket(tx, studyID)
			if err != nil {
				return err
			}
			return sb.Bucket(bSystemAttrs).Put([]byte(key), []byte(value))
		})
	}
	return s.setStudyAttr(studyID, bSystemAttrs, key, value)
}

// GetStudyIDFromName returns the ID of the named study (store.ErrStudyNotFound if none).
func (s *Store) GetStudyIDFromName(name string) (int, error) {
	id := -1
	err := s.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bStudyNames).Get([]byte(name))
		if v == nil {
			return fmt.Errorf("store: study %q: %w", name, store.ErrStudyNotFound)
		}
		id = btoi(v)
		return nil
	})
	return id, err
}

// GetStudyIDFromTrialID returns the ID of the study the trial belongs to.
func (s *Store) GetStudyIDFromTrialID(trialID int) (int, error) {
	if r, ok, err := s.overlaid(trialID); ok {
		return r.studyID, err
	}
	id := -1
	err := s.view(func(tx *bbolt.Tx) error {
		studyID, _, err := trialLoc(tx, trialID)
		id = studyID
		return err
	})
	if err != nil {
		return -1, err
	}
	return id, nil
}

// studyInfoOf reads a study's info in its own transaction.
func (s *Store) studyInfoOf(studyID int) (studyInfo, error) {
	var info studyInfo
	err := s.view(func(tx *bbolt.Tx) (err error) {
		_, info, err = studyBucketInfo(tx, studyID)
		return err
	})
	return info, err
}

// GetStudyNameFromID returns the study's name.
func (s *Store) GetStudyNameFromID(studyID int) (string, error) {
	info, err := s.studyInfoOf(studyID)
	if err != nil {
		return "", err
	}
	return info.Name, nil
}

// GetStudyDirection returns the direction of the study's objective.
func (s *Store) GetStudyDirection(studyID int) (goptuna.StudyDirection, error) {
	info, err := s.studyInfoOf(studyID)
	if err != nil {
		return goptuna.StudyDirectionMinimize, err
	}
	return info.Direction, nil
}

// readAttrs copies a study attribute bucket into a map.
func readAttrs(b *bbolt.Bucket) map[string]string {
	m := make(map[string]string)
	_ = b.ForEach(func(k, v []byte) error {
		m[string(k)] = string(v)
		return nil
	})
	return m
}

// getStudyAttrs returns a copy of one study attribute bucket.
func (s *Store) getStudyAttrs(studyID int, bucket []byte) (map[string]string, error) {
	var m map[string]string
	err := s.view(func(tx *bbolt.Tx) error {
		sb, err := studyBucket(tx, studyID)
		if err != nil {
			return err
		}
		m = readAttrs(sb.Bucket(bucket))
		return nil
	})
	return m, err
}

// GetStudyUserAttrs returns a copy of the study's user attributes.
func (s *Store) GetStudyUserAttrs(studyID int) (map[string]string, error) {
	return s.getStudyAttrs(studyID, bUserAttrs)
}

// GetStudySystemAttrs returns a copy of the study's system attributes.
func (s *Store) GetStudySystemAttrs(studyID int) (map[string]string, error) {
	return s.getStudyAttrs(studyID, bSystemAttrs)
}

// better reports whether value v beats the current best under direction; NaN never wins.
func better(direction goptuna.StudyDirection, v, best float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if math.IsNaN(best) {
		return true
	}
	if direction == goptuna.StudyDirectionMaximize {
		return v > best
	}
	return v < best
}

// bestAndStart scans a study's trials for the best complete trial (lowest number on ties, NaN ignored) and the earliest start; best is nil when none is complete.
func bestAndStart(tb *bbolt.Bucket, direction goptuna.StudyDirection) (best *trialRec, start time.Time, err error) {
	var top *trialHead
	err = tb.ForEach(func(_, v []byte) error {
		h, err := decodeHead(v)
		if err != nil {
			return err
		}
		if !h.start.IsZero() && (start.IsZero() || h.start.Before(start)) {
			start = h.start
		}
		if h.state == goptuna.TrialStateComplete && !math.IsNaN(h.value) && (top == nil || better(direction, h.value, top.value)) {
			top = &h
		}
		return nil
	})
	if err != nil || top == nil {
		return nil, start, err
	}
	best, err = decodeTrial(tb.Get(itob(top.number)))
	return best, start, err
}

// GetAllStudySummaries returns a summary of every study in the file, ordered by ID.
func (s *Store) GetAllStudySummaries() ([]goptuna.StudySummary, error) {
	var out []goptuna.StudySummary
	err := s.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bStudies).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil {
				continue
			}
			studyID := btoi(k)
			sb := tx.Bucket(bStudies).Bucket(k)
			info, err := readInfo(sb, studyID)
			if err != nil {
				return err
			}
			best, start, err := bestAndStart(sb.Bucket(bTrials), info.Direction)
			if err != nil {
				return fmt.Errorf("store: study %d: %w", studyID, err)
			}
			sum := goptuna.StudySummary{
				ID:            studyID,
				Name:          info.Name,
				Direction:     info.Direction,
				UserAttrs:     readAttrs(sb.Bucket(bUserAttrs)),
				SystemAttrs:   readAttrs(sb.Bucket(bSystemAttrs)),
				DatetimeStart: start,
			}
			if best != nil {
				if sum.BestTrial, err = s.frozen(best); err != nil {
					return err
				}
			}
			out = append(out, sum)
		}
		return nil
	})
	return out, err
}

// CreateNewTrial creates a RUNNING trial with a fresh heartbeat and returns its ID.
func (s *Store) CreateNewTrial(studyID int) (int, error) {
	now := s.now()
	r := &trialRec{
		state:       goptuna.TrialStateRunning,
		start:       now,
		heartbeat:   now,
		userAttrs:   map[string]string{},
		systemAttrs: map[string]string{},
	}
	err := s.updateTrials(func(tx *bbolt.Tx) error { return s.newTrial(tx, studyID, r) })
	if err != nil {
		return -1, err
	}
	return r.id, nil
}

// recFromFrozen builds a record from a FrozenTrial's contents (ID, study and number are assigned later).
func recFromFrozen(base goptuna.FrozenTrial) (*trialRec, error) {
	r := &trialRec{
		state:       base.State,
		value:       base.Value,
		start:       base.DatetimeStart,
		complete:    base.DatetimeComplete,
		userAttrs:   make(map[string]string, len(base.UserAttrs)),
		systemAttrs: make(map[string]string, len(base.SystemAttrs)),
	}
	for k, v := range base.UserAttrs {
		r.userAttrs[k] = v
	}
	for k, v := range base.SystemAttrs {
		r.systemAttrs[k] = v
	}
	for st, v := range base.IntermediateValues {
		if err := r.addStep(step{step: st, value: v}); err != nil {
			return nil, err
		}
	}
	for name, ir := range base.InternalParams {
		js, err := store.ParamDistJSON(base, name)
		if err != nil {
			return nil, err
		}
		r.setParam(store.Param{Name: name, Internal: ir, Dist: js})
	}
	return r, nil
}

// CloneTrial stores a new trial of studyID with baseTrial's contents and returns its ID.
func (s *Store) CloneTrial(studyID int, baseTrial goptuna.FrozenTrial) (int, error) {
	r, err := recFromFrozen(baseTrial)
	if err != nil {
		return -1, fmt.Errorf("store: clone trial into study %d: %w", studyID, err)
	}
	if r.state == goptuna.TrialStateRunning {
		r.heartbeat = s.now()
	}
	if err := s.updateTrials(func(tx *bbolt.Tx) error { return s.newTrial(tx, studyID, r) }); err != nil {
		return -1, err
	}
	return r.id, nil
}

// SetTrialValue sets the objective value of an unfinished trial.
func (s *Store) SetTrialValue(trialID int, value float64) error {
	return s.modifyTrial(trialID, func(r *trialRec) error {
		r.value = value
		return nil
	})
}

// SetTrialIntermediateValue records the value at step of an unfinished trial; a step already present gives store.ErrDuplicateStep.
func (s *Store) SetTrialIntermediateValue(trialID int, step int, value float64) error {
	return s.modifyTrial(trialID, func(r *trialRec) error {
		if err := r.addStep(stepValue(step, value)); err != nil {
			return fmt.Errorf("store: trial %d step %d: %w", trialID, step, err)
		}
		return nil
	})
}

// stepValue builds a step record.
func stepValue(st int, v float64) step { return step{step: st, value: v} }

// SetTrialParam stores (or replaces) a sampled parameter of an unfinished trial.
func (s *Store) SetTrialParam(trialID int, paramName string, paramValueInternal float64, distribution interface{}) error {
	if _, err := store.ExternalOf(distribution, paramValueInternal); err != nil {
		return fmt.Errorf("store: trial %d param %q: %w", trialID, paramName, err)
	}
	js, err := goptuna.DistributionToJSON(distribution)
	if err != nil {
		return fmt.Errorf("store: trial %d param %q: %w", trialID, paramName, err)
	}
	return s.modifyTrial(trialID, func(r *trialRec) error {
		r.setParam(store.Param{Name: paramName, Internal: paramValueInternal, Dist: string(js)})
		return nil
	})
}

// SetTrialState changes a trial's state by compare-and-set: finished trials, an unchanged state and RUNNING→WAITING give goptuna.ErrTrialCannotBeUpdated.
func (s *Store) SetTrialState(trialID int, state goptuna.TrialState) error {
	if state < goptuna.TrialStateRunning || state > goptuna.TrialStateWaiting {
		return fmt.Errorf("store: trial %d: unknown state %d", trialID, state)
	}
	return s.modifyTrial(trialID, func(r *trialRec) error {
		return s.transition(r, state)
	})
}

// transition applies a state change to an unfinished record.
func (s *Store) transition(r *trialRec, state goptuna.TrialState) error {
	if r.state == state || state == goptuna.TrialStateWaiting {
		return goptuna.ErrTrialCannotBeUpdated
	}
	now := s.now()
	if state == goptuna.TrialStateRunning { // WAITING → RUNNING: the worker starts it now
		r.start = now
		r.heartbeat = now
	}
	if state.IsFinished() {
		r.complete = now
	}
	r.state = state
	return nil
}

// SetTrialUserAttr stores a user attribute of an unfinished trial.
func (s *Store) SetTrialUserAttr(trialID int, key string, value string) error {
	return s.modifyTrial(trialID, func(r *trialRec) error {
		r.userAttrs[key] = value
		return nil
	})
}

// SetTrialSystemAttr stores a system attribute of an unfinished trial.
func (s *Store) SetTrialSystemAttr(trialID int, key string, value string) error {
	return s.modifyTrial(trialID, func(r *trialRec) error {
		r.systemAttrs[key] = value
		return nil
	})
}

// SetTrialAttrs stores user and system attributes of an unfinished trial in one transaction
// (one commit for all of them, where SetTrialUserAttr commits each).
func (s *Store) SetTrialAttrs(trialID int, user, system map[string]string) error {
	return s.modifyTrial(trialID, func(r *trialRec) error {
		for k, v := range user {
			r.userAttrs[k] = v
		}
		for k, v := range system {
			r.systemAttrs[k] = v
		}
		return nil
	})
}

// readTrial loads one record in its own read transaction.
func (s *Store) readTrial(trialID int) (*trialRec, error) {
	if r, ok, err := s.overlaid(trialID); ok {
		return r, err
	}
	var r *trialRec
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		r, _, err = getTrial(tx, trialID)
		return err
	})
	return r, err
}

// GetTrialNumberFromID returns the trial's number within its study.
func (s *Store) GetTrialNumberFromID(trialID int) (int, error) {
	if r, ok, err := s.overlaid(trialID); ok {
		return r.number, err
	}
	number := -1
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		_, number, err = trialLoc(tx, trialID)
		return err
	})
	if err != nil {
		return -1, err
	}
	return number, nil
}

// GetTrialParam returns the internal value of a trial's parameter.
func (s *Store) GetTrialParam(trialID int, paramName string) (float64, error) {
	r, err := s.readTrial(trialID)
	if err != nil {
		return -1, err
	}
	for _, p := range r.params {
		if p.Name == paramName {
			return p.Internal, nil
		}
	}
	return -1, fmt.Errorf("store: trial %d param %q: %w", trialID, paramName, store.ErrParamNotFound)
}

// GetTrial returns a deep copy of the trial.
func (s *Store) GetTrial(trialID int) (goptuna.FrozenTrial, error) {
	r, err := s.readTrial(trialID)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	return s.frozen(r)
}

// GetAllTrials returns deep copies of the study's trials, ordered by number.
func (s *Store) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	return s.TrialsFrom(studyID, 0)
}

// GetBestTrial returns the complete trial with the best value for the study's direction (lowest number on ties, NaN values ignored), or goptuna.ErrNoCompletedTrials.
func (s *Store) GetBestTrial(studyID int) (goptuna.FrozenTrial, error) {
	var best *trialRec
	err := s.view(func(tx *bbolt.Tx) error {
		sb, info, err := studyBucketInfo(tx, studyID)
		if err != nil {
			return err
		}
		best, _, err = bestAndStart(sb.Bucket(bTrials), info.Direction)
		return err
	})
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	if best == nil {
		return goptuna.FrozenTrial{}, goptuna.ErrNoCompletedTrials
	}
	return s.frozen(best)
}

// GetTrialParams returns a copy of the trial's parameters in external representation.
func (s *Store) GetTrialParams(trialID int) (map[string]interface{}, error) {
	ft, err := s.GetTrial(trialID)
	if err != nil {
		return nil, err
	}
	return ft.Params, nil
}

// GetTrialUserAttrs returns a copy of the trial's user attributes.
func (s *Store) GetTrialUserAttrs(trialID int) (map[string]string, error) {
	r, err := s.readTrial(trialID)
	if err != nil {
		return nil, err
	}
	return r.userAttrs, nil
}

// GetTrialSystemAttrs returns a copy of the trial's system attributes.
func (s *Store) GetTrialSystemAttrs(trialID int) (map[string]string, error) {
	r, err := s.readTrial(trialID)
	if err != nil {
		return nil, err
	}
	return r.systemAttrs, nil
}
