package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable holding the URL of an existing server to test against.
const EnvURL = "ATTNSEARCH_TEST_PG"

// DefaultBinDir is where Debian's postgresql-15 package installs the server programs.
const DefaultBinDir = "/usr/lib/postgresql/15/bin"

// Options tunes Start.
type Options struct {
	// Own starts a private server even when EnvURL is set (for tests that stop and restart it).
	Own bool
	// Durable keeps fsync and synchronous commit on (benchmarks); tests run faster without.
	Durable bool
	// MaxConnections is the server's max_connections (0 means 200).
	MaxConnections int
}

// Server is a PostgreSQL server for tests; the zero value is not usable.
type Server struct {
	// URL connects to the server's "postgres" database as a superuser.
	URL string

	dir, bin, socketDir, runAs string
	own                        bool
	mu                         sync.Mutex
}

// Start returns the server named by EnvURL or, when it is unset (or opts.Own), starts a throwaway one.
func Start(opts Options) (*Server, error) {
	if u := os.Getenv(EnvURL); u != "" && !opts.Own {
		return &Server{URL: u}, nil
	}
	bin := os.Getenv("ATTNSEARCH_PG_BIN")
	if bin == "" {
		bin = DefaultBinDir
	}
	if _, err := os.Stat(filepath.Join(bin, "pg_ctl")); err != nil {
		return nil, fmt.Errorf("pgtest: no PostgreSQL server programs in %s (install postgresql-15, or set %s to a server URL): %w", bin, EnvURL, err)
	}
	dir, err := os.MkdirTemp("", "attnsearch-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, bin: bin, socketDir: dir, own: true}
	if os.Geteuid() == 0 {
		// The server refuses to run as root: the data directory belongs to user postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: running as root and there is no user postgres to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		s.runAs = "postgres"
	}
	data := filepath.Join(dir, "data")
	if out, err := s.cmd("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %v: %s", err, out)
	}
	maxConn := opts.MaxConnections
	if maxConn <= 0 {
		maxConn = 200
	}
	conf := fmt.Sprintf("listen_addresses = ''\nunix_socket_directories = '%s'\nmax_connections = %d\nshared_buffers = 64MB\n", dir, maxConn)
	if !opts.Durable {
		conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
	}
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(conf)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: write postgresql.conf: %w", err)
	}
	if err := s.StartServer(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.URL = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}, "sslmode": {"disable"}}.Encode()}).String()
	return s, nil
}

// cmd builds a command running one of the server programs as the server's user.
func (s *Server) cmd(prog string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, prog)
	if s.runAs != "" {
		return exec.Command("runuser", append([]string{"-u", s.runAs, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// Own reports whether this Server started the server process (and so can stop and restart it).
func (s *Server) Own() bool { return s.own }

// StartServer starts the (stopped) server process and waits until it accepts connections.
func (s *Server) StartServer() error {
	if !s.own {
		return errors.New("pgtest: the server of " + EnvURL + " is not ours to start")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	data := filepath.Join(s.dir, "data")
	out, err := s.cmd("pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(s.dir, "server.log")).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		return fmt.Errorf("pgtest: pg_ctl start: %v: %s\nserver log:\n%s", err, out, log)
	}
	return nil
}

// StopServer stops the server process (mode "fast" disconnects clients and shuts down cleanly, "immediate" aborts).
func (s *Server) StopServer(mode string) error {
	if !s.own {
		return errors.New("pgtest: the server of " + EnvURL + " is not ours to stop")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.cmd("pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", filepath.Join(s.dir, "data")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// Close stops a server this Server started and removes its directory; it does nothing for EnvURL's.
func (s *Server) Close() error {
	if s == nil || !s.own {
		return nil
	}
	err := s.StopServer("immediate")
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

// LogTail returns the end of the server's log (for failure messages), or "" for EnvURL's server.
func (s *Server) LogTail() string {
	if !s.own {
		return ""
	}
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// WithDatabase returns the server's URL with the database name replaced.
func (s *Server) WithDatabase(name string) (string, error) {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "", fmt.Errorf("pgtest: server URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// CreateDatabase creates a database with a fresh random name and returns its URL and name.
func (s *Server) CreateDatabase(ctx context.Context) (dbURL, name string, err error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	name = "attnsearch_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		return "", "", fmt.Errorf("pgtest: connect %s: %w", s.URL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "", fmt.Errorf("pgtest: create database: %w", err)
	}
	dbURL, err = s.WithDatabase(name)
	return dbURL, name, err
}

// DropDatabase drops a database made by CreateDatabase, disconnecting its clients.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		return fmt.Errorf("pgtest: connect %s: %w", s.URL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

// NewDatabase creates a fresh database for t, dropped when t ends, and returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u, name, err := s.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.DropDatabase(ctx, name); err != nil && s.own {
			t.Logf("%v", err)
		}
	})
	return u
}

// Shared starts one server lazily for a whole test binary and hands it to every caller.
type Shared struct {
	once sync.Once
	srv  *Server
	err  error
	opts Options
}

// NewShared returns a Shared that starts its server with opts on first use.
func NewShared(opts Options) *Shared { return &Shared{opts: opts} }

// Get returns the server, starting it on first use; without one it skips t (or fails it when CI is set).
func (sh *Shared) Get(t testing.TB) *Server {
	t.Helper()
	sh.once.Do(func() { sh.srv, sh.err = Start(sh.opts) })
	if sh.err != nil {
		Unavailable(t, sh.err)
	}
	return sh.srv
}

// Close stops the server if one was started (call it from TestMain after m.Run).
func (sh *Shared) Close() error {
	if sh.srv == nil {
		return nil
	}
	return sh.srv.Close()
}

// Main runs a test binary's tests, then closes the servers of shared (those started), and
// returns the exit code for os.Exit: the tests' own, or 1 when they passed and a close failed.
func Main(m *testing.M, shared ...*Shared) int {
	code := m.Run()
	for _, sh := range shared {
		if err := sh.Close(); err != nil && code == 0 {
			code = 1
		}
	}
	return code
}

// Unavailable skips t because no server could be had, or fails it when the environment variable CI is set.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("no PostgreSQL server for this test (CI is set, so this fails instead of skipping): %v", err)
	}
	t.Skipf("no PostgreSQL server for this test: %v", strings.TrimSpace(err.Error()))
}
