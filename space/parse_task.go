package space

import "strings"

// SyntheticMinWords and SyntheticMaxWords bound the source sentence length the simple synthetic
// grammar produces (trainer/data); task.synthetic.{min,max}_len must overlap [SyntheticMinWords,
// SyntheticMaxWords]. The rich grammar's bounds are RichMinWords and RichMaxWords.
const (
	SyntheticMinWords = 3
	SyntheticMaxWords = 15
	RichMinWords      = 3
	RichMaxWords      = 60
)

// grammars are the accepted values of task.synthetic.grammar.
var grammars = []string{"simple", "rich"}

// task decodes the task section.
func (d *decoder) task(e entry, t *Task) error {
	es, err := d.mapping(e.value, e.path, []string{"kind", "path", "synthetic", "tokenizer", "max_vocab",
		"min_freq", "max_lines", "valid_size", "test_size", "max_len", "command", "timeout", "env"})
	if err != nil {
		return err
	}
	if es == nil {
		return d.errAt(e.keyN, e.path, "empty section: kind is required (%s)", strings.Join(allTaskKinds, ", "))
	}
	for _, f := range es {
		if f.key == "kind" {
			if k, err := d.oneOf(f.value, f.path, allTaskKinds); err == nil && k == TaskCommand {
				return d.commandTask(e, es, t)
			}
		}
	}
	for _, f := range es {
		if f.key == "command" || f.key == "timeout" || f.key == "env" {
			return d.errAt(f.keyN, f.path, "applies only to task kind command")
		}
	}
	var synth *entry
	given := map[string]entry{}
	ints := map[string]intKey{"min_freq": {&t.MinFreq, 1, 1e9}, "max_lines": {&t.MaxLines, 0, 1e9},
		"valid_size": {&t.ValidSize, 1, 1e9}, "test_size": {&t.TestSize, 1, 1e9}, "max_len": {&t.MaxLen, 1, 10000}}
	for i, f := range es {
		given[f.key] = f
		switch f.key {
		case "kind":
			t.Kind, err = d.oneOf(f.value, f.path, allTaskKinds)
		case "path":
			t.Path, err = d.str(f.value, f.path)
			if err == nil && strings.TrimSpace(t.Path) == "" {
				err = d.errAt(f.value, f.path, "must not be empty")
			}
		case "synthetic":
			synth = &es[i]
		case "tokenizer":
			t.Tokenizer, err = d.oneOf(f.value, f.path, tokenizers)
		case "max_vocab":
			t.MaxVocab, err = d.intRange(f.value, f.path, 0, 1e8)
			if err == nil && t.MaxVocab > 0 && t.MaxVocab < 5 {
				err = d.errAt(f.value, f.path, "%d leaves no room for words (4 specials); use 0 for no cap or >= 5", t.MaxVocab)
			}
		default:
			err = d.intKeys(f, ints)
		}
		if err != nil {
			return err
		}
	}
	if t.Kind == "" {
		return d.errAt(e.keyN, e.path+".kind", "missing (choose one of: %s)", strings.Join(allTaskKinds, ", "))
	}
	switch t.Kind {
	case "synthetic":
		for _, k := range []string{"path", "valid_size", "test_size", "max_lines"} {
			if f, ok := given[k]; ok {
				return d.errAt(f.keyN, f.path, "does not apply to task kind synthetic")
			}
		}
		if synth != nil {
			if err := d.synthetic(*synth, &t.Synthetic); err != nil {
				return err
			}
		}
	default:
		if synth != nil {
			return d.errAt(synth.keyN, synth.path, "applies only to task kind synthetic, not %s", t.Kind)
		}
		if _, ok := given["path"]; !ok {
			return d.errAt(e.keyN, e.path+".path", "missing: task kind %s needs the corpus path", t.Kind)
		}
		if t.Kind == "aligned" {
			for _, k := range []string{"valid_size", "test_size"} {
				if f, ok := given[k]; ok {
					return d.errAt(f.keyN, f.path, "does not apply to task kind aligned (its splits are files)")
				}
			}
		} else {
			if t.ValidSize == 0 {
				t.ValidSize = 500
			}
			if t.TestSize == 0 {
				t.TestSize = 500
			}
		}
		if _, ok := given["max_vocab"]; !ok {
			t.MaxVocab = 8000
		}
		if f, ok := given["max_vocab"]; ok && t.Tokenizer == "bpe" && t.MaxVocab == 0 {
			return d.errAt(f.value, f.path, "tokenizer bpe needs the subword vocabulary size (>= 5), not 0")
		}
		t.Synthetic = Synthetic{}
	}
	return nil
}

// synthetic decodes task.synthetic.
func (d *decoder) synthetic(e entry, s *Synthetic) error {
	es, err := d.mapping(e.value, e.path, []string{"grammar", "train", "valid", "test", "vocab", "min_len", "max_len", "seed"})
	if err != nil {
		return err
	}
	lo, hi, vocabMin := int64(SyntheticMinWords), int64(SyntheticMaxWords), int64(4)
	for _, f := range es {
		if f.key == "grammar" {
			if s.Grammar, err = d.oneOf(f.value, f.path, grammars); err != nil {
				return err
			}
			if s.Grammar == "rich" {
				lo, hi, vocabMin = RichMinWords, RichMaxWords, 20
			}
		}
	}
	ints := map[string]intKey{"train": {&s.Train, 1, 1e8}, "valid": {&s.Valid, 1, 1e8}, "test": {&s.Test, 1, 1e8},
		"vocab": {&s.Vocab, vocabMin, 1e6}, "min_len": {&s.MinLen, 1, hi}, "max_len": {&s.MaxLen, lo, 10000}}
	for _, f := range es {
		switch f.key {
		case "seed":
			s.Seed, err = d.integer(f.value, f.path)
		default:
			err = d.intKeys(f, ints)
		}
		if err != nil {
			return err
		}
	}
	if s.MinLen > s.MaxLen {
		return d.errField(e.path+".max_len", "inverted range: min_len %d > max_len %d", s.MinLen, s.MaxLen)
	}
	return nil
}
