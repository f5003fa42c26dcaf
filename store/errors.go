package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/c-bata/goptuna"
)

// FormatName is the value of the format key that marks an attnsearch store.
const FormatName = "attnsearch-store"

// ExportVersion is the version of the export format (ParseExport also reads version 1).
const ExportVersion = 2

var (
	// ErrNotStore means the file is not an attnsearch store.
	ErrNotStore = errors.New("not an attnsearch store")
	// ErrSchema means the file is an attnsearch store of another schema version.
	ErrSchema = errors.New("unsupported store schema version")
	// ErrReadOnly means a write was attempted on a store opened read-only.
	ErrReadOnly = errors.New("store is open read-only")
	// ErrStudyNotFound means no study has the given name.
	ErrStudyNotFound = errors.New("study not found")
	// ErrStudyExists means a study with the given name already exists.
	ErrStudyExists = errors.New("study already exists")
	// ErrDuplicateStep means the trial already has an intermediate value for the step.
	ErrDuplicateStep = errors.New("intermediate value for this step already exists")
	// ErrParamNotFound means the trial has no parameter of the given name.
	ErrParamNotFound = errors.New("param does not exist")
	// ErrClosed means the store was used after Close.
	ErrClosed = errors.New("store is closed")
)

// WrapError adds a back end's context to err: its prefix (its package's, as "postgres") and
// where it stores (a file or server), unless err has the prefix already; an error that is
// closed (the back end's own "closed" error) becomes ErrClosed. goptuna's ErrTrialCannotBeUpdated
// stays bare, because goptuna compares it with ==.
func WrapError(err error, prefix, where string, closed error) error {
	switch {
	case err == nil || err == goptuna.ErrTrialCannotBeUpdated:
		return err
	case errors.Is(err, closed):
		return fmt.Errorf("%s: %s: %w", prefix, where, ErrClosed)
	case strings.HasPrefix(err.Error(), prefix+": "):
		return err
	}
	return fmt.Errorf("%s: %s: %w", prefix, where, err)
}
