package bolt

import (
	"fmt"

	"github.com/c-bata/goptuna"
	bbolt "go.etcd.io/bbolt"

	"github.com/attnsearch/attnsearch/store"
)

// Compile-time checks of the read capabilities.
var (
	_ store.TrialScanner    = (*Store)(nil)
	_ store.TrialFinder     = (*Store)(nil)
	_ store.StudyLister     = (*Store)(nil)
	_ store.TrialTailReader = (*Store)(nil)
)

// ScanTrials decodes the study's records one at a time in one read transaction (number order is
// key order) and hands each, projected, to fn; what p leaves out is skipped, not decoded.
func (s *Store) ScanTrials(studyID int, p store.Projection, fn func(goptuna.FrozenTrial) error) error {
	var fnErr error
	err := s.view(func(tx *bbolt.Tx) error {
		sb, err := studyBucket(tx, studyID)
		if err != nil {
			return err
		}
		return s.over.trialsFrom(sb.Bucket(bTrials), studyID, 0, func(n int, v []byte) error {
			r, err := decodeTrialProj(v, &p)
			if err != nil {
				return fmt.Errorf("store: study %d trial %d: %w", studyID, n, err)
			}
			ft, err := s.frozen(r)
			if err != nil {
				return err
			}
			fnErr = fn(ft)
			return fnErr
		})
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// TrialByNumber reads one record by its key (the trial number) in the study's bucket.
func (s *Store) TrialByNumber(studyID, number int) (goptuna.FrozenTrial, error) {
	var r *trialRec
	err := s.view(func(tx *bbolt.Tx) error {
		sb, err := studyBucket(tx, studyID)
		if err != nil {
			return err
		}
		v := s.over.record(studyID, number)
		if v == nil {
			v = sb.Bucket(bTrials).Get(itob(number))
		}
		if v == nil || number < 0 {
			return fmt.Errorf("store: study %d trial %d: %w", studyID, number, store.ErrNoTrial)
		}
		if r, err = decodeTrial(v); err != nil {
			return fmt.Errorf("store: study %d trial %d: %w", studyID, number, err)
		}
		return nil
	})
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	return s.frozen(r)
}

// TrialsFrom decodes the records from the key of number on (keys are trial numbers, big-endian,
// so key order is number order) in one read transaction.
func (s *Store) TrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error) {
	var out []goptuna.FrozenTrial
	err := s.view(func(tx *bbolt.Tx) error {
		sb, err := studyBucket(tx, studyID)
		if err != nil {
			return err
		}
		tb := sb.Bucket(bTrials)
		out = make([]goptuna.FrozenTrial, 0, max(int(tb.Sequence())-number, 0))
		return s.over.trialsFrom(tb, studyID, number, func(n int, v []byte) error {
			r, err := decodeTrial(v)
			if err != nil {
				return fmt.Errorf("store: study %d trial %d: %w", studyID, n, err)
			}
			ft, err := s.frozen(r)
			if err != nil {
				return err
			}
			out = append(out, ft)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StudyNames lists the keys of the study-name index.
func (s *Store) StudyNames() ([]string, error) {
	names := []string{}
	err := s.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bStudyNames).ForEach(func(k, _ []byte) error {
			names = append(names, string(k))
			return nil
		})
	})
	return names, err
}
