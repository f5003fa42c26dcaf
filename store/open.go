package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/c-bata/goptuna"
)

// TrialStorage is a goptuna.Storage with heartbeats and the one retry mechanism, each call atomic
// across processes and machines: what search.Run needs (search.Storage).
type TrialStorage interface {
	goptuna.Storage
	// Heartbeat refreshes the heartbeat of a RUNNING trial; a finished trial gives goptuna.ErrTrialCannotBeUpdated.
	Heartbeat(trialID int) error
	// RecoverStale fails the study's RUNNING trials whose heartbeat is older than grace (grace <= 0:
	// all), each exactly once across callers, and enqueues a WAITING retry of each in the same transaction.
	RecoverStale(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, error)
	// Requeue enqueues, once across callers, a WAITING retry of every FAIL trial record.Retried says
	// to try again that no trial retries yet (interrupted ones, older stores' stale ones); it returns how many.
	Requeue(studyID int) (int, error)
	// PopWaitingTrial claims the lowest-numbered WAITING trial (WAITING→RUNNING), each exactly once across callers; ok is false when none waits.
	PopWaitingTrial(studyID int) (trialID int, ok bool, err error)
}

// DB is an open trial storage: everything `attnsearch run` and the reading commands need. Every
// storage (bbolt here, PostgreSQL in store/postgres) returns one from its Opener and passes the
// conformance suite of store/storetest.
type DB interface {
	TrialStorage
	// RunningTrials lists the study's RUNNING trials with their last heartbeat.
	RunningTrials(studyID int) ([]RunningTrial, error)
	// RecoveredTrials lists the study's trials failed as stale (record.ReasonStale).
	RecoveredTrials(studyID int) ([]goptuna.FrozenTrial, error)
	// Location names the storage for messages: a path, or a URL without its password.
	Location() string
	// SnapshotTime is the time of the snapshot a reader of a live store reads; ok is false when it reads the store itself.
	SnapshotTime() (t time.Time, ok bool)
	// Close releases the storage.
	Close() error
}

// Compile-time check that *Store is a DB.
var _ DB = (*Store)(nil)

// Hooks are failure-injection points for tests of a storage's crash safety; production code
// leaves them nil. Every storage takes them in its own options and storetest uses them.
type Hooks struct {
	// InRecovery is called inside RecoverStale's transaction after the stale trials (their IDs)
	// are marked FAIL and before their retries are enqueued. An error from it, or the process
	// dying in it, must leave neither half stored.
	InRecovery func(stale []int) error
}

// OpenOptions are the settings every storage understands.
type OpenOptions struct {
	ReadOnly    bool          // open for reading only; a missing store is then ErrNoStore
	LockTimeout time.Duration // bound on waiting for a store another process holds (0 = the storage's default)
}

// Opener opens the storage a URL names.
type Opener func(ctx context.Context, url string, opts OpenOptions) (DB, error)

// ErrNoStore means a store opened for reading does not exist.
var ErrNoStore = errors.New("store does not exist")

// Schemes maps URL schemes to the storages that open them; build it with NewSchemes and pass it
// to whoever opens stores (no package-level registry).
type Schemes struct {
	openers map[string]Opener
}

// NewSchemes returns the schemes of this package: a plain path and file:// open a bbolt store.
func NewSchemes() *Schemes {
	s := &Schemes{openers: map[string]Opener{}}
	s.Register("", OpenBolt)
	s.Register("file", OpenBolt)
	return s
}

// Register makes scheme (lower case, without "://") open with open; a second registration of the same scheme replaces the first.
func (s *Schemes) Register(scheme string, open Opener) {
	s.openers[strings.ToLower(scheme)] = open
}

// Names lists the registered schemes, sorted ("" is the plain path).
func (s *Schemes) Names() []string {
	out := make([]string, 0, len(s.openers))
	for k := range s.openers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Open opens the store that location names: "scheme://…" with a registered scheme, else a file path.
func (s *Schemes) Open(ctx context.Context, location string, opts OpenOptions) (DB, error) {
	scheme := ""
	if i := strings.Index(location, "://"); i > 0 {
		scheme = strings.ToLower(location[:i])
	}
	open, ok := s.openers[scheme]
	if !ok {
		return nil, fmt.Errorf("store: %s: %w: unknown scheme %q (known: %s)", location, ErrNotStore, scheme, strings.Join(s.Names(), ", "))
	}
	return open(ctx, location, opts)
}

// OpenBolt is the Opener of bbolt stores: location is a path or a file:// URL.
func OpenBolt(_ context.Context, location string, opts OpenOptions) (DB, error) {
	path := location
	if strings.HasPrefix(strings.ToLower(location), "file://") {
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", location, err)
		}
		path = u.Path
	}
	if opts.ReadOnly {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("store %s: %w", path, ErrNoStore)
		}
	}
	st, err := Open(path, Options{ReadOnly: opts.ReadOnly, LockTimeout: opts.LockTimeout})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Location returns the store's file path.
func (s *Store) Location() string { return s.path }
