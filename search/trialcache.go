package search

import (
	"sync"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/store"
)

// cachedTrials is a view of a goptuna.Storage whose GetAllTrials reads only what may have changed
// since its last read: it keeps, per study, the trials numbered 0 to k−1 once each was read
// finished (COMPLETE, PRUNED or FAIL: both stores refuse every write to a finished trial, retry
// marks included, and delete trials only with their study), and reads the rest with
// store.TrialsFrom(k). Every answer is the store's own: the trials of one read from k on, after
// the kept ones, which no write can have changed, and below k every number is kept, so a trial
// that appears late (another worker's or another process's, with a lower number than ones already
// read) is numbered k or above and in the read. The other methods are the storage's.
//
// The trials it returns share their maps with the kept ones: callers read them and never change
// them (the search's samplers and pruners don't); the slice itself is each caller's own. It is
// safe for concurrent use.
type cachedTrials struct {
	goptuna.Storage
	mu   sync.Mutex
	kept map[int][]goptuna.FrozenTrial // by study ID: its trials numbered 0 to len−1, all finished
}

var _ store.TrialTailReader = (*cachedTrials)(nil)

// newCachedTrials returns the caching view of st.
func newCachedTrials(st goptuna.Storage) *cachedTrials {
	return &cachedTrials{Storage: st, kept: map[int][]goptuna.FrozenTrial{}}
}

// GetAllTrials returns the study's trials in number order, as st.GetAllTrials does, reading only
// those numbered from the first not yet seen finished.
func (c *cachedTrials) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	c.mu.Lock()
	kept := c.kept[studyID] // appended to only beyond its length, so this prefix stays as it is
	c.mu.Unlock()
	tail, err := store.TrialsFrom(c.Storage, studyID, len(kept))
	if err != nil {
		c.mu.Lock()
		delete(c.kept, studyID) // the study may be gone; start again if it comes back
		c.mu.Unlock()
		return nil, err
	}
	c.keep(studyID, tail)
	out := make([]goptuna.FrozenTrial, 0, len(kept)+len(tail))
	return append(append(out, kept...), tail...), nil
}

// TrialsFrom returns the study's trials numbered number or above, in number order (as
// store.TrialsFrom of the storage does), reading only those numbered from the first not yet seen
// finished.
func (c *cachedTrials) TrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error) {
	c.mu.Lock()
	kept := c.kept[studyID]
	c.mu.Unlock()
	tail, err := store.TrialsFrom(c.Storage, studyID, max(len(kept), number))
	if err != nil {
		c.mu.Lock()
		delete(c.kept, studyID)
		c.mu.Unlock()
		return nil, err
	}
	c.keep(studyID, tail)
	if number >= len(kept) {
		return tail, nil
	}
	out := make([]goptuna.FrozenTrial, 0, len(kept)-number+len(tail))
	return append(append(out, kept[number:]...), tail...), nil
}

// keep adds to the study's kept trials the leading finished ones of tail (read from some number
// on, in number order) that continue them without a gap; a concurrent read may have kept some
// already.
func (c *cachedTrials) keep(studyID int, tail []goptuna.FrozenTrial) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.kept[studyID]
	for _, ft := range tail {
		if ft.Number < len(kept) {
			continue
		}
		if ft.Number > len(kept) || !ft.State.IsFinished() {
			break
		}
		kept = append(kept, ft)
	}
	c.kept[studyID] = kept
}
