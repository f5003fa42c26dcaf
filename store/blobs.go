package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
)

// The capabilities of the supernet strategy: a study's checkpoint kept in the store (Blobs), and a
// shared store's study held by one process (StudyLocker).

var (
	// ErrNoBlob means the study has no blob of that name (it wraps fs.ErrNotExist).
	ErrNoBlob = fmt.Errorf("no such blob: %w", fs.ErrNotExist)
	// ErrDamagedBlob means a stored blob does not match its checksum.
	ErrDamagedBlob = errors.New("damaged blob: checksum mismatch")
	// ErrStudyBusy means another process holds the study (StudyLocker).
	ErrStudyBusy = errors.New("the study is held by another process")
)

// Blobs is a storage that keeps named blobs per study, such as the supernet strategy's
// SuperTransformer checkpoint (tens of MB): PutBlob replaces a blob atomically (a reader, or a
// process killed in the middle, sees the old blob or the new one, never a mix), stored with its
// SHA-256, which GetBlob checks. A blob goes with its study when the study is deleted; the export
// format does not carry blobs. store/storetest checks it, damaged blobs included.
type Blobs interface {
	// PutBlob stores data as studyID's blob name, replacing the one stored before.
	PutBlob(studyID int, name string, data []byte) error
	// GetBlob returns studyID's blob name: ErrNoBlob when there is none, ErrDamagedBlob when its
	// bytes do not match their checksum.
	GetBlob(studyID int, name string) ([]byte, error)
}

// StudyLocker is a shared storage that lets one process hold a study alone (the supernet strategy
// runs a study in one process): LockStudy takes the study for this handle until release is called
// or the process dies (its connection closes), and returns ErrStudyBusy at once while another
// handle holds it. A storage held by one process (not Shared) needs no StudyLocker: its file lock
// already keeps every other process out. held reports, at any time, whether the lock is still
// held (nil) or was lost (a lost connection releases it).
type StudyLocker interface {
	LockStudy(studyID int) (held func() error, release func() error, err error)
}

// BlobSum is the checksum stored with a blob.
func BlobSum(data []byte) []byte {
	s := sha256.Sum256(data)
	return s[:]
}

// CheckBlob returns data if it matches sum, else ErrDamagedBlob naming where it came from.
func CheckBlob(data, sum []byte, where string) ([]byte, error) {
	if !bytes.Equal(BlobSum(data), sum) {
		return nil, fmt.Errorf("%s: %w", where, ErrDamagedBlob)
	}
	return data, nil
}
