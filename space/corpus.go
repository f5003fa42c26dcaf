package space

import (
	"fmt"

	"os"
	"path/filepath"
)

// LoadWithCorpus reads the space file at path like Load, with the task's corpus replaced by
// corpus (the --data flag of the commands): a directory of aligned {train,valid,test}.{src,tgt}
// files becomes task kind aligned, a file (a Tatoeba/Anki TSV, or a .zip holding one) kind tsv;
// a relative corpus is relative to the working directory, not to the space file. The file's own
// task.path need not exist then, so that a space file can name a corpus the user fetches later
// (attnsearch data tatoeba) and still run on another one. corpus "" is Load. A missing corpus
// is an error wrapping fs.ErrNotExist.
func LoadWithCorpus(path, corpus string) (*Spec, error) {
	return LoadWith(path, With{Corpus: corpus})
}

// replaceCorpus points spec's task at corpus (see LoadWithCorpus).
func replaceCorpus(spec *Spec, corpus string) error {
	if spec.Task.Kind == TaskCommand {
		return fmt.Errorf("space: --data applies only to the built-in tasks; %s runs a command", spec.File)
	}
	st, err := os.Stat(corpus)
	if err != nil {
		return fmt.Errorf("space: --data: %w", err)
	}
	abs, err := filepath.Abs(corpus)
	if err != nil {
		return fmt.Errorf("space: --data: %w", err)
	}
	spec.Task.Path, spec.Task.Kind = abs, "tsv"
	if st.IsDir() {
		spec.Task.Kind = "aligned"
	}
	spec.Task.Synthetic = Synthetic{}
	return nil
}

// dataError is a problem of the corpus given by --data (LoadWithCorpus): it names the flag, not
// the space file's task.path.
type dataError struct {
	corpus, msg string
	err         error
}

func (e *dataError) Error() string { return "space: --data " + e.corpus + ": " + e.msg }
func (e *dataError) Unwrap() error { return e.err }
