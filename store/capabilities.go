package store

import "io"

// The optional capabilities a storage may have beyond DB. A consumer asks for one by type
// assertion through these interfaces (never through a back end's concrete type), and
// store/storetest checks each one a back end declares.

// Shared is a storage that several processes, on several machines, may write at once. Shared
// reports whether this open storage is such a one: then a RUNNING trial may belong to a live
// worker elsewhere, told from a dead one only by its heartbeat, and recovery must be given a
// grace period (search uses DefaultSharedGrace or --stale-after), never grace 0. A storage that
// does not implement Shared is taken as held by one process (a second writer is refused), so
// RecoverStale with grace 0 at start-up fails only trials of dead processes; storetest checks
// that a back end letting a second writer open the same store implements Shared and reports true.
type Shared interface {
	Shared() bool
}

// IsShared reports whether db is written by other processes at the same time (see Shared).
func IsShared(db any) bool {
	s, ok := db.(Shared)
	return ok && s.Shared()
}

// Exporter writes a study in the export format (JSON Lines: an ExportStudy line, then one
// ExportTrial line per trial in number order), which ParseExport reads.
type Exporter interface {
	Export(w io.Writer, studyID int) error
}

// Importer reads a study in the export format into a new study called name (the exported name
// when empty), in one transaction, and returns its ID; a name in use gives ErrStudyExists.
type Importer interface {
	Import(r io.Reader, name string) (int, error)
}
