package search

import (
	"fmt"
	"sync"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
)

// digestEvery is the least time between two refreshes of a study's digest while trials end.
const digestEvery = time.Second

// digester keeps a study's digest (record.Digest, store.RefreshDigest) fresh while its trials
// end, at most once per digestEvery and once when the run stops, so that a reader (show, best,
// studies, report) reads the trials since the last refresh, not the whole study.
type digester struct {
	st    Storage
	study string
	mu    sync.Mutex
	last  time.Time
	id    int
	keys  []string
	dirs  []string
}

// refresh refreshes the digest when force is set or digestEvery has passed since the last.
func (d *digester) refresh(force bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !force && time.Since(d.last) < digestEvery {
		return nil
	}
	d.last = time.Now()
	if d.keys == nil {
		id, err := d.st.GetStudyIDFromName(d.study)
		if err != nil {
			return fmt.Errorf("search: digest of %s: %w", d.study, err)
		}
		sys, err := d.st.GetStudySystemAttrs(id)
		if err != nil {
			return fmt.Errorf("search: digest of %s: %w", d.study, err)
		}
		info, err := record.ParseStudyInfo(sys[record.SysStudyInfo])
		if err != nil {
			return fmt.Errorf("search: digest of %s: %s: %w", d.study, record.SysStudyInfo, err)
		}
		if d.keys, d.dirs, err = objective.FrontKeys(info.Objective); err != nil {
			return fmt.Errorf("search: digest of %s: %w", d.study, err)
		}
		d.id = id
	}
	return store.RefreshDigest(d.st, d.id, d.keys, d.dirs)
}

// withDigest runs run with the study's digest refreshed as its trials end (through
// p.opts.OnEvent) and once more when it returns. A refresh that fails is a warning: readers
// then read the whole study, as without a digest.
func (p *Prepared) withDigest(st Storage, run func() (*Result, error)) (*Result, error) {
	d := &digester{st: st, study: p.spec.Study.Name}
	user := p.opts.OnEvent
	warned := false
	warn := func(err error) {
		if err != nil && !warned && user != nil {
			warned = true
			user(Event{Kind: EventWarning, Message: fmt.Sprintf("the study's digest (what show, best, studies and report read) was not refreshed: %v", err)})
		}
	}
	p.opts.OnEvent = func(e Event) {
		if user != nil {
			user(e)
		}
		if e.Kind == EventTrialEnd {
			warn(d.refresh(false))
		}
	}
	defer func() { p.opts.OnEvent = user }()
	res, err := run()
	if res != nil {
		warn(d.refresh(true))
	}
	return res, err
}
