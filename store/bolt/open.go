package bolt

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/attnsearch/attnsearch/store"
)

// Compile-time checks: *Store is a store.DB with the capabilities it declares.
var (
	_ store.DB       = (*Store)(nil)
	_ store.Shared   = (*Store)(nil)
	_ store.Exporter = (*Store)(nil)
	_ store.Importer = (*Store)(nil)
)

// OpenURL is the store.Opener of bbolt stores: location is a path or a file:// URL. Register it
// for the schemes "" (a plain path) and "file".
func OpenURL(_ context.Context, location string, opts store.OpenOptions) (store.DB, error) {
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
			return nil, fmt.Errorf("store %s: %w", path, store.ErrNoStore)
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

// Shared reports false: one process holds a bbolt file for writing, so every RUNNING trial a
// writer finds when it opens the file belongs to a dead process.
func (s *Store) Shared() bool { return false }
