package bolt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked means another process holds the store file.
var ErrLocked = errors.New("another process holds the store")

// Compile-time check that *Store is a complete goptuna.Storage.
var _ goptuna.Storage = (*Store)(nil)

// SchemaVersion is the file layout version this build writes. Version 1 (StudyInfo with Go field
// names, see record.ParseStudyInfo) is read as is and upgraded when opened for writing.
const SchemaVersion = 2

// oldestSchema is the oldest layout version this build reads.
const oldestSchema = 1

// DefaultLockTimeout is how long Open waits for a held file when Options.LockTimeout is zero.
const DefaultLockTimeout = 5 * time.Second

// DefaultSnapshotInterval is the least time between two snapshots when Options.SnapshotInterval is zero.
const DefaultSnapshotInterval = time.Second

// batchDelay is how long a batch of concurrent writes waits for more calls before it commits.
const batchDelay = 500 * time.Microsecond

// readProbe makes a read-only Open try the main file's lock once, without waiting, before it looks for a snapshot.
const readProbe = time.Millisecond

// Options tunes Open.
type Options struct {
	// ReadOnly opens for reading; on a file held by a writer it reads the writer's snapshot.
	ReadOnly bool
	// LockTimeout bounds the wait for a file held by another process (0 means DefaultLockTimeout).
	LockTimeout time.Duration
	// NoSync skips fsync on commit; for tests and benchmarks only, never for real studies.
	NoSync bool
	// SnapshotInterval is the least time between two snapshots for readers (0 means DefaultSnapshotInterval).
	SnapshotInterval time.Duration
	// NoSnapshot disables the snapshot file (readers then cannot open a live study).
	NoSnapshot bool
	// RecoverOnOpen makes a writer's Open fail and requeue the RUNNING trials of dead processes (see RecoveredAtOpen).
	RecoverOnOpen bool
	// Clock returns the current time for heartbeats and timestamps (nil means time.Now).
	Clock func() time.Time
	// store.Hooks inject failures for crash-safety tests; leave them zero.
	Hooks store.Hooks
}

// Store is a goptuna.Storage backed by one bbolt file; it is safe for concurrent use.
type Store struct {
	db       *bbolt.DB
	path     string
	readOnly bool
	now      func() time.Time
	// snapTime is the snapshot's modification time when this Store reads a snapshot.
	snapTime time.Time

	snapMu   sync.Mutex // serialises snapshot writes
	dirty    chan struct{}
	stop     chan struct{}
	done     chan struct{}
	interval time.Duration
	noSnap   bool

	closeOnce sync.Once
	closeErr  error

	dists    store.DistCache
	inflight atomic.Int32 // write calls in progress, to decide between a lone commit and a batch
	// waitFrom holds, by study ID, a trial number below which the study has no WAITING trial, where
	// PopWaitingTrial's scan starts: a trial is WAITING only from its creation (newTrial numbers it
	// after every other), never again once claimed, and only this Store writes the file.
	waitMu   sync.Mutex
	waitFrom map[int]int
	// recovered is what the automatic recovery at Open did.
	recovered []Recovery
	// feed is a writer's change feed (nil without a snapshot); over is what a reader of a
	// snapshot applies of it (nil: none).
	feed  *feedWriter
	over  *overlay
	hooks store.Hooks
}

// LockInfoPath returns the path of the sidecar file naming the writer process of the store at path.
func LockInfoPath(path string) string { return path + ".lock-info" }

// SnapshotPath returns the path of the snapshot a writer keeps for readers of the store at path.
func SnapshotPath(path string) string { return path + ".snapshot" }

// Open opens (creating if needed, unless read-only) the store at path.
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	now := opts.Clock
	if now == nil {
		now = time.Now
	}
	s := &Store{path: path, readOnly: opts.ReadOnly, now: now, interval: opts.SnapshotInterval, noSnap: opts.NoSnapshot, hooks: opts.Hooks}
	if s.interval <= 0 {
		s.interval = DefaultSnapshotInterval
	}
	if opts.ReadOnly {
		if err := s.openReadOnly(timeout); err != nil {
			return nil, err
		}
		return s, nil
	}
	if fi, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := create(path); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	} else if err := checkFileInfo(fi); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Validate with a read-only open first, so a foreign or newer file is never written to.
	deadline := time.Now().Add(timeout)
	vdb, err := openBolt(path, true, timeout, false)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	verr := checkSchema(vdb)
	if cerr := vdb.Close(); verr == nil {
		verr = cerr
	}
	if verr != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, verr)
	}
	db, err := openBolt(path, false, max(time.Until(deadline), time.Millisecond), opts.NoSync)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.MaxBatchDelay = batchDelay
	if err := checkSchema(db); err != nil { // the file may have been replaced between the two opens
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.db = db
	if err := s.upgrade(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: upgrade: %w", path, err)
	}
	if err := writeLockInfo(path, now()); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if !s.noSnap {
		if s.feed, err = newFeedWriter(path); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	if opts.RecoverOnOpen {
		if err := s.recoverAtOpen(); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("store: open %s: recover trials of dead workers: %w", path, err)
		}
	}
	if !s.noSnap {
		s.dirty = make(chan struct{}, 1)
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		s.markDirty()
		go s.snapshotLoop()
	}
	return s, nil
}

// openReadOnly opens the main file, or the writer's snapshot when a writer holds the main file.
func (s *Store) openReadOnly(timeout time.Duration) error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if err := checkFileInfo(fi); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	probe := min(readProbe, timeout)
	db, err := openBolt(s.path, true, probe, false)
	if errors.Is(err, ErrLocked) {
		snap := SnapshotPath(s.path)
		if fi, serr := os.Stat(snap); serr == nil {
			sdb, oerr := openBolt(snap, true, timeout, false)
			if oerr != nil {
				return fmt.Errorf("store: open snapshot %s: %w", snap, oerr)
			}
			if verr := checkSchema(sdb); verr != nil {
				_ = sdb.Close()
				return fmt.Errorf("store: open snapshot %s: %w", snap, verr)
			}
			s.db = sdb
			s.snapTime = fi.ModTime()
			s.overlayFeed()
			return nil
		}
		if timeout > probe {
			db, err = openBolt(s.path, true, timeout-probe, false)
		}
	}
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if verr := checkSchema(db); verr != nil {
		_ = db.Close()
		return fmt.Errorf("store: open %s: %w", s.path, verr)
	}
	s.db = db
	return nil
}

// checkFileInfo refuses what cannot be a store before bbolt sees it: directories and empty files
// (bbolt would silently initialise an empty file, and we never write to a file we did not create).
func checkFileInfo(fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: not a regular file (%v)", store.ErrNotStore, fi.Mode().Type())
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%w: empty file", store.ErrNotStore)
	}
	return nil
}

// openBolt opens path with bbolt, turning a lock timeout into ErrLocked with the recorded holder.
// A file that bbolt would crash on (truncated, overwritten) is refused with store.ErrNotStore first.
func openBolt(path string, readOnly bool, timeout time.Duration, noSync bool) (*bbolt.DB, error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
		if err := checkBoltFile(path); err != nil {
			return nil, err
		}
	}
	var db *bbolt.DB
	err := guard(func() (err error) {
		db, err = bbolt.Open(path, 0o644, &bbolt.Options{
			Timeout:        timeout,
			ReadOnly:       readOnly,
			NoSync:         noSync,
			NoFreelistSync: false,
			FreelistType:   bbolt.FreelistMapType,
		})
		return err
	})
	if err == nil {
		return db, nil
	}
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s); waited %v", ErrLocked, holderInfo(path), timeout)
	}
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrChecksum) {
		return nil, fmt.Errorf("%w: not a bbolt file: %w", store.ErrNotStore, err)
	}
	return nil, err
}

// holderInfo describes the writer recorded in the lock-info sidecar of path.
func holderInfo(path string) string {
	b, err := os.ReadFile(LockInfoPath(path))
	if err != nil {
		return "holder unknown: no " + LockInfoPath(path)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok {
			fields[k] = v
		}
	}
	desc := fmt.Sprintf("pid %s on host %s since %s, from %s", fields["pid"], fields["host"], fields["started"], LockInfoPath(path))
	if host, _ := os.Hostname(); host == fields["host"] {
		if pid, err := strconv.Atoi(fields["pid"]); err == nil && !processAlive(pid) {
			desc = fmt.Sprintf("last writer pid %s has exited, so a reader (such as a report) or another program holds it; %s", fields["pid"], LockInfoPath(path))
		}
	}
	return desc
}

// processAlive reports whether a process with this pid exists on this host.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writeLockInfo records this process as the writer of the store at path.
func writeLockInfo(path string, now time.Time) error {
	host, _ := os.Hostname()
	text := "pid=" + strconv.Itoa(os.Getpid()) + "\nhost=" + host + "\nstarted=" + now.UTC().Format(time.RFC3339) + "\n"
	tmp := LockInfoPath(path) + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write lock info: %w", err)
	}
	if err := os.Rename(tmp, LockInfoPath(path)); err != nil {
		return fmt.Errorf("write lock info: %w", err)
	}
	return nil
}

// checkSchema verifies that db carries our format name and schema version.
func checkSchema(db *bbolt.DB) error {
	return guard(func() error { return checkSchemaTx(db) })
}

// checkSchemaTx is checkSchema's read transaction.
func checkSchemaTx(db *bbolt.DB) error {
	return db.View(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return fmt.Errorf("%w: bbolt file without the %q bucket", store.ErrNotStore, bMeta)
		}
		if f := string(meta.Get(kFormat)); f != store.FormatName {
			return fmt.Errorf("%w: format %q", store.ErrNotStore, f)
		}
		v, err := strconv.Atoi(string(meta.Get(kSchema)))
		if err != nil {
			return fmt.Errorf("%w: schema version %q is not a number", store.ErrNotStore, meta.Get(kSchema))
		}
		if v < oldestSchema || v > SchemaVersion {
			return fmt.Errorf("%w: file has schema %d, this build reads %d to %d", store.ErrSchema, v, oldestSchema, SchemaVersion)
		}
		for _, b := range [][]byte{bStudies, bStudyNames, bTrialIndex} {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("%w: missing bucket %q", store.ErrNotStore, b)
			}
		}
		return nil
	})
}

// upgrade brings a file of an older schema to SchemaVersion in one transaction: every study's
// record.SysStudyInfo is rewritten by record.Upgrade, then the schema key is bumped.
func (s *Store) upgrade() error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bMeta)
		v, err := strconv.Atoi(string(meta.Get(kSchema)))
		if err != nil || v >= SchemaVersion {
			return err
		}
		err = tx.Bucket(bStudies).ForEach(func(k, v []byte) error {
			if v != nil {
				return nil
			}
			attrs := tx.Bucket(bStudies).Bucket(k).Bucket(bSystemAttrs)
			js := attrs.Get([]byte(record.SysStudyInfo))
			if js == nil {
				return nil
			}
			out, changed, err := record.Upgrade(string(js))
			if err != nil {
				return fmt.Errorf("study %d: %w", btoi(k), err)
			}
			if !changed {
				return nil
			}
			return attrs.Put([]byte(record.SysStudyInfo), []byte(out))
		})
		if err != nil {
			return err
		}
		return meta.Put(kSchema, []byte(strconv.Itoa(SchemaVersion)))
	})
}

// create makes a new, fully initialised store at path atomically: it is built in a temporary file and
// hard-linked into place, so a crash never leaves a half-initialised store and an existing file is never replaced.
func create(path string) error {
	// Temporary files of creators that were killed before they linked theirs are garbage.
	if olds, err := filepath.Glob(globEscape(path) + ".init-*"); err == nil {
		for _, old := range olds {
			if pid, err := strconv.Atoi(old[len(path)+len(".init-"):]); err == nil && !processAlive(pid) {
				_ = os.Remove(old)
			}
		}
	}
	tmp := fmt.Sprintf("%s.init-%d", path, os.Getpid())
	_ = os.Remove(tmp)
	defer os.Remove(tmp)
	db, err := bbolt.Open(tmp, 0o644, &bbolt.Options{Timeout: time.Second, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucket(bMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(kFormat, []byte(store.FormatName)); err != nil {
			return err
		}
		if err := meta.Put(kSchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return err
		}
		for _, b := range [][]byte{bStudies, bStudyNames, bTrialIndex} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return err // ErrExist: another process created it first; we open theirs
	}
	return syncDir(path)
}

// globEscape quotes the glob metacharacters of a literal path.
func globEscape(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// syncDir fsyncs the directory holding path so a new directory entry is durable.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	serr := d.Sync()
	if cerr := d.Close(); serr == nil {
		serr = cerr
	}
	return serr
}

// Path returns the file the store was opened on.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// SnapshotTime returns when the state being read was committed (the snapshot's time, or that of
// the last feed frame applied to it), and false when reading the main file.
func (s *Store) SnapshotTime() (time.Time, bool) { return s.snapTime, !s.snapTime.IsZero() }

// Close stops the snapshot writer, removes a writer's sidecar files (snapshot, change feed, lock-info) and releases the file.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.db == nil {
			return
		}
		if s.stop != nil {
			close(s.stop)
			<-s.done
		}
		var errs []error
		if s.feed != nil {
			if err := s.feed.close(); err != nil {
				errs = append(errs, err)
			}
		}
		if !s.readOnly {
			// The snapshot only serves readers of a live study; after Close they read the file itself.
			if err := os.Remove(SnapshotPath(s.path)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
			if err := os.Remove(LockInfoPath(s.path)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		if err := s.db.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("store: close %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// markDirty asks the snapshot loop to write a fresh snapshot.
func (s *Store) markDirty() {
	if s.dirty == nil {
		return
	}
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// snapshotLoop writes a snapshot after writes, at most once per interval (longer for a large store), until Close.
func (s *Store) snapshotLoop() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case <-s.dirty:
		}
		// A failed snapshot only delays readers; the next write retries it.
		began := time.Now()
		_ = s.WriteSnapshot()
		// Spend at most about 5% of the time copying a large store for readers.
		select {
		case <-s.stop:
			return
		case <-time.After(max(s.interval, 20*time.Since(began))):
		}
	}
}

// WriteSnapshot writes a consistent copy of the store to SnapshotPath now, for readers of a live study.
func (s *Store) WriteSnapshot() error {
	if s.readOnly {
		return fmt.Errorf("store: snapshot %s: %w", s.path, store.ErrReadOnly)
	}
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	dst := SnapshotPath(s.path)
	tmp := dst + ".tmp"
	var base uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		base = uint64(tx.ID())
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := tx.WriteTo(f); err != nil {
			_ = f.Close()
			return err
		}
		return f.Close()
	})
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("store: snapshot %s: %w", dst, err)
	}
	if s.feed != nil {
		return s.feed.rotate(base)
	}
	return nil
}

// update runs fn in a durable read-write transaction and schedules a snapshot. A lone writer commits
// at once; while other writes are in flight, fn joins bbolt's Batch so that concurrent workers share
// one commit (and its fsyncs). fn must only read and write through tx and may be run more than once
// (bbolt reruns a batch without the call that failed, and reruns that call alone).
func (s *Store) update(fn func(tx *bbolt.Tx) error) error { return s.write(fn, true) }

// updateTrials is update for a transaction that writes trial records (with putTrial) and
// nothing else: the change feed carries them to readers of the snapshot.
func (s *Store) updateTrials(fn func(tx *bbolt.Tx) error) error { return s.write(fn, false) }

// write is update; barrier says that fn may write more than trial records.
func (s *Store) write(fn func(tx *bbolt.Tx) error, barrier bool) error {
	if s.readOnly {
		return fmt.Errorf("store: %s: %w", s.path, store.ErrReadOnly)
	}
	if s.feed != nil {
		inner := fn
		fn = func(tx *bbolt.Tx) error {
			s.feed.begin(tx, barrier)
			return inner(tx)
		}
	}
	var err error
	if s.inflight.Add(1) > 1 {
		err = s.db.Batch(fn)
	} else {
		err = guard(func() error { return s.db.Update(fn) })
	}
	s.inflight.Add(-1)
	if err == nil {
		s.markDirty()
	}
	return s.wrap(err)
}

// view runs fn in one read-only transaction.
func (s *Store) view(fn func(tx *bbolt.Tx) error) error {
	return s.wrap(guard(func() error { return s.db.View(fn) }))
}

// wrap adds the store's context to errors that lack it; goptuna's ErrTrialCannotBeUpdated stays bare because goptuna compares it with ==.
func (s *Store) wrap(err error) error {
	return store.WrapError(err, "store", s.path, berrors.ErrDatabaseNotOpen)
}

// Schema returns the layout version of the open file (SchemaVersion once a writer has opened it).
func (s *Store) Schema() string {
	var v string
	_ = s.view(func(tx *bbolt.Tx) error {
		v = string(tx.Bucket(bMeta).Get(kSchema))
		return nil
	})
	return v
}
