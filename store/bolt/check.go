package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"

	"github.com/attnsearch/attnsearch/store"
)

// bbolt's on-disk constants (go.etcd.io/bbolt/internal/common): the magic and format version of
// its meta pages, the page header's size, and where in a meta page each field sits.
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	boltPageHeader  = 16 // page id, flags, count, overflow
	boltMetaSize    = 64 // magic … checksum
	boltMetaSumSize = 56 // the bytes the checksum covers
	boltFreelistNil = ^uint64(0)
)

// boltMeta is the part of a bbolt meta page the file check needs.
type boltMeta struct {
	pageSize        uint32
	root, freelist  uint64
	highWater, txid uint64 // pgid: pages in use; the meta's transaction
}

// metaAt decodes and validates the meta page at off in f; it says why when it is not valid.
func metaAt(f *os.File, off int64) (boltMeta, error) {
	buf := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := f.ReadAt(buf, off); err != nil {
		if errors.Is(err, io.EOF) {
			return boltMeta{}, errors.New("file ends inside it")
		}
		return boltMeta{}, err
	}
	m := buf[boltPageHeader:]
	le := binary.NativeEndian // bbolt writes its pages in the machine's byte order
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("no bbolt magic number")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt format version %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:boltMetaSumSize])
	if h.Sum64() != le.Uint64(m[boltMetaSumSize:]) {
		return boltMeta{}, errors.New("checksum mismatch")
	}
	return boltMeta{
		pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		highWater: le.Uint64(m[40:]), txid: le.Uint64(m[48:]),
	}, nil
}

// checkBoltFile refuses, before bbolt maps it, a file bbolt would misread or crash on (bbolt
// trusts its meta pages and dies of SIGBUS on a page past the end of a truncated file): it needs
// a valid meta page (magic, version, checksum) whose page size is sane and whose pages all lie
// inside the file. A file that is not bbolt at all says "not a bbolt file".
func checkBoltFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	m0, err0 := metaAt(f, 0)
	// The second meta page sits one page further; its page size is unknown when the first is damaged.
	var m1 boltMeta
	err1 := errors.New("not found")
	sizes := []uint32{}
	if err0 == nil {
		sizes = append(sizes, m0.pageSize)
	}
	sizes = append(sizes, uint32(os.Getpagesize()), 4096, 8192, 16384, 32768, 65536)
	for _, ps := range sizes {
		if ps == 0 {
			continue
		}
		if m, err := metaAt(f, int64(ps)); err == nil && m.pageSize == ps {
			m1, err1 = m, nil
			break
		}
	}
	if err0 != nil && err1 != nil {
		if size < boltPageHeader+boltMetaSize {
			return fmt.Errorf("%w: not a bbolt file: %d bytes, shorter than a bbolt header", store.ErrNotStore, size)
		}
		return fmt.Errorf("%w: not a bbolt file, or one damaged beyond use: first meta page: %v; second: %v", store.ErrNotStore, err0, err1)
	}
	// bbolt uses the valid meta of the latest transaction.
	m := m0
	if err0 != nil || (err1 == nil && m1.txid > m0.txid) {
		m = m1
	}
	ps := uint64(m.pageSize)
	if ps < 1024 || ps > 1<<20 || ps&(ps-1) != 0 {
		return fmt.Errorf("%w: damaged bbolt file: page size %d", store.ErrNotStore, ps)
	}
	if m.highWater < 2 || m.root >= m.highWater || (m.freelist != boltFreelistNil && m.freelist >= m.highWater) {
		return fmt.Errorf("%w: damaged bbolt file: meta page points outside the file's %d pages (root %d, freelist %d)", store.ErrNotStore, m.highWater, m.root, m.freelist)
	}
	if need := m.highWater * ps; uint64(size) < need {
		return fmt.Errorf("%w: truncated bbolt file: %d bytes, its meta page says %d pages of %d bytes (%d bytes)", store.ErrNotStore, size, m.highWater, ps, need)
	}
	return nil
}

// guard runs fn, turning a panic or a memory fault inside bbolt (a damaged page that passed the
// file check) into an error instead of a crash.
func guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: damaged bbolt file: %v", store.ErrNotStore, r)
		}
	}()
	return fn()
}
