package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/postgres"
)

// storages returns the store schemes --db accepts: a path or file:// (bbolt), plus one
// registration line per further storage: postgres:// and postgresql:// (PostgreSQL, for studies
// shared by workers on many machines).
func storages() *store.Schemes {
	s := store.NewSchemes()
	s.Register("postgres", postgres.Open)
	s.Register("postgresql", postgres.Open)
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
	return storages().Open(ctx, location, opts)
}
