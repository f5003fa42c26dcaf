package search

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/store"
)

// DefaultSharedGrace is how old a RUNNING trial's heartbeat must be, in a store that other
// processes use at once, before the trial counts as dead (when Options.StaleGrace is zero).
const DefaultSharedGrace = 2 * time.Minute

// sharedStorage is a storage with the store.Shared capability (several processes, on several
// machines, write it at once: PostgreSQL) that lists its RUNNING trials with their heartbeats:
// there a RUNNING trial may belong to a live worker elsewhere, told from a dead one by its heartbeat.
type sharedStorage interface {
	store.Shared
	RunningTrials(studyID int) ([]store.RunningTrial, error)
}

// isShared reports whether st is written by other processes too.
func isShared(st Storage) bool {
	s, ok := st.(sharedStorage)
	return ok && s.Shared()
}

// sharedSettings fills in the grace period and heartbeat period of a shared study: a trial is
// dead once its heartbeat is older than the grace, so heartbeats come at least four times per grace.
func (r *runner) sharedSettings() {
	r.shared = true
	r.grace = r.opts.StaleGrace
	if r.grace <= 0 {
		r.grace = DefaultSharedGrace
	}
	r.beat = min(r.opts.HeartbeatEvery, r.grace/4)
}

// openShared returns the study another process may be creating at the same moment: the creator
// (openStudy's CreateNewStudy) sets the study's direction in a second call, which a worker
// loading it in between must wait for.
func openShared(name string, study *goptuna.Study, err error, opts []goptuna.StudyOption) (*goptuna.Study, error) {
	deadline := time.Now().Add(10 * time.Second)
	for (err != nil || study.Direction() != goptuna.StudyDirectionMaximize) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		study, err = goptuna.LoadStudy(name, opts...)
	}
	return study, err
}

// takeTurn decides whether a worker starts another trial. In a study of this process alone it
// counts its own finished and running trials. In a shared study it reads the counts from the
// store (countShared), where other processes add theirs (and the fresh trial it allows is
// created only if its slot is still free then: createFresh), and recovers (at most once per
// half grace period) the trials of workers that died anywhere; while the slots left are held by trials running
// elsewhere it waits, because such a trial may still fail and need its point retried. A waiting
// trial (a retry) is taken whatever the count, but such a turn may only claim a waiting trial
// (fresh is false), never start a new point; once the count is reached, the worker stops when
// every trial still running is confirmed alive (confirmAlive).
func (r *runner) takeTurn(ctx context.Context) (more, fresh bool, err error) {
	if !r.shared {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.done+r.inflight >= r.spec.Study.Trials {
			return false, false, nil
		}
		r.inflight++
		return true, true, nil
	}
	poll := min(max(r.grace/8, 100*time.Millisecond), 2*time.Second)
	seen := map[int]time.Time{}
	for {
		if ctx.Err() != nil {
			return false, false, nil
		}
		if err := r.recoverShared(); err != nil {
			return false, false, err
		}
		c, err := r.countShared()
		if err != nil {
			return false, false, err
		}
		done, running, waiting := countsTowards(c, r.spec.Study.Trials), c.Running, c.Waiting
		r.mu.Lock()
		r.done, r.best = done, c.Best
		r.mu.Unlock()
		// A waiting trial retries the point of a trial whose worker died, which does not count:
		// take it whatever the count, so no point proposed to the study is left behind.
		if waiting == 0 && done >= r.spec.Study.Trials {
			alive, err := r.confirmAlive(seen)
			if err != nil || alive {
				return false, false, err
			}
		}
		r.mu.Lock()
		// Waiting retries hold slots of the count as running trials do: a fresh point is
		// started only where neither fills the slot.
		if fresh := done+running+waiting < r.spec.Study.Trials; waiting > 0 || fresh {
			r.inflight++
			r.mu.Unlock()
			return true, fresh, nil
		}
		r.mu.Unlock()
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, false, nil
		case <-t.C:
		}
	}
}

// confirmAlive reports whether every trial still RUNNING, once the study has its trials, is known
// to be alive: its heartbeat has moved since this worker first saw it (seen holds the first
// heartbeats). A worker waits for that before it stops, so that the point of a trial whose worker
// died meanwhile is recovered as stale and retried rather than left RUNNING; a live worker
// heartbeats at least four times per grace, so the wait is at most about one grace period.
func (r *runner) confirmAlive(seen map[int]time.Time) (bool, error) {
	running, err := r.st.(sharedStorage).RunningTrials(r.study.ID)
	if err != nil {
		return false, fmt.Errorf("search: list running trials: %w", err)
	}
	for _, t := range running {
		first, ok := seen[t.ID]
		if !ok {
			seen[t.ID] = t.Heartbeat
		}
		if !ok || !t.Heartbeat.After(first) {
			return false, nil
		}
	}
	return true, nil
}

// countShared counts the study's trials in the store: in one read where the storage has the
// store.Turns capability, else from all its trials.
func (r *runner) countShared() (store.TrialCounts, error) {
	if turns, ok := r.st.(store.Turns); ok {
		c, err := turns.CountTrials(r.study.ID)
		if err != nil {
			return c, fmt.Errorf("search: count trials: %w", err)
		}
		return c, nil
	}
	trials, err := r.reads.GetAllTrials(r.study.ID)
	if err != nil {
		return store.TrialCounts{}, fmt.Errorf("search: list trials: %w", err)
	}
	return store.CountTrials(trials), nil
}

// countsTowards is how many of the counted trials count towards a target of trials, as countFinished
// says: the finished ones, and the rejected ones beyond the free ones (freeRejections).
func countsTowards(c store.TrialCounts, target int) int {
	return c.Finished + freeRejections(c.Rejected, target)
}

// createFresh creates a fresh trial. In a study of this process alone takeTurn has reserved its
// slot; in a shared study it is created only if a slot of the target is still free:
// neither a finished trial, nor a running or waiting one (which may yet finish) fills it. With
// the store.Turns capability the count and the creation are one turn under the study's lock, so
// that processes deciding at the same moment never overshoot the target; without it the store
// is counted first (a race between processes may then start a trial or two beyond the target).
func (r *runner) createFresh() (id int, ok bool, err error) {
	free := func(c store.TrialCounts) bool {
		return countsTowards(c, r.spec.Study.Trials)+c.Running+c.Waiting < r.spec.Study.Trials
	}
	if turns, isTurns := r.st.(store.Turns); isTurns && r.shared {
		return turns.CreateTrialIf(r.study.ID, free)
	}
	id, err = r.st.CreateNewTrial(r.study.ID)
	return id, err == nil, err
}

// recoverShared fails the trials whose workers stopped sending heartbeats (any process, any
// machine) and enqueues their points again, at most once per half grace period per process.
func (r *runner) recoverShared() error {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	if time.Since(r.lastRecover) < r.grace/2 {
		return nil
	}
	r.lastRecover = time.Now()
	stale, err := r.st.RecoverStale(r.study.ID, r.grace)
	if err != nil {
		return fmt.Errorf("search: recover stale trials: %w", err)
	}
	n, err := r.st.Requeue(r.study.ID)
	if err != nil {
		return fmt.Errorf("search: requeue trials: %w", err)
	}
	if len(stale) > 0 {
		nums := make([]string, len(stale))
		for i, t := range stale {
			nums[i] = fmt.Sprint(t.Number)
		}
		r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf("trials %s: no heartbeat for %v, their workers died; failed as stale, %s enqueued again",
			strings.Join(nums, ", "), r.grace, nouns(n, "point", "points"))})
	}
	return nil
}
