package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// Bucket and key names of the file layout.
var (
	bMeta        = []byte("meta")
	bStudies     = []byte("studies")
	bStudyNames  = []byte("study_names")
	bTrialIndex  = []byte("trial_index")
	bTrials      = []byte("trials")
	bUserAttrs   = []byte("user_attrs")
	bSystemAttrs = []byte("system_attrs")
	kFormat      = []byte("format")
	kSchema      = []byte("schema")
	kInfo        = []byte("info")
)

// recVersion is the first byte of every trial record.
const recVersion = 1

// errCorrupt marks a record that cannot be decoded.
var errCorrupt = errors.New("corrupt record")

// step is one stored intermediate value.
type step struct {
	step  int
	value float64
}

// trialRec is the stored form of a trial.
type trialRec struct {
	id, studyID, number int
	state               goptuna.TrialState
	value               float64
	start, complete     time.Time
	heartbeat           time.Time
	steps               []step        // sorted by step
	params              []store.Param // sorted by name
	userAttrs           map[string]string
	systemAttrs         map[string]string
}

// itob encodes an ID or number as a sortable bucket key.
func itob(v int) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(v))
	return b
}

// btoi decodes a bucket key made by itob.
func btoi(b []byte) int { return int(binary.BigEndian.Uint64(b)) }

// encoder appends primitive values to a byte slice.
type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

func (e *encoder) varint(v int64) { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) f64(v float64) { e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(v)) }

func (e *encoder) str(s string) { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.uvarint(0)
		return
	}
	tb, err := t.MarshalBinary()
	if err != nil { // only for zone offsets that are not whole minutes; keep the instant in UTC
		tb, _ = t.UTC().MarshalBinary()
	}
	e.uvarint(uint64(len(tb)))
	e.b = append(e.b, tb...)
}

func (e *encoder) attrs(m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(m[k])
	}
}

// decoder reads primitive values; the first failure sticks in err.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

// readVarint reads one varint with read (binary.Uvarint or binary.Varint).
func readVarint[T uint64 | int64](d *decoder, read func([]byte) (T, int)) T {
	v, n := read(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 { return readVarint(d, binary.Uvarint) }

func (d *decoder) varint() int64 { return readVarint(d, binary.Varint) }

func (d *decoder) byte1() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) f64() float64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string { return string(d.bytes()) }

func (d *decoder) time() time.Time {
	b := d.bytes()
	if len(b) == 0 {
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary(b); err != nil {
		d.fail()
	}
	return t
}

func (d *decoder) attrs() map[string]string { return d.attrsKept(nil) }

// attrsKept reads attributes, keeping only those keep accepts (every one when keep is nil).
func (d *decoder) attrsKept(keep func(string) bool) map[string]string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	size := n
	if keep != nil {
		size = 0
	}
	m := make(map[string]string, size)
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.bytes()
		v := d.bytes()
		if keep == nil || keep(string(k)) { // string(k) in a call does not allocate
			m[string(k)] = string(v)
		}
	}
	return m
}

// encodeTrial serialises a trial record.
func encodeTrial(r *trialRec) []byte {
	e := encoder{b: make([]byte, 0, 256)}
	e.b = append(e.b, recVersion)
	e.varint(int64(r.id))
	e.varint(int64(r.studyID))
	e.varint(int64(r.number))
	e.varint(int64(r.state))
	e.f64(r.value)
	e.time(r.start)
	e.time(r.complete)
	e.time(r.heartbeat)
	e.uvarint(uint64(len(r.steps)))
	for _, s := range r.steps {
		e.varint(int64(s.step))
		e.f64(s.value)
	}
	e.uvarint(uint64(len(r.params)))
	for _, p := range r.params {
		e.str(p.Name)
		e.f64(p.Internal)
		e.str(p.Dist)
	}
	e.attrs(r.userAttrs)
	e.attrs(r.systemAttrs)
	return e.b
}

// decodeTrial parses a record made by encodeTrial; the result shares no memory with b.
func decodeTrial(b []byte) (*trialRec, error) { return decodeTrialProj(b, nil) }

// decodeTrialProj is decodeTrial that skips, without copying, what p leaves out (nil: nothing).
func decodeTrialProj(b []byte, p *store.Projection) (*trialRec, error) {
	d := decoder{b: b}
	if v := d.byte1(); v != recVersion {
		return nil, fmt.Errorf("%w: record version %d", errCorrupt, v)
	}
	r := &trialRec{}
	r.id = int(d.varint())
	r.studyID = int(d.varint())
	r.number = int(d.varint())
	r.state = goptuna.TrialState(d.varint())
	r.value = d.f64()
	r.start = d.time()
	r.complete = d.time()
	r.heartbeat = d.time()
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		n = 0
	}
	r.steps = make([]step, n)
	for i := range r.steps {
		r.steps[i] = step{step: int(d.varint()), value: d.f64()}
	}
	if p != nil && p.NoIntermediate {
		r.steps = r.steps[:0]
	}
	n = d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		n = 0
	}
	if p != nil && p.NoParams {
		for i := uint64(0); i < n && d.err == nil; i++ {
			d.bytes()
			d.f64()
			d.bytes()
		}
	} else {
		r.params = make([]store.Param, n)
		for i := range r.params {
			r.params[i] = store.Param{Name: d.str(), Internal: d.f64(), Dist: d.str()}
		}
	}
	if p != nil {
		r.userAttrs = d.attrsKept(p.KeepUserAttr)
	} else {
		r.userAttrs = d.attrs()
	}
	r.systemAttrs = d.attrs()
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(d.b))
	}
	return r, nil
}

// trialHead is the leading part of a record: enough to rank trials without decoding the rest.
type trialHead struct {
	number int
	state  goptuna.TrialState
	value  float64
	start  time.Time
}

// decodeHead parses only the leading fields of a record made by encodeTrial.
func decodeHead(b []byte) (trialHead, error) {
	d := decoder{b: b}
	if v := d.byte1(); v != recVersion {
		return trialHead{}, fmt.Errorf("%w: record version %d", errCorrupt, v)
	}
	var h trialHead
	d.varint() // id
	d.varint() // study
	h.number = int(d.varint())
	h.state = goptuna.TrialState(d.varint())
	h.value = d.f64()
	h.start = d.time()
	return h, d.err
}

// setParam stores or replaces a parameter, keeping params sorted by name.
func (r *trialRec) setParam(p store.Param) {
	i, found := slices.BinarySearchFunc(r.params, p.Name, func(a store.Param, name string) int {
		switch {
		case a.Name < name:
			return -1
		case a.Name > name:
			return 1
		}
		return 0
	})
	if found {
		r.params[i] = p
		return
	}
	r.params = slices.Insert(r.params, i, p)
}

// addStep stores an intermediate value, refusing a step already present.
func (r *trialRec) addStep(s step) error {
	i, found := slices.BinarySearchFunc(r.steps, s.step, func(a step, k int) int { return a.step - k })
	if found {
		return store.ErrDuplicateStep
	}
	r.steps = slices.Insert(r.steps, i, s)
	return nil
}

// frozen converts a record into a goptuna.FrozenTrial that shares no memory with r.
func (s *Store) frozen(r *trialRec) (goptuna.FrozenTrial, error) {
	steps := make(map[int]float64, len(r.steps))
	for _, st := range r.steps {
		steps[st.step] = st.value
	}
	head := goptuna.FrozenTrial{ID: r.id, StudyID: r.studyID, Number: r.number, State: r.state, Value: r.value,
		DatetimeStart: r.start, DatetimeComplete: r.complete, IntermediateValues: steps}
	return s.dists.Frozen(head, r.params, r.userAttrs, r.systemAttrs)
}
