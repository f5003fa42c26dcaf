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
	for _, f := range es {
		switch f.key {
		case "epochs":
			t.Epochs, err = d.intRange(f.value, f.path, 1, 1e6)
		case "max_steps":
			t.MaxSteps, err = d.intRange(f.value, f.path, 0, 1e9)
		case "batch_size":
			t.BatchSize, err = d.intRange(f.value, f.path, 1, 1e6)
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
		case "beam":
			t.Beam, err = d.intRange(f.value, f.path, 1, 1000)
		case "latency_sentences":
			t.LatencySentences, err = d.intRange(f.value, f.path, 0, 1e6)
		case "threads":
			t.Threads, err = d.intRange(f.value, f.path, 0, 1024)
		case "eval_sentences":
			t.EvalSentences, err = d.intRange(f.value, f.path, 0, 1e8)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
