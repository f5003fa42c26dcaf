package main

import (
	"errors"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
)

// storages returns the store schemes --db accepts, one registration line per scheme: a path or
// file:// (bbolt), postgres:// and postgresql:// (PostgreSQL, for studies shared by workers on
// many machines).
func storages() *store.Schemes {
	s := store.NewSchemes()
	s.Register("", bolt.OpenURL)
	s.Register("file", bolt.OpenURL)
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
