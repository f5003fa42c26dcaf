package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/attnsearch/attnsearch/store"
)

// Compile-time check that *Store is a complete goptuna.Storage.
var _ goptuna.Storage = (*Store)(nil)

// DefaultRetryFor is how long a call keeps retrying after the connection is lost when Options.RetryFor is zero.
const DefaultRetryFor = 2 * time.Minute

// DefaultConnectTimeout bounds opening a store when Options.ConnectTimeout is zero and the URL
// sets no connect_timeout: a server that refuses connections, or a host that does not resolve or
// answer, fails Open within it.
const DefaultConnectTimeout = 5 * time.Second

// DefaultAttemptTimeout bounds one attempt of a call when Options.AttemptTimeout is zero.
const DefaultAttemptTimeout = 30 * time.Second

// DefaultMaxConns is the pool size when neither Options.MaxConns nor the URL's pool_max_conns is set.
const DefaultMaxConns = 8

var (
	// ErrUnavailable means the server could not be reached within the retry window.
	ErrUnavailable = errors.New("PostgreSQL server unavailable")
	// ErrAmbiguous means the connection was lost after a write was sent, and whether it was applied could not be settled.
	ErrAmbiguous = errors.New("connection lost after the write was sent; it may or may not have been applied")
)

// Compile-time check that *Store is a store.DB.
var _ store.DB = (*Store)(nil)

// Compile-time checks of the capabilities *Store declares.
var (
	_ store.Shared   = (*Store)(nil)
	_ store.Exporter = (*Store)(nil)
	_ store.Importer = (*Store)(nil)
)

// Compile-time check that Open is a store.Opener.
var _ store.Opener = Open

// Options tunes OpenWith.
type Options struct {
	// ReadOnly opens for reading: the schema is checked but never created (an empty database is
	// store.ErrNoStore) and every transaction is read-only.
	ReadOnly bool
	// MaxConns bounds the connection pool (0: the URL's pool_max_conns, else DefaultMaxConns).
	MaxConns int
	// RetryFor is how long a call retries, with backoff, after losing the server (0 means DefaultRetryFor; negative: no retries).
	RetryFor time.Duration
	// AttemptTimeout bounds one attempt of a call (0 means DefaultAttemptTimeout).
	AttemptTimeout time.Duration
	// Clock, when set, gives the times stored for starts, completions and heartbeats; nil uses the
	// server's clock, so that workers on machines whose clocks differ agree on staleness.
	Clock func() time.Time
	// ConnectTimeout bounds Open's first contact with the server, retries included (0: the URL's
	// connect_timeout, else DefaultConnectTimeout); later calls retry for RetryFor.
	ConnectTimeout time.Duration
	// OnRetry, when set, is told about each retry (for logs).
	OnRetry func(op string, attempt int, err error)
	// Hooks inject failures for crash-safety tests; leave them zero.
	Hooks store.Hooks
}

// Store is a goptuna.Storage on a PostgreSQL database; it is safe for concurrent use by many
// goroutines, and many processes on many machines may open the same database at once.
type Store struct {
	pool    *pgxpool.Pool
	display string // the URL without its password, for messages
	opts    Options
	ctx     context.Context // cancelled by Close: stops retries
	cancel  context.CancelFunc

	dists  store.DistCache
	cacheM sync.Mutex
	caches map[int]*studyCache

	countM  sync.Mutex
	counted map[int]*counted // by study ID: its leading finished trials' counts (see countTrials)
}

// Open is the store.Opener of postgres:// and postgresql:// URLs: OpenWith with the defaults.
func Open(ctx context.Context, rawURL string, opts store.OpenOptions) (store.DB, error) {
	s, err := OpenWith(ctx, rawURL, Options{ReadOnly: opts.ReadOnly})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// OpenWith connects to the database at rawURL (postgres:// or postgresql://, libpq's keywords and
// pgxpool's pool_* parameters accepted), creating or upgrading attnsearch's schema in it.
func OpenWith(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	display := Redact(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", display, redactErr(err, rawURL))
	}
	u, _ := url.Parse(rawURL)
	if opts.MaxConns > 0 {
		cfg.MaxConns = int32(opts.MaxConns)
	} else if u == nil || u.Query().Get("pool_max_conns") == "" {
		cfg.MaxConns = DefaultMaxConns
	}
	if opts.RetryFor == 0 {
		opts.RetryFor = DefaultRetryFor
	}
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = DefaultAttemptTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = cfg.ConnConfig.ConnectTimeout // the URL's connect_timeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 || cfg.ConnConfig.ConnectTimeout > opts.ConnectTimeout {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "attnsearch"
	if opts.ReadOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", display, redactErr(err, rawURL))
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Store{pool: pool, display: display, opts: opts, ctx: sctx, cancel: cancel, caches: map[int]*studyCache{}, counted: map[int]*counted{}}
	// The first contact fails fast: an unreachable server is an error within ConnectTimeout,
	// not after RetryFor.
	octx, ocancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer ocancel()
	err = s.retryFor(octx, "connect", opts.ConnectTimeout, func(ctx context.Context, _ bool) error { return pool.Ping(ctx) })
	if err != nil {
		s.Close()
		if octx.Err() != nil && ctx.Err() == nil && !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: no answer within %v: %w", ErrUnavailable, opts.ConnectTimeout, err)
		}
		return nil, fmt.Errorf("postgres: open %s: %w", display, redactErr(err, rawURL))
	}
	err = s.retry(ctx, "open", func(ctx context.Context, _ bool) error { return migrate(ctx, pool, opts.ReadOnly) })
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: open %s: %w", display, redactErr(err, rawURL))
	}
	return s, nil
}

// Redact returns rawURL with its password replaced by "xxxxx", for messages and logs.
func Redact(rawURL string) string {
	if !strings.Contains(rawURL, "://") {
		return rawURL // a file path
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactErr removes the URL's password from an error message, should a driver quote it.
func redactErr(err error, rawURL string) error {
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return err
	}
	var secrets []string
	if u.User != nil {
		if pw, has := u.User.Password(); has {
			secrets = append(secrets, pw)
		}
	}
	secrets = append(secrets, u.Query().Get("password"))
	msg := err.Error()
	for _, pw := range secrets {
		if pw != "" && strings.Contains(msg, pw) {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	if msg != err.Error() {
		return redacted{msg: msg, err: err}
	}
	return err
}

// redacted is an error whose message had a password removed; errors.Is and As still see the original.
type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }

// Location returns the URL the store was opened with, password removed (for messages).
func (s *Store) Location() string { return s.display }

// SnapshotTime reports false: readers of PostgreSQL read the live study, never a snapshot.
func (s *Store) SnapshotTime() (time.Time, bool) { return time.Time{}, false }

// Shared reports true: other processes, on other machines too, may work on the same studies at
// once, so a RUNNING trial belongs to a dead worker only once its heartbeat is older than a grace period.
func (s *Store) Shared() bool { return true }

// Close releases the connection pool and stops calls that are waiting to retry.
func (s *Store) Close() error {
	s.cancel()
	s.pool.Close()
	return nil
}

// Stat returns the pool's statistics (connections open, in use, waits).
func (s *Store) Stat() *pgxpool.Stat { return s.pool.Stat() }

// retry runs fn until it succeeds, fails for a reason other than a lost connection, or the retry
// window passes. fn is told whether an earlier attempt may have been applied (its write was sent
// and the connection was lost before the answer), so that it can find out before writing again.
func (s *Store) retry(ctx context.Context, op string, fn func(ctx context.Context, ambiguous bool) error) error {
	return s.retryFor(ctx, op, s.opts.RetryFor, fn)
}

// retryFor is retry with a retry window of its own (negative: no retries).
func (s *Store) retryFor(ctx context.Context, op string, window time.Duration, fn func(ctx context.Context, ambiguous bool) error) error {
	if s.ctx.Err() != nil {
		return store.ErrClosed
	}
	start := time.Now()
	backoff := 50 * time.Millisecond
	ambiguous := false
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, s.opts.AttemptTimeout)
		stop := context.AfterFunc(s.ctx, cancel)
		err := fn(actx, ambiguous)
		stop()
		cancel()
		if err == nil {
			return nil
		}
		if s.ctx.Err() != nil {
			return store.ErrClosed
		}
		if ctx.Err() != nil || !transient(err) {
			return err
		}
		if !pgconn.SafeToRetry(err) && !serverAborted(err) {
			ambiguous = true
		}
		if window < 0 || time.Since(start)+backoff > window {
			return fmt.Errorf("%w: %s: gave up after %d attempts in %v: %w", ErrUnavailable, op, attempt, time.Since(start).Round(time.Millisecond), err)
		}
		if s.opts.OnRetry != nil && op != "connect" { // Open's first contact reports once, at the end
			s.opts.OnRetry(op, attempt, err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		case <-s.ctx.Done():
			t.Stop()
			return store.ErrClosed
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// serverAborted reports whether the server answered with an error, so that the transaction was
// rolled back and nothing of it was applied.
func serverAborted(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}

// transient reports whether err is a lost or refused connection, a server shutting down or
// starting, or a transaction the server aborted for a conflict: cases where trying again can succeed.
func transient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || // connection exception
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || // admin/crash shutdown, cannot connect now
			pe.Code == "40001" || pe.Code == "40P01" || // serialization failure, deadlock
			pe.Code == "53300" // too many connections
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ENOENT) // a unix socket gone while the server restarts
}

// token returns a fresh random request token, stored with a row a call creates or claims so that
// a retry after a lost answer can find out whether the first attempt was applied.
func token() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

// runMarked is run for a call that stores, or claims, one row of table marked with a fresh token
// (see token), which it hands to do: an attempt after one whose outcome is unknown first looks for
// the row the earlier attempt stored, and when there is one it scans the row's ID into id and ends
// the call without calling do again (found: true).
func (s *Store) runMarked(op, table string, id *int, do func(ctx context.Context, tok []byte) error) (found bool, err error) {
	tok := token()
	err = s.run(op, func(ctx context.Context, ambiguous bool) error {
		if ambiguous {
			err := s.pool.QueryRow(ctx, `SELECT id FROM `+table+` WHERE op_token = $1`, tok).Scan(id)
			if err == nil {
				found = true
				return nil
			}
			if !errNoRows(err) {
				return err
			}
		}
		return do(ctx, tok)
	})
	return found, err
}

// bg is the context of a goptuna.Storage call, which takes none: the store's own.
func (s *Store) bg() context.Context { return s.ctx }

// nowArg is the time argument of a write: nil to use the server's clock, else Options.Clock's time in nanoseconds.
func (s *Store) nowArg() any {
	if s.opts.Clock == nil {
		return nil
	}
	ns := s.opts.Clock().UnixNano()
	return &ns
}

// wrap adds the store's context to an error; goptuna's ErrTrialCannotBeUpdated stays bare because goptuna compares it with ==.
func (s *Store) wrap(err error) error {
	return store.WrapError(err, "postgres", s.display, store.ErrClosed)
}

// run is retry on the store's context with errors wrapped.
func (s *Store) run(op string, fn func(ctx context.Context, ambiguous bool) error) error {
	return s.wrap(s.retry(s.bg(), op, fn))
}

// readRow runs (as run does) the query sql of one row and scans the row into dest; no row is the
// error missing returns (the study or trial asked for does not exist).
func (s *Store) readRow(op string, missing func() error, sql string, args []any, dest ...any) error {
	return s.run(op, func(ctx context.Context, _ bool) error {
		err := s.pool.QueryRow(ctx, sql, args...).Scan(dest...)
		if errNoRows(err) {
			return missing()
		}
		return err
	})
}

// rowInt is readRow of a query whose one row is one integer: the integer, or -1 and the error.
func (s *Store) rowInt(op string, missing func() error, sql string, args ...any) (int, error) {
	v := -1
	if err := s.readRow(op, missing, sql, args, &v); err != nil {
		return -1, err
	}
	return v, nil
}

// inTx runs fn in one transaction (committed when fn returns nil).
func (s *Store) inTx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, opts, fn)
}
