package space

// Bounds of the space file's numeric keys that command-line flags also set (attnsearch run
// --trials/--workers, attnsearch train --epochs/--max-steps/--threads): a flag accepts exactly
// what its key accepts.
const (
	MaxTrials   = 1_000_000     // study.trials: 1 to MaxTrials
	MaxWorkers  = 1024          // study.workers: 0 (one per core) to MaxWorkers
	MaxEpochs   = 1_000_000     // training.epochs: 1 to MaxEpochs
	MaxMaxSteps = 1_000_000_000 // training.max_steps: 0 (none) to MaxMaxSteps
	MaxThreads  = 1024          // training.threads: 0 (all cores) to MaxThreads
)
