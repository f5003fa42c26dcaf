package storetest

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"testing"

	"github.com/attnsearch/attnsearch/store"
)

// blobsCapability checks store.Blobs when the storage declares it: a missing blob is
// store.ErrNoBlob (and fs.ErrNotExist), a blob of checkpoint size comes back byte for byte, a put
// replaces, names are apart, a second handle reads what the first wrote, a damaged blob
// (Backend.DamageBlob) is store.ErrDamagedBlob until put again, and an unknown or deleted
// study is goptuna.ErrInvalidStudyID.
func blobsCapability(t *testing.T, b Backend) {
	s, blobs := openDeclaring[store.Blobs](t, b, "blobs")
	if b.DamageBlob == nil {
		t.Fatal("Backend.DamageBlob is nil: the suite cannot check that a damaged blob is refused")
	}
	study, err := s.CreateNewStudy("blobs")
	must(t, err)
	if _, err := blobs.GetBlob(study, "ckpt"); !errors.Is(err, store.ErrNoBlob) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("GetBlob of a blob never put: %v, want store.ErrNoBlob", err)
	}
	rng := rand.New(rand.NewPCG(21, 0))
	big := make([]byte, 20<<20) // a d_model-256 SuperTransformer's weights and Adam moments are tens of MB
	for i := range big {
		big[i] = byte(rng.UintN(256))
	}
	small := []byte("second version")
	for _, data := range [][]byte{big, small, {}, big} {
		must(t, blobs.PutBlob(study, "ckpt", data))
		got, err := blobs.GetBlob(study, "ckpt")
		must(t, err)
		if !bytes.Equal(got, data) {
			t.Fatalf("GetBlob returned %d bytes that differ from the %d put", len(got), len(data))
		}
	}
	must(t, blobs.PutBlob(study, "other", small))
	if got, err := blobs.GetBlob(study, "ckpt"); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("putting blob other changed blob ckpt (%v)", err)
	}
	if other, err := b.Again(t, s); err == nil {
		id, err := other.GetStudyIDFromName("blobs")
		must(t, err)
		if got, err := other.(store.Blobs).GetBlob(id, "other"); err != nil || !bytes.Equal(got, small) {
			t.Fatalf("a second handle reads blob other as %q (%v), want %q", got, err, small)
		}
	}
	b.DamageBlob(t, s, study, "ckpt")
	if _, err := blobs.GetBlob(study, "ckpt"); !errors.Is(err, store.ErrDamagedBlob) {
		t.Fatalf("GetBlob of a damaged blob: %v, want store.ErrDamagedBlob", err)
	}
	must(t, blobs.PutBlob(study, "ckpt", small))
	if got, err := blobs.GetBlob(study, "ckpt"); err != nil || !bytes.Equal(got, small) {
		t.Fatalf("a damaged blob put again reads %q (%v), want %q", got, err, small)
	}
	for _, id := range []int{study + 1000} {
		if err := blobs.PutBlob(id, "ckpt", small); errClass(err) != "invalid-study" {
			t.Fatalf("PutBlob of an unknown study: %v, want goptuna.ErrInvalidStudyID", err)
		}
	}
	must(t, s.DeleteStudy(study))
	again, err := s.CreateNewStudy("blobs")
	must(t, err)
	if _, err := blobs.GetBlob(study, "ckpt"); errClass(err) != "invalid-study" {
		t.Fatalf("GetBlob of a deleted study: %v, want goptuna.ErrInvalidStudyID", err)
	}
	if _, err := blobs.GetBlob(again, "ckpt"); !errors.Is(err, store.ErrNoBlob) {
		t.Fatalf("a new study of a deleted one's name has a blob (%v)", err)
	}
}

// studyLockCapability checks store.StudyLocker when the storage declares it: while one handle
// holds a study, a second handle (as another process) gets store.ErrStudyBusy for it and may hold
// another study; once released, the second handle takes it.
func studyLockCapability(t *testing.T, b Backend) {
	s, locker := openDeclaring[store.StudyLocker](t, b, "study locks")
	one, err := s.CreateNewStudy("one")
	must(t, err)
	two, err := s.CreateNewStudy("two")
	must(t, err)
	held, release, err := locker.LockStudy(one)
	must(t, err)
	defer release()
	must(t, held())
	if _, _, err := locker.LockStudy(one); !errors.Is(err, store.ErrStudyBusy) {
		t.Fatalf("a second lock of a held study through the same handle: %v, want store.ErrStudyBusy", err)
	}
	other, err := b.Again(t, s)
	if err != nil {
		t.Fatalf("the storage holds studies for one process but admits no second one: %v", err)
	}
	olock := other.(store.StudyLocker)
	if _, _, err := olock.LockStudy(one); !errors.Is(err, store.ErrStudyBusy) {
		t.Fatalf("another handle locks a held study: %v, want store.ErrStudyBusy", err)
	}
	_, orelease, err := olock.LockStudy(two)
	must(t, err)
	must(t, orelease())
	must(t, release())
	if err := held(); err == nil {
		t.Fatal("held reports a released lock as held")
	}
	oheld, orelease, err := olock.LockStudy(one)
	must(t, err)
	must(t, oheld())
	must(t, orelease())
}
