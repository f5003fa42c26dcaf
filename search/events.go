package search

import (
	"time"

	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
	"github.com/c-bata/goptuna"
)

// EventKind says what an Event reports.
type EventKind int

// Event kinds, in the order a trial produces them.
const (
	EventStudy      EventKind = iota // the study is open: Done, Total, Message (resume notes)
	EventTrialStart                  // a feasible trial starts training (once per trial): Trial, Config, Point, Epochs
	EventEpoch                       // a trial finished an epoch: Trial, Epoch, Epochs, Value (intermediate score)
	EventTrialEnd                    // a trial finished: Trial, State, Value, Message (reason), Done, Best
	EventWarning                     // something worth telling the user: Message
)

// Event is a progress notice from Run; Run calls Options.OnEvent from its workers, serialised.
type Event struct {
	Kind    EventKind          // what happened
	Trial   int                // trial number
	Config  space.Config       // the sampled point, typed (EventTrialStart, EventTrialEnd)
	Point   space.Point        // the sampled point by name (EventTrialStart, EventTrialEnd)
	Epoch   int                // epoch just finished (EventEpoch)
	Epochs  int                // epochs planned per trial (0 for a command's trial: its steps are its own)
	State   goptuna.TrialState // final state (EventTrialEnd)
	Value   float64            // score (EventEpoch: intermediate; EventTrialEnd: final)
	Best    float64            // best final score of the study so far (EventTrialEnd; NaN if none)
	Done    int                // finished trials counted towards Total
	Total   int                // finished trials wanted
	Message string             // reason or note
}

// Options tunes Run; zero values take the space file's settings and the built-in parts.
type Options struct {
	HeartbeatEvery time.Duration     // period of running trials' heartbeats (0 = 5s)
	StaleGrace     time.Duration     // a RUNNING trial whose heartbeat is older is dead (0: every RUNNING trial at start, the caller holds the store exclusively; a shared store: DefaultSharedGrace)
	OnEvent        func(Event)       // progress notices (nil = none)
	Dataset        *data.Dataset     // the data of the default trainer and the architecture (nil = load the space file's task)
	Arch           *space.Arch       // the architecture the cost model counts (nil = trainer.StudyArch of the data)
	Trainer        Trainer           // evaluates feasible points (nil = the gorgonia trainer on Dataset)
	Samplers       *sampler.Registry // the sampler kinds (nil = sampler.Builtin())
	Pruners        *Pruners          // the pruner kinds (nil = BuiltinPruners())
	Kinds          *Kinds            // the task kinds (nil = BuiltinKinds())
	// SupernetCheckpoint, when set, is the file the supernet strategy checkpoints its
	// SuperTransformer to; else the checkpoint is a blob of the study in its store (store.Blobs).
	SupernetCheckpoint string
	CheckpointEvery    time.Duration // period of the SuperTransformer's checkpoints (0 = DefaultCheckpointEvery)
	Force              bool          // run a stored study from a space file whose task or parameters differ from its stored ones (else ErrSpaceChanged)
}

// Result sums up what Run did.
type Result struct {
	Study       string        // study name
	StudyID     int           // study ID in the store
	Done        int           // finished trials counted towards Total
	Total       int           // finished trials wanted
	Ran         int           // trials this call finished (any state)
	Requeued    int           // points waiting to be retried when the run started (interrupted or stale trials')
	Recovered   int           // RUNNING trials of a dead process failed as stale at start
	Interrupted bool          // the context was cancelled before the study was done
	Elapsed     time.Duration // wall time of this call
}
