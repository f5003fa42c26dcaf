package store

import (
	"errors"
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
