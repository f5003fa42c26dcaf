package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
)

// storeConfig is how the commands open PostgreSQL stores: the root command's --connect-timeout,
// and where each retry after a lost connection is logged. It travels in the command's context.
type storeConfig struct {
	connectTimeout time.Duration
	log            io.Writer
}

// storeConfigKey is the context key of the storeConfig.
type storeConfigKey struct{}

// withStoreConfig returns ctx carrying cfg.
func withStoreConfig(ctx context.Context, cfg storeConfig) context.Context {
	return context.WithValue(ctx, storeConfigKey{}, cfg)
}

// storages returns the store schemes --db accepts: a path or file:// (bbolt), plus one
// registration line per further storage: postgres:// and postgresql:// (PostgreSQL, for studies
// shared by workers on many machines), opened with cfg's connect timeout and retry log.
func storages(cfg storeConfig) *store.Schemes {
	pg := func(ctx context.Context, url string, opts store.OpenOptions) (store.DB, error) {
		o := postgres.Options{ReadOnly: opts.ReadOnly, ConnectTimeout: cfg.connectTimeout}
		if cfg.log != nil {
			o.OnRetry = func(op string, attempt int, err error) {
				fmt.Fprintf(cfg.log, "%s store: %s: connection lost (%v); retry %d, for up to %v\n",
					time.Now().Format(time.RFC3339), op, err, attempt, postgres.DefaultRetryFor)
			}
		}
		st, err := postgres.OpenWith(ctx, url, o)
		if errors.Is(err, postgres.ErrUnavailable) {
			return nil, fmt.Errorf("%w\n  (no PostgreSQL server answered within --connect-timeout %v: is it running, are host and port right?)", err, o.ConnectTimeout)
		}
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	s := store.NewSchemes()
	s.Register("", bolt.OpenURL)
	s.Register("file", bolt.OpenURL)
	s.Register("postgres", pg)
	s.Register("postgresql", pg)
	return s
}

// inputOrRuntime marks err as an input error (exit code 2) when it is one: a space file error
// (such as a budget no point can meet), a file that is not a store of a version this build reads,
// or a missing store.
func inputOrRuntime(err error) error {
	var se *space.Error
	if errors.As(err, &se) || errors.Is(err, store.ErrNotStore) || errors.Is(err, store.ErrSchema) || errors.Is(err, store.ErrNoStore) {
		return inputErr(err)
	}
	return err
}

// openStore opens the store at location. A location that is a file path (or file:// URL) is
// checked first, so that the message names the path: a directory, or a missing parent directory
// of a store to create, is an input error.
func openStore(ctx context.Context, location string, opts store.OpenOptions) (store.DB, error) {
	path, isFile := location, !strings.Contains(location, "://")
	if strings.HasPrefix(strings.ToLower(location), "file://") {
		path, isFile = location[len("file://"):], true
	}
	if isFile {
		if path == "" {
			return nil, inputErr(errors.New("--db is empty: want a store file or a postgres:// URL"))
		}
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			return nil, inputErr(fmt.Errorf("store %s is a directory; --db wants a store file, such as %s", path, filepath.Join(path, defaultDB)))
		}
		if dir := filepath.Dir(path); !opts.ReadOnly {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, inputErr(fmt.Errorf("store %s: directory %s does not exist (create it first: mkdir -p %s)", path, dir, dir))
			}
		}
	}
	cfg, _ := ctx.Value(storeConfigKey{}).(storeConfig)
	return storages(cfg).Open(ctx, location, opts)
}
