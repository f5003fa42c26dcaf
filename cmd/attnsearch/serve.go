package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/reports/serve"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
)

// Compile-time check that every store opened by URL is something the page can read.
var _ serve.Source = store.DB(nil)

// newServeCmd builds `attnsearch serve`.
func newServeCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		db, addr, token string
		poll            time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve [--db STORE] [--addr 127.0.0.1:8080] [--token T]",
		Short: "Serve a live web page of the store's studies",
		Long: `Serve runs a web page of the store's studies: the studies; a study (trials table sortable and
filterable by state, the front with a choice of axes, hypervolume over time, history, per-epoch
curves with pruned trials, parallel coordinates, parameter importances); a trial (config, every
figure, its curve, a command trial's log and stderr). A page updates itself when a trial changes
(server-sent events), also while 'attnsearch run' writes the store: a bbolt store is read through
the snapshot and change feed its writer keeps, PostgreSQL directly. The store is only read, never written.

It listens on loopback (127.0.0.1:8080) by default. Any other address needs --token: every
request must then carry it (Authorization: Bearer TOKEN, or ?token=TOKEN once in the browser,
which sets a cookie). Stop it with Ctrl-C.`,
		Example: `  attnsearch serve --db mt.db
  attnsearch serve --db postgres://user:pass@db:5432/studies --addr 0.0.0.0:8080 --token "$(openssl rand -hex 16)"`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return serveStore(c.Context(), db, addr, token, poll, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, dbUsage)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port); other than loopback it needs --token")
	cmd.Flags().StringVar(&token, "token", "", "bearer token every request must carry (required off loopback)")
	cmd.Flags().DurationVar(&poll, "poll", serve.DefaultPoll, "least time between two reads of the store while a page is open")
	return cmd
}

// loopback reports whether addr's host is a loopback address (or names only loopback addresses).
func loopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if host == "" {
		return false, nil // every interface
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback(), nil
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return false, nil
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false, nil
		}
	}
	return true, nil
}

// boltStamp returns the serve.Options.Stamp of a bbolt store at location (nil for other
// storages): the file, its writer's snapshot and change feed (serve.FileStamp).
func boltStamp(location string) func() string {
	if strings.Contains(location, "://") && !strings.HasPrefix(strings.ToLower(location), "file://") {
		return nil
	}
	path := strings.TrimPrefix(location, "file://")
	return serve.FileStamp(path, bolt.SnapshotPath(path), bolt.FeedPath(path))
}

// serveStore serves the page of the store at db on addr until interrupted.
func serveStore(ctx context.Context, db, addr, token string, poll time.Duration, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	lo, err := loopback(addr)
	if err != nil {
		return inputErr(fmt.Errorf("serve: --addr %q: %w", addr, err))
	}
	if !lo && token == "" {
		return inputErr(fmt.Errorf("serve: --addr %s is not loopback: give --token so that only those who have it can read the studies", addr))
	}
	st, err := openRead(ctx, db) // check the store once, so that a wrong --db fails now
	if err != nil {
		return err
	}
	location := st.Location()
	if err := st.Close(); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	open := func(ctx context.Context) (serve.Source, error) {
		return openStore(ctx, db, store.OpenOptions{ReadOnly: true, LockTimeout: time.Second})
	}
	h, err := serve.New(serve.Options{Open: open, Location: location, Token: token, Poll: poll, Stamp: boltStamp(db)})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		h.Close()
		return inputErr(fmt.Errorf("serve: listen on %s: %w", addr, err))
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "serving %s on http://%s/\n", location, ln.Addr())
	if token != "" {
		fmt.Fprintf(stderr, "serve: listening on %s; every request needs the token (Authorization: Bearer TOKEN, or open http://%s/?token=TOKEN)\n", ln.Addr(), ln.Addr())
	} else {
		fmt.Fprintf(stderr, "serve: listening on loopback %s only, without a token\n", ln.Addr())
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go h.Warm(ctx) // read and draw every study now, so that its first page is served from memory
	select {
	case <-ctx.Done():
	case err := <-errc:
		h.Close()
		return fmt.Errorf("serve: %w", err)
	}
	h.Close() // ends the event streams, so that Shutdown does not wait for them
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: shut down: %w", err)
	}
	fmt.Fprintln(stderr, "serve: stopped")
	return nil
}
