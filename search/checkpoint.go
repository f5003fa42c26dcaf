package search

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/trainer"
)

// checkpointBlob is the name of the SuperTransformer's checkpoint among a study's blobs.
const checkpointBlob = "supernet"

// checkpoint is where the supernet phases keep the SuperTransformer's state between runs: a file
// (Options.SupernetCheckpoint) or a blob of the study in its store (store.Blobs).
type checkpoint interface {
	// save writes s's state and meta, replacing the checkpoint before it atomically.
	save(s *trainer.SuperNet, meta map[string]string) error
	// load restores s from the checkpoint and returns its meta: an error wrapping fs.ErrNotExist
	// when there is none yet, trainer.ErrBadCheckpoint or store.ErrDamagedBlob when it is damaged.
	load(s *trainer.SuperNet) (map[string]string, error)
	// where names the checkpoint for messages.
	where() string
}

// fileCheckpoint is a checkpoint file the trainer writes and reads itself.
type fileCheckpoint string

func (f fileCheckpoint) save(s *trainer.SuperNet, meta map[string]string) error {
	return s.Save(string(f), meta)
}

func (f fileCheckpoint) load(s *trainer.SuperNet) (map[string]string, error) {
	return s.Load(string(f))
}

func (f fileCheckpoint) where() string { return string(f) }

// blobCheckpoint is the study's checkpoint blob in its store. The trainer owns the checkpoint's
// format and writes files, so the blob passes through a temporary file; held, when set (a shared
// store), confirms before each write that this process still holds the study alone.
type blobCheckpoint struct {
	st      store.Blobs
	loc     string
	studyID int
	held    func() error
}

func (b blobCheckpoint) save(s *trainer.SuperNet, meta map[string]string) error {
	if b.held != nil {
		if err := b.held(); err != nil {
			return fmt.Errorf("search: supernet checkpoint not written: %w", err)
		}
	}
	return b.throughFile(func(path string) error {
		if err := s.Save(path, meta); err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return b.st.PutBlob(b.studyID, checkpointBlob, data)
	})
}

func (b blobCheckpoint) load(s *trainer.SuperNet) (meta map[string]string, err error) {
	data, err := b.st.GetBlob(b.studyID, checkpointBlob)
	if err != nil {
		return nil, fmt.Errorf("search: supernet checkpoint: %w", err)
	}
	err = b.throughFile(func(path string) error {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
		meta, err = s.Load(path)
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("%s: %w", b.where(), err)
	}
	return meta, err
}

func (b blobCheckpoint) where() string {
	return fmt.Sprintf("%s (study %d, blob %s)", b.loc, b.studyID, checkpointBlob)
}

// throughFile calls fn with the path of a file in a temporary directory removed afterwards.
func (b blobCheckpoint) throughFile(fn func(path string) error) error {
	dir, err := os.MkdirTemp("", "attnsearch-supernet-")
	if err != nil {
		return fmt.Errorf("search: supernet checkpoint: %w", err)
	}
	defer os.RemoveAll(dir)
	return fn(filepath.Join(dir, "checkpoint"))
}

// locationOf names st for messages: its Location, where it has one.
func locationOf(st Storage) string {
	if l, ok := st.(interface{ Location() string }); ok {
		return l.Location()
	}
	return "in use"
}

// openCheckpoint returns the supernet study's checkpoint and, in a store that other processes
// write too, holds the study for this process alone (store.StudyLocker) until release: a second
// process gets a clear error instead of training the same SuperTransformer and scoring the same
// study at once. Holding it, every RUNNING trial of the study is a dead process's, so recovery
// needs no grace period, and the study is run as a study of one process.
func (sr *superRun) openCheckpoint() (ck checkpoint, release func(), err error) {
	release = func() {}
	var held func() error
	if isShared(sr.st) {
		locker, ok := sr.st.(store.StudyLocker)
		if !ok {
			return nil, nil, fmt.Errorf("search: study.strategy supernet runs in one process, and the store %s cannot hold a study for one", locationOf(sr.st))
		}
		h, rel, err := locker.LockStudy(sr.study.ID)
		if errors.Is(err, store.ErrStudyBusy) {
			return nil, nil, fmt.Errorf("search: study %s is a supernet study, which runs in one process, and another process is running it (wait for it to end, or stop it and run again to resume): %w", sr.spec.Study.Name, err)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("search: hold study %s: %w", sr.spec.Study.Name, err)
		}
		held, release = h, func() { _ = rel() }
		sr.shared, sr.grace = false, 0
	}
	if sr.opts.SupernetCheckpoint != "" {
		return fileCheckpoint(sr.opts.SupernetCheckpoint), release, nil
	}
	blobs, ok := sr.st.(store.Blobs)
	if !ok {
		release()
		return nil, nil, fmt.Errorf("search: study.strategy supernet checkpoints its SuperTransformer in the store, and the store %s keeps no checkpoints", locationOf(sr.st))
	}
	return blobCheckpoint{st: blobs, loc: locationOf(sr.st), studyID: sr.study.ID, held: held}, release, nil
}
