package bolt

import (
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// feedFixture is a writer whose snapshot is written only when the test asks (after the first),
// so that every read of the snapshot goes through the change feed.
type feedFixture struct {
	t    *testing.T
	w    *Store
	path string
	sid  int
}

// newFeedFixture opens a writer with a study and a fresh snapshot of it.
func newFeedFixture(t *testing.T) *feedFixture {
	w, path := openTemp(t, Options{NoSync: true, SnapshotInterval: time.Hour})
	sid, err := w.CreateNewStudy("feed")
	must(t, err)
	// The snapshot loop answers that first write with a snapshot of its own, then waits an hour.
	// Wait for it: run late (a loaded machine), it would copy the trials a test writes next into
	// the snapshot, under the feed the test examines.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, err := os.Stat(SnapshotPath(path)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the snapshot loop wrote no snapshot after the first write")
		}
	}
	must(t, w.WriteSnapshot())
	return &feedFixture{t: t, w: w, path: path, sid: sid}
}

// reader opens the store read-only, as a report beside the writer does: it reads the snapshot.
func (f *feedFixture) reader() *Store {
	f.t.Helper()
	r, err := Open(f.path, Options{ReadOnly: true, LockTimeout: 100 * time.Millisecond})
	must(f.t, err)
	f.t.Cleanup(func() { _ = r.Close() })
	if _, ok := r.SnapshotTime(); !ok {
		f.t.Fatal("the reader did not open the writer's snapshot")
	}
	return r
}

// check compares every trial read of a new reader with want (the writer's trials at some commit).
func (f *feedFixture) check(step string, want []goptuna.FrozenTrial) {
	f.t.Helper()
	r := f.reader()
	got, err := r.GetAllTrials(f.sid)
	must(f.t, err)
	if !reflect.DeepEqual(got, want) {
		f.t.Fatalf("%s: the reader's trials differ from the writer's:\n got  %+v\n want %+v", step, got, want)
	}
	for from := 0; from <= len(want); from++ {
		tail, err := r.TrialsFrom(f.sid, from)
		must(f.t, err)
		if len(tail) != len(want)-from || len(tail) > 0 && !reflect.DeepEqual(tail, want[from:]) {
			f.t.Fatalf("%s: TrialsFrom(%d) = %+v, want %+v", step, from, tail, want[from:])
		}
	}
	var scanned []goptuna.FrozenTrial
	must(f.t, r.ScanTrials(f.sid, store.Projection{}, func(ft goptuna.FrozenTrial) error {
		scanned = append(scanned, ft)
		return nil
	}))
	if len(scanned) != len(want) || len(want) > 0 && !reflect.DeepEqual(scanned, want) {
		f.t.Fatalf("%s: ScanTrials differs:\n got  %+v\n want %+v", step, scanned, want)
	}
	for _, ft := range want {
		byNum, err := r.TrialByNumber(f.sid, ft.Number)
		must(f.t, err)
		byID, err := r.GetTrial(ft.ID)
		must(f.t, err)
		num, err := r.GetTrialNumberFromID(ft.ID)
		must(f.t, err)
		if !reflect.DeepEqual(byNum, ft) || !reflect.DeepEqual(byID, ft) || num != ft.Number {
			f.t.Fatalf("%s: trial %d read alone differs: by number %+v, by ID %+v (number %d), want %+v", step, ft.Number, byNum, byID, num, ft)
		}
	}
}

// now returns the writer's trials.
func (f *feedFixture) now() []goptuna.FrozenTrial {
	f.t.Helper()
	fts, err := f.w.GetAllTrials(f.sid)
	must(f.t, err)
	return fts
}

// TestFeedReadsEqualWriter: after every kind of trial write, a reader of the snapshot (written
// before all of them) reads what the writer has committed, through the change feed.
func TestFeedReadsEqualWriter(t *testing.T) {
	f := newFeedFixture(t)
	w, sid := f.w, f.sid
	dist := goptuna.UniformDistribution{Low: 0, High: 1}
	f.check("empty", f.now())
	id0, err := w.CreateNewTrial(sid)
	must(t, err)
	f.check("created", f.now())
	must(t, w.SetTrialParam(id0, "x", 0.25, dist))
	f.check("param", f.now())
	must(t, w.SetTrialUserAttr(id0, "acc", "0.5"))
	must(t, w.SetTrialSystemAttr(id0, "seed", "7"))
	f.check("attributes", f.now())
	must(t, w.SetTrialIntermediateValue(id0, 0, 0.1))
	must(t, w.SetTrialIntermediateValue(id0, 1, 0.2))
	f.check("intermediate values", f.now())
	must(t, w.Heartbeat(id0))
	must(t, w.SetTrialValue(id0, 0.5))
	must(t, w.SetTrialState(id0, goptuna.TrialStateComplete))
	f.check("complete", f.now())
	storetest.PrunedAndRequeued(t, w, sid)
	f.check("pruned, failed with a retry mark and requeued", f.now())
	_, err = w.CloneTrial(sid, goptuna.FrozenTrial{State: goptuna.TrialStateWaiting, Params: map[string]any{},
		Distributions: map[string]any{}, UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}})
	must(t, err)
	f.check("enqueued", f.now())
	_, ok, err := w.PopWaitingTrial(sid)
	must(t, err)
	if !ok {
		t.Fatal("no waiting trial to claim")
	}
	f.check("claimed", f.now())
	_, _, err = w.CreateTrialIf(sid, func(store.TrialCounts) bool { return true })
	must(t, err)
	_, err = w.RecoverStale(sid, 0) // fails the running trials and enqueues their retries
	must(t, err)
	f.check("recovered", f.now())

	// The study's digest is no barrier: readers keep the snapshot's (none here) and read the
	// trials written after it.
	must(t, w.SetStudySystemAttr(sid, record.SysDigest, `{"version": 1}`))
	_, err = w.CreateNewTrial(sid)
	must(t, err)
	f.check("after a digest", f.now())
	if sys, err := f.reader().GetStudySystemAttrs(sid); err != nil || sys[record.SysDigest] != "" {
		t.Fatalf("a reader of the snapshot read the digest written after it: %v, %v", sys, err)
	}

	// A write of more than trials (a study attribute) is a barrier: readers see the state before
	// it, also after later trial writes, until the next snapshot.
	before := f.now()
	must(t, w.SetStudyUserAttr(sid, "note", "x"))
	_, err = w.CreateNewTrial(sid)
	must(t, err)
	f.check("after a barrier", before)
	must(t, w.WriteSnapshot())
	f.check("new snapshot", f.now())
	_, err = w.CreateNewTrial(sid)
	must(t, err)
	f.check("after the new snapshot", f.now())
}

// TestFeedTornTail: a frame that is not complete or fails its checksum (a writer appending it,
// a damaged file) ends what a reader applies; the frames before it still are.
func TestFeedTornTail(t *testing.T) {
	f := newFeedFixture(t)
	id, err := f.w.CreateNewTrial(f.sid)
	must(t, err)
	before := f.now()
	size := func() int64 {
		fi, err := os.Stat(FeedPath(f.path))
		must(t, err)
		return fi.Size()
	}
	at := size()
	must(t, f.w.SetTrialValue(id, 0.75))
	f.check("whole", f.now())
	end := size()
	if end <= at {
		t.Fatalf("the feed did not grow (%d → %d bytes)", at, end)
	}
	whole, err := os.ReadFile(FeedPath(f.path))
	must(t, err)
	for _, cut := range []int64{at + 3, at + 8, (at + end) / 2, end - 1} {
		must(t, os.WriteFile(FeedPath(f.path), whole[:cut], 0o644))
		f.check(fmt.Sprintf("torn at byte %d of %d", cut, end), before)
	}
	bad := append([]byte(nil), whole...)
	bad[end-1] ^= 0xff
	must(t, os.WriteFile(FeedPath(f.path), bad, 0o644))
	f.check("checksum", before)
	// A feed of another snapshot (another base) is not applied at all.
	must(t, os.WriteFile(FeedPath(f.path), append(feedHeader(1<<40), whole[feedHeaderLen:]...), 0o644))
	r := f.reader()
	got, err := r.GetAllTrials(f.sid)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("a feed of another snapshot was applied: %+v", got)
	}
}

// TestFeedRemovedOnClose: the writer removes its feed with its snapshot.
func TestFeedRemovedOnClose(t *testing.T) {
	f := newFeedFixture(t)
	if _, err := os.Stat(FeedPath(f.path)); err != nil {
		t.Fatalf("no feed beside the snapshot: %v", err)
	}
	must(t, f.w.Close())
	for _, p := range []string{FeedPath(f.path), SnapshotPath(f.path)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s left after Close: %v", p, err)
		}
	}
}

// TestFeedConcurrentWriters: workers writing at once share commits (bbolt's Batch) and their
// frames reach the file in any order; a reader afterwards reads exactly the writer's trials.
func TestFeedConcurrentWriters(t *testing.T) {
	f := newFeedFixture(t)
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 10; i++ {
				id, err := f.w.CreateNewTrial(f.sid)
				if err == nil {
					err = f.w.SetTrialIntermediateValue(id, 0, float64(i))
				}
				if err == nil {
					err = f.w.SetTrialValue(id, float64(g))
				}
				if err == nil {
					err = f.w.SetTrialState(id, goptuna.TrialStateComplete)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		must(t, <-errs)
	}
	f.check("after the workers", f.now())
}
