package bolt_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/c-bata/goptuna"
)

// Example runs a small study on a store file, then recovers a trial whose worker died.
func Example() {
	dir, err := os.MkdirTemp("", "store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "study.db")

	st, err := bolt.Open(path, bolt.Options{LockTimeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	study, err := goptuna.CreateStudy("demo",
		goptuna.StudyOptionStorage(st),
		goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(1))),
		goptuna.StudyOptionLogger(nil))
	if err != nil {
		log.Fatal(err)
	}
	if err := study.EnqueueTrial(map[string]float64{"x": 2}); err != nil {
		log.Fatal(err)
	}
	err = study.Optimize(func(t goptuna.Trial) (float64, error) {
		x, err := t.SuggestFloat("x", -10, 10)
		return (x - 2) * (x - 2), err
	}, 3)
	if err != nil {
		log.Fatal(err)
	}
	best, err := st.GetBestTrial(study.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("best trial:", best.Number, "x =", best.Params["x"])

	// A worker that dies leaves a RUNNING trial; recovery fails it and, in the same transaction,
	// enqueues its params again, which the next worker claims.
	id, _ := st.CreateNewTrial(study.ID)
	_ = st.SetTrialParam(id, "x", 1.5, goptuna.UniformDistribution{Low: -10, High: 10})
	failed, err := st.RecoverStale(study.ID, 0)
	if err != nil {
		log.Fatal(err)
	}
	retry, ok, err := st.PopWaitingTrial(study.ID)
	if err != nil || !ok {
		log.Fatal(ok, err)
	}
	claimed, _ := st.GetTrial(retry)
	fmt.Println("recovered:", len(failed), failed[0].SystemAttrs[record.SysFailReason], "retried as trial", claimed.Number, claimed.SystemAttrs[record.SysFixedParams])
	if err := st.Close(); err != nil {
		log.Fatal(err)
	}

	// A second writer fails cleanly while the file is held.
	held, _ := bolt.Open(path, bolt.Options{})
	_, err = bolt.Open(path, bolt.Options{LockTimeout: 100 * time.Millisecond})
	fmt.Println("second open locked:", errors.Is(err, bolt.ErrLocked))
	_ = held.Close()
	// Output:
	// best trial: 0 x = 2
	// recovered: 1 stale: worker died retried as trial 4 {"x":1.5}
	// second open locked: true
}

// ExampleOpen_readOnly reads a study while another Store (here in the same process; normally the
// running `attnsearch run`) holds the file: the reader gets the writer's latest snapshot.
func ExampleOpen_readOnly() {
	dir, err := os.MkdirTemp("", "store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "study.db")

	w, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	study, _ := w.CreateNewStudy("live")
	id, _ := w.CreateNewTrial(study)
	_ = w.SetTrialValue(id, 0.25)
	_ = w.SetTrialState(id, goptuna.TrialStateComplete)
	if err := w.WriteSnapshot(); err != nil { // the writer also does this by itself within SnapshotInterval
		log.Fatal(err)
	}

	r, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	_, fromSnapshot := r.SnapshotTime()
	best, err := r.GetBestTrial(study)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("snapshot:", fromSnapshot, "best value:", best.Value)
	// Output: snapshot: true best value: 0.25
}
