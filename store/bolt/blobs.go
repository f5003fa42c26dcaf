package bolt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"go.etcd.io/bbolt"

	"github.com/attnsearch/attnsearch/store"
)

var _ store.Blobs = (*Store)(nil)

// A bbolt store keeps its blobs (store.Blobs) in files beside the store file rather than in it:
// a SuperTransformer checkpoint is tens of MB, rewritten every minute, which inside the file
// would grow it by twice the blob (bbolt reuses freed pages only after the transaction), copy it
// into every snapshot for readers, and hold the single writer for the whole write while the
// trials' writes wait. A file of its own is written aside, synced and renamed over the old one.

// blobMagic opens every blob file, followed by the SHA-256 of the data and the data.
const blobMagic = "attnsearch-blob-1\n"

// blobName is what a blob's name may be: it becomes part of a file name.
var blobName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// BlobPath is the file holding studyID's blob name beside the store file at path.
func BlobPath(path string, studyID int, name string) string {
	return path + "." + name + "-" + strconv.Itoa(studyID) + ".blob"
}

// blobPath checks the study and the name and returns the blob's file.
func (s *Store) blobPath(studyID int, name string) (string, error) {
	if !blobName.MatchString(name) {
		return "", fmt.Errorf("store: blob name %q: want lower-case letters, digits, '-' and '_'", name)
	}
	err := s.view(func(tx *bbolt.Tx) error {
		_, err := studyBucket(tx, studyID)
		return err
	})
	return BlobPath(s.path, studyID, name), err
}

// PutBlob stores data as studyID's blob name (store.Blobs): a temporary file beside the store,
// synced, renamed over the blob's file, the directory synced.
func (s *Store) PutBlob(studyID int, name string, data []byte) (err error) {
	if s.readOnly {
		return fmt.Errorf("store: %s: %w", s.path, store.ErrReadOnly)
	}
	path, err := s.blobPath(studyID, name)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("store: blob %s: %w", path, err)
		}
	}()
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // gone after the rename; removes a partial file on error
	_, err = f.WriteString(blobMagic)
	if err == nil {
		_, err = f.Write(store.BlobSum(data))
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err == nil {
		err = syncDir(path)
	}
	return err
}

// GetBlob returns studyID's blob name (store.Blobs), checked against its SHA-256.
func (s *Store) GetBlob(studyID int, name string) ([]byte, error) {
	path, err := s.blobPath(studyID, name)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("store: study %d, blob %s: %w", studyID, name, store.ErrNoBlob)
	}
	if err != nil {
		return nil, fmt.Errorf("store: blob %s: %w", path, err)
	}
	const head = len(blobMagic) + 32
	if len(raw) < head || string(raw[:len(blobMagic)]) != blobMagic {
		return nil, fmt.Errorf("store: blob %s: not a blob file: %w", path, store.ErrDamagedBlob)
	}
	return store.CheckBlob(raw[head:], raw[len(blobMagic):head], "store: blob "+path)
}

// removeBlobs removes the blob files of a deleted study.
func (s *Store) removeBlobs(studyID int) error {
	files, err := filepath.Glob(globEscape(s.path) + ".*-" + strconv.Itoa(studyID) + ".blob")
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: delete study %d: %w", studyID, err)
		}
	}
	return nil
}
