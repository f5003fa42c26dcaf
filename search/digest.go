package search

import (
	"fmt"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// digestEvery is the least time between two refreshes of a study's digest while trials end.
const digestEvery = time.Second

// digester keeps a study's digest (record.Digest, store.RefreshDigest) fresh while its trials
// end, so that a reader (show, best, studies, report) reads the trials since the last refresh,
// not the whole study. Refreshes run on a goroutine of their own, at most once per digestEvery,
// so a worker never waits for one (the first refresh of a large study made before digests
// reads the whole study once); stop makes the last one.
type digester struct {
	st    Storage
	study string
	kick  chan struct{}
	done  chan struct{} // closed: stop refreshing
	ended chan struct{} // closed by loop when it returns

	// Written by loop's refreshes, then (after ended) by stop's: never at once.
	id  int   // the study's ID (-1: not looked up yet)
	err error // the first refresh's error
}

// startDigester starts refreshing study's digest on st.
func startDigester(st Storage, study string) *digester {
	d := &digester{st: st, study: study, id: -1, kick: make(chan struct{}, 1), done: make(chan struct{}), ended: make(chan struct{})}
	go d.loop()
	return d
}

// loop refreshes when kicked, at most once per digestEvery, until stop.
func (d *digester) loop() {
	defer close(d.ended)
	for {
		select {
		case <-d.done:
			return
		case <-d.kick:
		}
		d.refresh()
		select {
		case <-d.done:
			return
		case <-time.After(digestEvery):
		}
	}
}

// halt stops the refreshing and waits for a refresh under way (the store may be closed next).
func (d *digester) halt() {
	close(d.done)
	<-d.ended
}

// trialEnded asks for a refresh without waiting for it.
func (d *digester) trialEnded() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// stop ends the refreshing, makes the last refresh (after every trial that ended) and returns
// the first refresh's error.
func (d *digester) stop() error {
	d.halt()
	d.refresh()
	return d.err
}

// refresh brings the digest up to date with the trials as stored now, keeping the first error.
func (d *digester) refresh() {
	err := error(nil)
	if d.id < 0 {
		if d.id, err = d.st.GetStudyIDFromName(d.study); err != nil {
			d.id, err = -1, fmt.Errorf("search: digest of %s: %w", d.study, err)
		}
	}
	if err == nil {
		err = RefreshDigest(d.st, d.id)
	}
	if d.err == nil {
		d.err = err
	}
}

// RefreshDigest brings the digest of study id (record.Digest) up to date with its trials as
// stored now (store.RefreshDigest, over the front's keys of the study's stored objective). A
// study without attnsearch settings, or whose objective no report reads, has no front to
// digest: nothing is written.
func RefreshDigest(st goptuna.Storage, id int) error {
	return store.RefreshDigest(st, id, func(sys map[string]string) ([]string, []string, bool) {
		if _, ok := sys[record.SysStudyInfo]; !ok {
			return nil, nil, false
		}
		keys, dirs, err := objective.StudyFrontKeys(sys)
		return keys, dirs, err == nil
	})
}

// withDigest runs run on a copy of p whose OnEvent also refreshes the study's digest as trials
// end, then refreshes it once more when run returns, if run opened the study (p itself is not
// changed: Run may be called again, or at once from another goroutine). A refresh that fails is
// a warning: readers then read the whole study, as without a digest.
func (p *Prepared) withDigest(st Storage, run func(q *Prepared) (*Result, error)) (*Result, error) {
	user := p.opts.OnEvent
	d := startDigester(st, p.spec.Study.Name)
	q := *p
	q.opts.OnEvent = func(e Event) {
		if user != nil {
			user(e)
		}
		if e.Kind == EventTrialEnd {
			d.trialEnded()
		}
	}
	res, err := run(&q)
	if res == nil {
		d.halt()
		return res, err
	}
	if derr := d.stop(); derr != nil && user != nil {
		user(Event{Kind: EventWarning, Message: fmt.Sprintf("the study's digest (what show, best, studies and report read) was not refreshed: %v", derr)})
	}
	return res, err
}
