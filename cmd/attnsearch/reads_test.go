package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/storegen"
	"github.com/c-bata/goptuna"
)

// genStudies are the generated studies of testdata/genstore: a two-goal and a three-goal study
// of a trial command (storegen), with pruned, failed, infeasible, stale and retried trials.
func genStudies() []storegen.Options {
	return []storegen.Options{{Name: "two", Trials: 120, Goals: 2, Seed: 7, Epochs: 3}, {Name: "three", Trials: 60, Goals: 3, Seed: 8, Epochs: 3}}
}

// genCases are the read commands of testdata/genstore, each named as its expected file: the
// files were printed by the binary of commit d4ed0a1, which decoded the whole study for every
// command; report --plot's file is compared too. Shown trials: of two, infeasible (20), pruned
// (23), failed by the command (56), stale (68) and its retry (69); of three, infeasible (7),
// failed (27) and on the front (57).
func genCases() []outputCase {
	cases := []outputCase{{"studies.txt", []string{"studies"}}, {"studies.json", []string{"studies", "--format", "json"}}}
	shows := map[string][]string{"two": {"20", "23", "56", "68", "69"}, "three": {"7", "27", "57"}}
	for _, s := range []string{"two", "three"} {
		cases = append(cases,
			outputCase{"report-" + s + ".txt", []string{"report", "--study", s}},
			outputCase{"report-all-" + s + ".txt", []string{"report", "--study", s, "--all"}},
			outputCase{"report-" + s + ".json", []string{"report", "--study", s, "--format", "json"}},
			outputCase{"report-all-" + s + ".json", []string{"report", "--study", s, "--all", "--format", "json"}},
			outputCase{"report-all-" + s + ".csv", []string{"report", "--study", s, "--all", "--format", "csv"}},
			outputCase{"plot-" + s + ".svg", []string{"report", "--study", s, "--plot", "PLOT"}},
			outputCase{"best-" + s + ".txt", []string{"best", "--study", s}},
			outputCase{"best-" + s + ".json", []string{"best", "--study", s, "--format", "json"}})
		for _, n := range shows[s] {
			cases = append(cases,
				outputCase{"show-" + s + "-" + n + ".txt", []string{"show", n, "--study", s}},
				outputCase{"show-" + s + "-" + n + ".json", []string{"show", n, "--study", s, "--format", "json"}})
		}
	}
	return cases
}

// sameBytes runs each case against db and requires its stdout (or, for a plot, the file it
// draws) to be byte for byte the expected file of src.
func sameBytes(t *testing.T, bin, db, src string, cases []outputCase) {
	t.Helper()
	for _, c := range cases {
		want, err := os.ReadFile(filepath.Join(src, c.file))
		if err != nil {
			t.Fatal(err)
		}
		plot := filepath.Join(t.TempDir(), c.file)
		args := append([]string{}, c.args...)
		for i, a := range args {
			if a == "PLOT" {
				args[i] = plot
			}
		}
		cmd := exec.Command(bin, append(args, "--db", db)...)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", c.args, err, errb.String())
		}
		got := out.Bytes()
		if strings.HasPrefix(c.file, "plot-") {
			if got, err = os.ReadFile(plot); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%v differs from %s:\n got\n%s\n want\n%s", c.args, c.file, got, want)
		}
	}
}

// fillGenerated writes genStudies into imp.
func fillGenerated(t *testing.T, imp store.Importer) {
	t.Helper()
	for _, o := range genStudies() {
		if _, err := storegen.Fill(imp, o); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGeneratedStoresReadIdentically generates the studies of testdata/genstore into a bbolt
// file and a PostgreSQL database and requires show, best, studies and report (table, JSON, CSV,
// plot), which now stream a projection of the study and re-read only the trials they print, to
// print what the binary that decoded the whole study printed.
func TestGeneratedStoresReadIdentically(t *testing.T) {
	bin := buildBinary(t)
	src := filepath.Join("testdata", "genstore")
	for _, b := range []struct {
		name string
		open func(t *testing.T) (store.DB, string, error)
	}{
		{"bbolt", func(t *testing.T) (store.DB, string, error) {
			path := filepath.Join(t.TempDir(), "gen.db")
			st, err := bolt.Open(path, bolt.Options{NoSync: true, NoSnapshot: true})
			return st, path, err
		}},
		{"postgres", func(t *testing.T) (store.DB, string, error) {
			url := pgServer(t, false).NewDatabase(t)
			st, err := postgres.OpenWith(context.Background(), url, postgres.Options{})
			return st, url, err
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			st, loc, err := b.open(t)
			if err != nil {
				t.Fatal(err)
			}
			fillGenerated(t, st.(store.Importer))
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			sameBytes(t, bin, loc, src, genCases())
		})
	}
}

// TestDigestReadsIdentically is TestGeneratedStoresReadIdentically with each study's digest
// (record.Digest) in the store, covering every trial, the first half, the first third (the
// commands then read the rest, and the digest's open trials, as stored) or none: show, best,
// studies and report answer from it and must print the same bytes.
func TestDigestReadsIdentically(t *testing.T) {
	bin := buildBinary(t)
	src := filepath.Join("testdata", "genstore")
	for _, c := range []struct {
		name     string
		pg       bool
		num, den int // the digest covers the first num/den of each study's trials
	}{{"bbolt/all", false, 1, 1}, {"bbolt/half", false, 1, 2}, {"bbolt/third", false, 1, 3}, {"bbolt/none", false, 0, 1}, {"postgres/all", true, 1, 1}, {"postgres/half", true, 1, 2}} {
		t.Run(c.name, func(t *testing.T) {
			var st store.DB
			var loc string
			var err error
			if c.pg {
				loc = pgServer(t, false).NewDatabase(t)
				st, err = postgres.OpenWith(context.Background(), loc, postgres.Options{})
			} else {
				loc = filepath.Join(t.TempDir(), "gen.db")
				st, err = bolt.Open(loc, bolt.Options{NoSync: true, NoSnapshot: true})
			}
			if err != nil {
				t.Fatal(err)
			}
			fillGenerated(t, st.(store.Importer))
			for _, o := range genStudies() {
				id, err := st.GetStudyIDFromName(o.Name)
				if err != nil {
					t.Fatal(err)
				}
				writePrefixDigest(t, st, id, o.Trials*c.num/c.den)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			sameBytes(t, bin, loc, src, genCases())
		})
	}
}

// TestDigestIsRead shows that the commands answer from the digest when there is one (a digest
// that says otherwise than the trials changes what they print) and ignore a digest over other
// keys.
func TestDigestIsRead(t *testing.T) {
	bin := buildBinary(t)
	loc := filepath.Join(t.TempDir(), "gen.db")
	st, err := bolt.Open(loc, bolt.Options{NoSync: true, NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	fillGenerated(t, st)
	id, err := st.GetStudyIDFromName("two")
	if err != nil {
		t.Fatal(err)
	}
	writePrefixDigest(t, st, id, 120)
	sys, err := st.GetStudySystemAttrs(id)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := record.ParseDigest(sys[record.SysDigest])
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change func(d *record.Digest)
		same   bool
	}{
		{"more complete trials", func(d *record.Digest) { d.Classes[""].Counts["COMPLETE"] += 1000 }, false},
		{"another best", func(d *record.Digest) { d.Classes[""].Best = &record.DigestPoint{Number: 20, Score: 1e9} }, false},
		{"over other keys", func(d *record.Digest) { d.Keys[0] = "other"; d.Classes[""].Counts["COMPLETE"] += 1000 }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := bolt.Open(loc, bolt.Options{NoSync: true, NoSnapshot: true})
			if err != nil {
				t.Fatal(err)
			}
			dd := *d
			dd.Keys = append([]string(nil), d.Keys...)
			cl := *d.Classes[""]
			cl.Counts = maps.Clone(cl.Counts)
			dd.Classes = map[string]*record.DigestClass{"": &cl}
			c.change(&dd)
			js, err := dd.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetStudySystemAttr(id, record.SysDigest, js); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "genstore", "studies.json"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "studies", "--format", "json", "--db", loc).Output()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(out, want) != c.same {
				t.Errorf("studies printed the same as without a digest: %v, want %v\n%s", !c.same, c.same, out)
			}
		})
	}
}

// writePrefixDigest stores study id's digest over its trials numbered below k (as a writer that
// last refreshed it when the study had k trials), then checks that a refresh brings it to what a
// digest built at once from every trial says.
func writePrefixDigest(t *testing.T, st store.DB, id, k int) {
	t.Helper()
	sys, err := st.GetStudySystemAttrs(id)
	if err != nil {
		t.Fatal(err)
	}
	keys, dirs, err := objective.StudyFrontKeys(sys)
	if err != nil {
		t.Fatal(err)
	}
	fts, err := st.GetAllTrials(id)
	if err != nil {
		t.Fatal(err)
	}
	var all []record.Trial
	for _, ft := range fts {
		tr, err := record.Decode(ft)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, tr)
	}
	d := record.NewDigest(keys, dirs)
	if err := d.Advance(k, all[:k]); err != nil {
		t.Fatal(err)
	}
	js, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetStudySystemAttr(id, record.SysDigest, js); err != nil {
		t.Fatal(err)
	}
	// The same digest refreshed equals one made at once; the prefix one stays stored.
	whole := record.NewDigest(keys, dirs)
	if err := whole.Advance(len(all), all); err != nil {
		t.Fatal(err)
	}
	if err := search.RefreshDigest(st, id); err != nil {
		t.Fatal(err)
	}
	sys, err = st.GetStudySystemAttrs(id)
	if err != nil {
		t.Fatal(err)
	}
	want, err := whole.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if sys[record.SysDigest] != want {
		t.Errorf("study %d: the digest of the first %d trials, refreshed, is\n%s\nnot\n%s", id, k, sys[record.SysDigest], want)
	}
	if err := st.SetStudySystemAttr(id, record.SysDigest, js); err != nil {
		t.Fatal(err)
	}
}

// TestStudiesListsTrialStartedAfterSnapshot checks studies on a bbolt file a writer holds: a
// trial the writer started after its last snapshot (the reader sees it through the change feed,
// not in the snapshot the heartbeats are read from) is listed as running, as is one started
// before it; a trial finished after the snapshot is not.
func TestStudiesListsTrialStartedAfterSnapshot(t *testing.T) {
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "live.db")
	st, err := bolt.Open(path, bolt.Options{NoSync: true, NoSnapshot: true})
	must(err)
	fillGenerated(t, st)
	must(st.Close())
	w, err := bolt.Open(path, bolt.Options{NoSync: true, SnapshotInterval: time.Hour})
	must(err)
	defer w.Close()
	id, err := w.GetStudyIDFromName("two")
	must(err)
	newTrial := func() (tid, number int) { // a RUNNING trial of study two
		tid, err := w.CreateNewTrial(id)
		must(err)
		number, err = w.GetTrialNumberFromID(tid)
		must(err)
		return tid, number
	}
	_, before := newTrial()
	finishedID, finished := newTrial()
	must(w.WriteSnapshot())
	must(w.SetTrialState(finishedID, goptuna.TrialStateFail))
	_, after := newTrial()
	r, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	must(err)
	defer r.Close()
	rows, err := studyRows(r)
	must(err)
	for _, row := range rows {
		if row.Name != "two" {
			continue
		}
		var got []int
		for _, run := range row.Running {
			got = append(got, run.Number)
			if run.HeartbeatS < 0 || run.HeartbeatS > 600 {
				t.Errorf("trial %d: heartbeat age %g s", run.Number, run.HeartbeatS)
			}
		}
		if want := []int{before, after}; !slices.Equal(got, want) {
			t.Errorf("running %v, want %v (trial %d finished after the snapshot)", got, want, finished)
		}
		return
	}
	t.Fatal("no row of study two")
}
