package space

import "math"

// training decodes the training section.
func (d *decoder) training(e entry, t *Training) error {
	es, err := d.mapping(e.value, e.path, []string{"epochs", "max_steps", "batch_size", "max_minutes", "beta1", "beta2", "eps",
		"schedule", "clip_norm", "weight_decay_mode", "tie_embeddings", "positions", "beam",
		"latency_sentences", "threads", "eval_sentences"})
	if err != nil {
		return err
	}
	ints := map[string]intKey{"epochs": {&t.Epochs, 1, MaxEpochs}, "max_steps": {&t.MaxSteps, 0, MaxMaxSteps},
		"batch_size": {&t.BatchSize, 1, 1e6}, "beam": {&t.Beam, 1, 1000}, "latency_sentences": {&t.LatencySentences, 0, 1e6},
		"threads": {&t.Threads, 0, MaxThreads}, "eval_sentences": {&t.EvalSentences, 0, 1e8}}
	for _, f := range es {
		switch f.key {
		case "max_minutes":
			t.MaxMinutes, err = d.numberIn(f, 0, math.MaxFloat64, false)
		case "beta1":
			t.Beta1, err = d.numberIn(f, 0, 1, true)
		case "beta2":
			t.Beta2, err = d.numberIn(f, 0, 1, true)
		case "eps":
			t.Eps, err = d.numberIn(f, 0, 1, false)
			if err == nil && t.Eps <= 0 {
				err = d.errAt(f.value, f.path, "must be > 0")
			}
		case "schedule":
			t.Schedule, err = d.oneOf(f.value, f.path, schedules)
		case "clip_norm":
			t.ClipNorm, err = d.numberIn(f, 0, math.MaxFloat64, false)
		case "weight_decay_mode":
			t.WeightDecayMode, err = d.oneOf(f.value, f.path, decayModes)
		case "tie_embeddings":
			t.TieEmbeddings, err = d.boolean(f.value, f.path)
		case "positions":
			t.Positions, err = d.oneOf(f.value, f.path, positionKinds)
		default:
			err = d.intKeys(f, ints)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
