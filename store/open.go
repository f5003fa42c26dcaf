package store

import (
	"context"
	"errors"
	"fmt"
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

// NewSchemes returns an empty set of schemes; each storage package adds its own with one
// Register line where the program builds its Schemes (for attnsearch, cmd/attnsearch/storages.go):
// "" (a plain path) and "file" for store/bolt, "postgres" and "postgresql" for store/postgres.
func NewSchemes() *Schemes {
	return &Schemes{openers: map[string]Opener{}}
}

// Register makes scheme (without "://"; "" is a plain path) open with open. A scheme registered
// twice is a programming error: Register panics rather than replace the first silently (as the
// sampler registry does).
func (s *Schemes) Register(scheme string, open Opener) {
	key := strings.ToLower(scheme)
	if _, dup := s.openers[key]; dup {
		panic(fmt.Sprintf("store: scheme %q registered twice", scheme))
	}
	if open == nil {
		panic(fmt.Sprintf("store: scheme %q registered without an Opener", scheme))
	}
	s.openers[key] = open
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
