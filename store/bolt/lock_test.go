package bolt

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
	bbolt "go.etcd.io/bbolt"
)

// envLockChild names the store file a re-executed test binary holds until its stdin closes.
const envLockChild = "ATTNSEARCH_STORE_LOCK_CHILD"

// TestLockChild is the child side of TestSecondProcess; it does nothing unless re-executed by it.
func TestLockChild(t *testing.T) {
	childSide(t, envLockChild, "TestSecondProcess", lockChild)
}

// lockChild opens the store as the writer, completes three trials, snapshots, reports "held", then keeps
// completing a trial every few milliseconds until stdin closes, and closes the store cleanly.
func lockChild(path string) error {
	s, err := Open(path, Options{SnapshotInterval: 10 * time.Millisecond})
	if err != nil {
		return err
	}
	study, err := s.CreateNewStudy("live")
	if err != nil {
		return err
	}
	write := func(v float64) error {
		id, err := s.CreateNewTrial(study)
		if err != nil {
			return err
		}
		if err := s.SetTrialValue(id, v); err != nil {
			return err
		}
		return s.SetTrialState(id, goptuna.TrialStateComplete)
	}
	for i := 0; i < 3; i++ {
		if err := write(float64(i)); err != nil {
			return err
		}
	}
	if err := s.WriteSnapshot(); err != nil {
		return err
	}
	fmt.Println("held", os.Getpid())
	stdinClosed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	for i := 3; ; i++ {
		select {
		case <-stdinClosed:
			return s.Close()
		case <-time.After(5 * time.Millisecond):
		}
		if err := write(float64(i)); err != nil {
			return err
		}
	}
}

// TestSecondProcess holds a store in a child process and checks that a second writer fails cleanly
// within the bounded wait naming the holder's pid, that a read-only open reads the live study through
// the snapshot, and that the file opens normally once the holder has closed it.
func TestSecondProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	cmd := childCmd("TestLockChild", envLockChild, path)
	stdin, err := cmd.StdinPipe()
	must(t, err)
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "held ") {
		t.Fatalf("child said %q", sc.Text())
	}
	pid, _ := strconv.Atoi(strings.TrimPrefix(sc.Text(), "held "))

	const wait = 300 * time.Millisecond
	start := time.Now()
	_, err = Open(path, Options{LockTimeout: wait})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("pid %d", pid)) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error does not name the holder pid %d and the file: %v", pid, err)
	}
	// The bound is a correctness property (never hang), so it is checked loosely, not as a speed target.
	if elapsed < wait/2 || elapsed > wait+10*time.Second {
		t.Fatalf("second Open returned after %v, want about %v", elapsed, wait)
	}

	r, err := Open(path, Options{ReadOnly: true, LockTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("read-only open of a live study: %v", err)
	}
	snapAt, fromSnap := r.SnapshotTime()
	study, err := r.GetStudyIDFromName("live")
	must(t, err)
	trials, err := r.GetAllTrials(study)
	must(t, err)
	if !fromSnap || snapAt.IsZero() || len(trials) < 3 {
		t.Fatalf("live read: snapshot %v %v, %d trials", fromSnap, snapAt, len(trials))
	}
	for i, ft := range trials {
		if i < 3 && ft.State != goptuna.TrialStateComplete || ft.State == goptuna.TrialStateComplete && ft.Value != float64(i) {
			t.Fatalf("live read trial %d: %+v", i, ft) // the snapshot may catch the newest trial mid-write, never garbled
		}
	}
	must(t, r.Close())

	must(t, stdin.Close())
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	s, err := Open(path, Options{LockTimeout: time.Second, NoSnapshot: true})
	must(t, err)
	defer s.Close()
	all, err := s.GetAllTrials(study)
	must(t, err)
	if len(all) < len(trials) {
		t.Fatalf("after the holder closed: %d trials, the live read saw %d", len(all), len(trials))
	}
	for _, p := range []string{SnapshotPath(path), SnapshotPath(path) + ".tmp"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind by a clean close: %v", p, err)
		}
	}
}

// TestReadOnlyWithoutWriter reads the main file directly when no writer holds it, and fails clearly on a missing file.
func TestReadOnlyWithoutWriter(t *testing.T) {
	s, path := openTemp(t, Options{NoSync: true})
	study, _ := s.CreateNewStudy("x")
	_, _ = s.CreateNewTrial(study)
	must(t, s.Close())
	r, err := Open(path, Options{ReadOnly: true})
	must(t, err)
	if _, snap := r.SnapshotTime(); snap {
		t.Fatal("read a snapshot although no writer holds the file")
	}
	if trials, err := r.GetAllTrials(study); err != nil || len(trials) != 1 {
		t.Fatalf("GetAllTrials = %d, %v", len(trials), err)
	}
	must(t, r.Close())
	missing := filepath.Join(t.TempDir(), "missing.db")
	if _, err := Open(missing, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only open of a missing file: %v", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatal("read-only open created the file")
	}
}

// TestCorruptOrForeignFile checks that files that are not our store give clear errors and are left untouched.
func TestCorruptOrForeignFile(t *testing.T) {
	boltFile := func(fill func(tx *bbolt.Tx) error) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			db, err := bbolt.Open(path, 0o644, nil)
			must(t, err)
			must(t, db.Update(fill))
			must(t, db.Close())
		}
	}
	meta := func(format, schema string) func(tx *bbolt.Tx) error {
		return func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket(bMeta)
			if err != nil {
				return err
			}
			if err := b.Put(kFormat, []byte(format)); err != nil {
				return err
			}
			return b.Put(kSchema, []byte(schema))
		}
	}
	cases := []struct {
		name    string
		make    func(t *testing.T, path string)
		want    error
		message string
	}{
		{"random bytes", func(t *testing.T, path string) {
			b := make([]byte, 64<<10)
			rand.New(rand.NewSource(1)).Read(b)
			must(t, os.WriteFile(path, b, 0o644))
		}, store.ErrNotStore, "not a bbolt file"},
		{"text file", func(t *testing.T, path string) {
			must(t, os.WriteFile(path, bytes.Repeat([]byte("name: study\n"), 2000), 0o644))
		}, store.ErrNotStore, "not a bbolt file"},
		{"empty file", func(t *testing.T, path string) { must(t, os.WriteFile(path, nil, 0o644)) }, store.ErrNotStore, "empty file"},
		{"directory", func(t *testing.T, path string) { must(t, os.Mkdir(path, 0o755)) }, store.ErrNotStore, "not a regular file"},
		{"bbolt without buckets", boltFile(func(*bbolt.Tx) error { return nil }), store.ErrNotStore, `without the "meta" bucket`},
		{"bbolt of another program", boltFile(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket([]byte("widgets"))
			if err != nil {
				return err
			}
			return b.Put([]byte("k"), []byte("v"))
		}), store.ErrNotStore, `without the "meta" bucket`},
		{"other format name", boltFile(meta("someone-else", "1")), store.ErrNotStore, `format "someone-else"`},
		{"newer schema", boltFile(meta(store.FormatName, "3")), store.ErrSchema, "file has schema 3, this build reads 1 to 2"},
		{"garbled schema", boltFile(meta(store.FormatName, "one")), store.ErrNotStore, "is not a number"},
	}
	for _, tc := range cases {
		for _, ro := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/readonly=%v", tc.name, ro), func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "x.db")
				tc.make(t, path)
				before := snapshotDir(t, dir)
				s, err := Open(path, Options{ReadOnly: ro, LockTimeout: time.Second})
				if err == nil {
					_ = s.Close()
					t.Fatal("Open succeeded")
				}
				if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.message) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want %v mentioning %q and the path", err, tc.want, tc.message)
				}
				if after := snapshotDir(t, dir); !equalDirs(before, after) {
					t.Fatalf("failed Open changed the directory")
				}
			})
		}
	}
}

// snapshotDir reads every regular file of dir.
func snapshotDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	must(t, err)
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			must(t, err)
			out[e.Name()] = b
		} else {
			out[e.Name()+"/"] = nil
		}
	}
	return out
}

// equalDirs compares two snapshotDir results.
func equalDirs(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// TestCreateRemovesAbandonedInitFiles checks that creating a store removes the temporary file of a
// creator that was killed (dead pid) and keeps one of a live process, even in a directory whose name
// holds glob metacharacters.
func TestCreateRemovesAbandonedInitFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a[b]*?")
	must(t, os.Mkdir(dir, 0o755))
	path := filepath.Join(dir, "s.db")
	dead := exec.Command("true")
	must(t, dead.Run())
	deadInit := fmt.Sprintf("%s.init-%d", path, dead.Process.Pid)
	liveInit := fmt.Sprintf("%s.init-%d", path, os.Getppid())
	must(t, os.WriteFile(deadInit, []byte("x"), 0o644))
	must(t, os.WriteFile(liveInit, []byte("x"), 0o644))
	s, err := Open(path, Options{NoSync: true, NoSnapshot: true})
	must(t, err)
	must(t, s.Close())
	if _, err := os.Stat(deadInit); !os.IsNotExist(err) {
		t.Errorf("abandoned %s kept: %v", deadInit, err)
	}
	if _, err := os.Stat(liveInit); err != nil {
		t.Errorf("live creator's %s removed: %v", liveInit, err)
	}
}
