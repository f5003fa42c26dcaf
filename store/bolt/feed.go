package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"slices"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// The change feed: what a writer appends to PATH.feed after every commit so that a reader of
// its snapshot sees the trials committed since the snapshot was written, without the writer
// copying the whole file again (see doc.go, "Files next to the store").
//
// File layout: a header (feedMagic, the base transaction ID as 8 bytes big-endian, a CRC-32C
// of those 24 bytes), then frames. A frame is its payload's length (4 bytes) and CRC-32C
// (4 bytes), then the payload: the transaction ID (8 bytes), flags (1 byte, feedBarrier), the
// commit time (Unix nanoseconds, 8 bytes), the number of records (uvarint) and per record the
// trial's study ID, number and ID (uvarints) and its record as stored (uvarint length, bytes).
// A frame holds every trial record its transaction wrote, as committed. The base is the ID of
// the read transaction the snapshot copied; frames are appended in no particular order of ID
// (bbolt runs commit handlers after it releases the writer lock).

// feedMagic opens every feed file.
var feedMagic = []byte("attnsearch-feed1")

// feedHeaderLen is the length of the header.
const feedHeaderLen = 16 + 8 + 4

// feedBarrier marks a frame whose transaction wrote more than trial records (a study, its
// attributes, a deletion): a reader applies no frame from it on and waits for the next snapshot.
const feedBarrier = 1

// maxKeptFrames bounds the frames a writer keeps in memory to start the next feed with.
const maxKeptFrames = 1 << 16

// crcTable is the Castagnoli table the feed's checksums use.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// FeedPath returns the path of the change feed a writer keeps beside its snapshot of the store at path.
func FeedPath(path string) string { return path + ".feed" }

// feedRec is one trial record of a frame.
type feedRec struct {
	studyID, number, id int
	rec                 []byte // encodeTrial's bytes, as put
}

// feedFrame is one committed transaction's trial records.
type feedFrame struct {
	txid    uint64
	barrier bool
	at      time.Time
	recs    []feedRec
}

// pendingTx collects what one read-write transaction writes until it commits.
type pendingTx struct {
	tx      *bbolt.Tx
	barrier bool
	recs    []feedRec
}

// feedWriter is a writer's side of the feed. Its file exists from the first snapshot on.
type feedWriter struct {
	path    string
	mu      sync.Mutex
	f       *os.File              // the open feed file; nil before the first snapshot or after a write error
	base    uint64                // the base of f
	frames  []feedFrame           // committed since the base, kept to start the next file with
	pending map[uint64]*pendingTx // by transaction ID
}

// newFeedWriter returns the feed of the store at path; a feed a former writer left is removed.
func newFeedWriter(path string) (*feedWriter, error) {
	if err := os.Remove(FeedPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale feed: %w", err)
	}
	return &feedWriter{path: FeedPath(path), pending: map[uint64]*pendingTx{}}, nil
}

// begin registers tx (once; bbolt's Batch runs several calls in one transaction, and a failed
// batch again in a new one with the same ID) so that its commit appends one frame.
func (w *feedWriter) begin(tx *bbolt.Tx, barrier bool) {
	id := uint64(tx.ID())
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pending[id]
	if p == nil || p.tx != tx {
		p = &pendingTx{tx: tx}
		w.pending[id] = p
		tx.OnCommit(func() { w.commit(id, tx) })
	}
	p.barrier = p.barrier || barrier
}

// note records that tx put rec, the encoded record of a trial.
func (w *feedWriter) note(tx *bbolt.Tx, studyID, number, id int, rec []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pending[uint64(tx.ID())]
	if p == nil || p.tx != tx {
		return // not begun: update always begins first
	}
	for i := range p.recs {
		if p.recs[i].studyID == studyID && p.recs[i].number == number {
			p.recs[i] = feedRec{studyID, number, id, rec}
			return
		}
	}
	p.recs = append(p.recs, feedRec{studyID, number, id, rec})
}

// commit turns the pending transaction id into a frame and appends it.
func (w *feedWriter) commit(id uint64, tx *bbolt.Tx) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pending[id]
	if p == nil || p.tx != tx {
		return
	}
	// Only this one: commit handlers run after bbolt released the writer lock, so the handler of
	// an earlier transaction may not have run yet (deleting its entry would lose its frame, a gap
	// where readers stop). A rolled-back transaction's entry is replaced when begin sees its ID
	// again with another transaction.
	delete(w.pending, id)
	// The wall clock, not Options.Clock: readers tell views apart by it (Store.SnapshotTime).
	fr := feedFrame{txid: id, barrier: p.barrier, at: time.Now(), recs: p.recs}
	if fr.barrier {
		fr.recs = nil
	}
	w.frames = append(w.frames, fr)
	if len(w.frames) > maxKeptFrames { // snapshots keep failing: a new feed will have a gap, where readers stop
		w.frames = slices.Delete(w.frames, 0, len(w.frames)/2)
	}
	if w.f != nil {
		if _, err := w.f.Write(fr.encode()); err != nil {
			w.drop() // readers keep what is there (a torn frame ends it) until the next snapshot
		}
	}
}

// drop closes the file after a failed write; the next rotation starts a new one.
func (w *feedWriter) drop() {
	_ = w.f.Close()
	w.f = nil
}

// rotate starts a feed for the snapshot of read transaction base, just renamed into place:
// a new file (written aside, then renamed) with the frames committed after base.
func (w *feedWriter) rotate(base uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.frames = slices.DeleteFunc(w.frames, func(f feedFrame) bool { return f.txid <= base })
	var buf bytes.Buffer
	buf.Write(feedHeader(base))
	for _, f := range w.frames {
		buf.Write(f.encode())
	}
	tmp := w.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		if _, err = f.Write(buf.Bytes()); err == nil {
			err = os.Rename(tmp, w.path)
		}
		if err != nil {
			_ = f.Close()
		}
	}
	if w.f != nil {
		w.drop()
	}
	if err != nil {
		_ = os.Remove(tmp)
		_ = os.Remove(w.path) // an old feed no longer matches the new snapshot; it would only be ignored
		return fmt.Errorf("store: feed %s: %w", w.path, err)
	}
	w.f, w.base = f, base
	return nil
}

// close closes the file and removes it.
func (w *feedWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		w.drop()
	}
	if err := os.Remove(w.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// feedHeader returns the header of a feed whose base is base.
func feedHeader(base uint64) []byte {
	b := append(slices.Clip(feedMagic), make([]byte, 8)...)
	binary.BigEndian.PutUint64(b[16:], base)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

// encode returns the frame as it goes into the file.
func (f feedFrame) encode() []byte {
	p := make([]byte, 8, 64)
	binary.BigEndian.PutUint64(p, f.txid)
	flags := byte(0)
	if f.barrier {
		flags = feedBarrier
	}
	p = append(p, flags)
	p = binary.BigEndian.AppendUint64(p, uint64(f.at.UnixNano()))
	p = binary.AppendUvarint(p, uint64(len(f.recs)))
	for _, r := range f.recs {
		p = binary.AppendUvarint(p, uint64(r.studyID))
		p = binary.AppendUvarint(p, uint64(r.number))
		p = binary.AppendUvarint(p, uint64(r.id))
		p = binary.AppendUvarint(p, uint64(len(r.rec)))
		p = append(p, r.rec...)
	}
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 8+len(p)), uint32(len(p)))
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(p, crcTable))
	return append(out, p...)
}

// decodeFrame parses a frame's payload; ok is false when it is malformed.
func decodeFrame(p []byte) (f feedFrame, ok bool) {
	if len(p) < 17 {
		return f, false
	}
	f.txid = binary.BigEndian.Uint64(p)
	f.barrier = p[8]&feedBarrier != 0
	f.at = time.Unix(0, int64(binary.BigEndian.Uint64(p[9:])))
	d := decoder{b: p[17:]}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		var r feedRec
		r.studyID, r.number, r.id = int(d.uvarint()), int(d.uvarint()), int(d.uvarint())
		r.rec = d.bytes()
		f.recs = append(f.recs, r)
	}
	return f, d.err == nil && len(d.b) == 0
}

// readFeed returns the frames of the feed file at path whose base is base, by transaction ID;
// nothing when the file is missing or belongs to another snapshot. Reading stops at the first
// frame that is incomplete or fails its checksum (a writer may be appending it).
func readFeed(path string, base uint64) map[uint64]feedFrame {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < feedHeaderLen || !bytes.Equal(b[:feedHeaderLen], feedHeader(base)) {
		return nil
	}
	out := map[uint64]feedFrame{}
	for b = b[feedHeaderLen:]; len(b) >= 8; {
		n := int(binary.BigEndian.Uint32(b))
		if n > len(b)-8 {
			break
		}
		p := b[8 : 8+n]
		if crc32.Checksum(p, crcTable) != binary.BigEndian.Uint32(b[4:]) {
			break
		}
		f, ok := decodeFrame(p)
		if !ok {
			break
		}
		if _, dup := out[f.txid]; !dup {
			out[f.txid] = f
		}
		b = b[8+n:]
	}
	return out
}

// overlay is what a reader of a snapshot applies of the feed: the trial records committed
// after the snapshot, up to the first missing or barrier frame, so that it reads exactly the
// state of one committed transaction.
type overlay struct {
	recs  map[int]map[int][]byte // by study ID, then trial number: the record as committed last
	index map[int][2]int         // trial ID → (study ID, number), for trials created after the snapshot
	txid  uint64                 // the transaction whose state the reader sees
	at    time.Time              // when that transaction committed (zero: none applied)
}

// loadOverlay reads the feed of the snapshot whose read transaction was base.
func loadOverlay(path string, base uint64) *overlay {
	frames := readFeed(path, base)
	o := &overlay{recs: map[int]map[int][]byte{}, index: map[int][2]int{}, txid: base}
	for {
		f, ok := frames[o.txid+1]
		if !ok || f.barrier {
			break
		}
		for _, r := range f.recs {
			if o.recs[r.studyID] == nil {
				o.recs[r.studyID] = map[int][]byte{}
			}
			o.recs[r.studyID][r.number] = r.rec
			o.index[r.id] = [2]int{r.studyID, r.number}
		}
		o.txid, o.at = f.txid, f.at
	}
	if o.txid == base {
		return nil
	}
	return o
}

// trialsFrom calls fn with the key and record of every trial of the study numbered number or
// above, in number order: tb's records with the overlay's in their place, then the overlay's
// trials that tb lacks (created after the snapshot, so numbered after every trial of tb).
func (o *overlay) trialsFrom(tb *bbolt.Bucket, studyID, number int, fn func(n int, v []byte) error) error {
	var recs map[int][]byte
	if o != nil {
		recs = o.recs[studyID]
	}
	last := -1
	c := tb.Cursor()
	for k, v := c.Seek(itob(max(number, 0))); k != nil; k, v = c.Next() {
		n := btoi(k)
		if r, ok := recs[n]; ok {
			v = r
		}
		if err := fn(n, v); err != nil {
			return err
		}
		last = n
	}
	var extra []int
	for n := range recs {
		if n > last && n >= number && tb.Get(itob(n)) == nil {
			extra = append(extra, n)
		}
	}
	slices.Sort(extra)
	for _, n := range extra {
		if err := fn(n, recs[n]); err != nil {
			return err
		}
	}
	return nil
}

// trial returns the overlay's record of a trial by ID, or nil.
func (o *overlay) trial(trialID int) []byte {
	if o == nil {
		return nil
	}
	loc, ok := o.index[trialID]
	if !ok {
		return nil
	}
	return o.recs[loc[0]][loc[1]]
}

// record returns the overlay's record of a trial by study and number, or nil.
func (o *overlay) record(studyID, number int) []byte {
	if o == nil {
		return nil
	}
	return o.recs[studyID][number]
}

// overlayFeed makes a Store that has just opened a snapshot apply the feed committed after it.
func (s *Store) overlayFeed() {
	var base uint64
	if s.view(func(tx *bbolt.Tx) error { base = uint64(tx.ID()); return nil }) != nil {
		return
	}
	if s.over = loadOverlay(FeedPath(s.path), base); s.over != nil {
		s.snapTime = s.over.at
	}
}

// overlaid returns the feed's record of a trial by ID; ok is false when the feed has none.
func (s *Store) overlaid(trialID int) (r *trialRec, ok bool, err error) {
	b := s.over.trial(trialID)
	if b == nil {
		return nil, false, nil
	}
	if r, err = decodeTrial(b); err != nil {
		return nil, true, fmt.Errorf("store: trial %d (change feed): %w", trialID, err)
	}
	return r, true, nil
}
