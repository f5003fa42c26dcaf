package trainer

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/bleu"
	"github.com/attnsearch/attnsearch/trainer/data"
	"gorgonia.org/tensor"
)

// A SuperTransformer holds one set of weights at the largest shape of a space; a sub-network
// (any Config within that shape) uses their leading slices: every weight of the sub-network's
// model is the leading block [0:rows, 0:cols] of the weight of the same name in the
// SuperTransformer, so that it takes the first d_model columns of the embeddings, LayerNorm over
// the active width, the leading query heads and the leading (shared, GQA) key/value heads of the
// projections, the leading feed-forward units and the first enc_layers and dec_layers layers.
// The SuperTransformer's own container shape is one head of width d_model (its key/value
// projections are d_model wide, which every sub-network's key/value heads fit in).
//
// A training step builds (or takes from a cache) the ordinary training graph of the
// sub-network's model, copies the leading slices into its weights, runs it (data-parallel
// shards as Train) and adds its gradients into the SuperTransformer's full-shape gradients,
// zero outside the slices; one Adam update then applies them. The sub-network's loss and
// gradients are therefore exactly those of a standalone model built from the sliced weights.

// maxSuperGraphs bounds the cached sub-network graphs (one per architecture and padded shape):
// each holds its activations and gradients (hundreds of MB for the largest sub-networks of a
// large vocabulary), and building one costs far less than a step of a large sub-network.
const maxSuperGraphs = 4

// SuperNet is a SuperTransformer being trained on a data set.
type SuperNet struct {
	d      dims // the largest shape (one head)
	arch   space.Arch
	p      *params // the shared weights
	opt    *adam
	opts   Options
	base   space.Config // the non-architecture settings of every step (lr, dropout, …)
	ds     *data.Dataset
	B      int
	shards int
	steps  int            // optimizer updates done
	grad   []float64      // one flat full-shape gradient buffer
	idx    map[string]int // parameter index by name
	goff   []int          // offset of each parameter in grad
	graphs map[superKey]*subGraph
	used   int // LRU clock
	epoch  int
	order  [][]data.Pair // batches of epoch (cached)
	// Distill makes the first sub-network of a step with several (sandwich sampling's largest)
	// the teacher of the others: they learn its output distribution instead of the references
	// (in-place distillation, as BigNAS).
	Distill bool
	soft    [][]float32 // the teacher's output probabilities, one slice per shard
}

// superKey identifies a cached sub-network graph.
type superKey struct {
	D, H, KVH, FF, Enc, Dec, S, T int
}

// subGraph is the training step of one sub-network shape with its own weight tensors, refilled
// from the SuperTransformer's slices before each run.
type subGraph struct {
	d    dims
	p    *params
	st   *step
	used int
}

// NewSuperNet creates the SuperTransformer of the largest architecture (largest's d_model,
// heads' upper bound as far as d_model is concerned only through its slices, d_ff and layers)
// on ds; base gives the settings every step uses besides the architecture (lr, warmup, dropout,
// weight decay, label smoothing). opts.Seed initialises the weights and orders the data;
// horizon is the number of updates the learning-rate schedule spans.
func NewSuperNet(largest, base space.Config, ds *data.Dataset, opts Options, horizon int) (*SuperNet, error) {
	if ds == nil || ds.SrcVocab == nil || ds.TgtVocab == nil || len(ds.Train) == 0 || len(ds.Valid) == 0 {
		return nil, errors.New("trainer: supernet: data set needs vocabularies and non-empty train and valid splits")
	}
	tr := opts.Training
	if tr.BatchSize < 1 {
		return nil, fmt.Errorf("trainer: supernet: batch size %d must be at least 1", tr.BatchSize)
	}
	arch := ArchFor(ds, tr)
	if a := opts.Arch; a != nil {
		if a.MaxPositions < arch.MaxPositions || a.SrcVocab != arch.SrcVocab || a.TgtVocab != arch.TgtVocab {
			return nil, fmt.Errorf("trainer: supernet: architecture %+v does not fit the data (%+v)", *a, arch)
		}
		arch = *a
	}
	c := largest
	c.Heads, c.KVHeads = 1, 1
	d, err := newDims(c, arch)
	if err != nil {
		return nil, fmt.Errorf("trainer: supernet: %w", err)
	}
	opt, err := newAdam(base, tr, max(1, horizon))
	if err != nil {
		return nil, err
	}
	opt.threads = opts.Threads
	s := &SuperNet{d: d, arch: arch, p: newParams(d, tensor.Float32, opts.Seed), opt: opt, opts: opts, base: base, ds: ds,
		B: min(tr.BatchSize, len(ds.Train)), graphs: map[superKey]*subGraph{}}
	s.shards = shards(opts.Threads, s.B)
	n := 0
	s.idx = map[string]int{}
	for i, sp := range s.p.specs {
		s.idx[sp.name] = i
		s.goff = append(s.goff, n)
		n += sp.shape[0] * sp.shape[1]
	}
	s.grad = make([]float64, n)
	return s, nil
}

// Close releases the cached graphs.
func (s *SuperNet) Close() {
	for _, g := range s.graphs {
		g.release()
	}
	s.graphs = map[superKey]*subGraph{}
}

// release closes the sub-network graph's machines and drops their finalizers. gorgonia sets a
// finalizer on every tape machine (a no-op without CUDA, and Close has already run it), and an
// object with a finalizer keeps everything it reaches alive for one more GC cycle. A
// SuperTransformer evicts a graph almost every update (the cache key includes the
// architecture), so the evicted graphs' activations and gradients, allocated between two
// collections, would all still be marked live at the next one: the live heap, and the heap
// goal twice it, would grow with every cycle (19 GB after 1,500 updates of the main job).
func (g *subGraph) release() {
	g.st.close()
	for _, part := range g.st.parts {
		runtime.SetFinalizer(part.vm, nil)
		part.vm = nil
	}
	g.st.parts, g.p = nil, nil
}

// Steps is the number of optimizer updates done.
func (s *SuperNet) Steps() int { return s.steps }

// Params is the number of scalar weights of the SuperTransformer.
func (s *SuperNet) Params() int64 { return s.d.paramCount() }

// subDims returns the model shape of sub-network cfg, or an error when it does not fit the
// SuperTransformer's shape.
func (s *SuperNet) subDims(cfg space.Config) (dims, error) {
	d, err := newDims(cfg, s.arch)
	if err != nil {
		return d, err
	}
	if d.D > s.d.D || d.FF > s.d.FF || d.Enc > s.d.Enc || d.Dec > s.d.Dec {
		return d, fmt.Errorf("trainer: supernet: sub-network d_model %d, d_ff %d, %d+%d layers exceeds the SuperTransformer's %d, %d, %d+%d",
			d.D, d.FF, d.Enc, d.Dec, s.d.D, s.d.FF, s.d.Enc, s.d.Dec)
	}
	return d, nil
}

// eachSlice calls f for every parameter of sub-network d with its super tensor's data, the super
// row width and the sub-network's shape (rows, cols).
func (s *SuperNet) eachSlice(d dims, f func(i int, sp pspec, super []float32, superCols int) error) error {
	for _, sp := range d.layout() {
		j, ok := s.idx[sp.name]
		if !ok {
			return fmt.Errorf("trainer: supernet: sub-network weight %s has no SuperTransformer counterpart", sp.name)
		}
		ss := s.p.specs[j].shape
		if sp.shape[0] > ss[0] || sp.shape[1] > ss[1] {
			return fmt.Errorf("trainer: supernet: sub-network weight %s %v exceeds %v", sp.name, sp.shape, ss)
		}
		if err := f(j, sp, s.p.t[sp.name].Data().([]float32), ss[1]); err != nil {
			return err
		}
	}
	return nil
}

// SubWeights returns copies of sub-network cfg's weights (the leading slices), by parameter
// name, row-major in the sub-network's shapes.
func (s *SuperNet) SubWeights(cfg space.Config) (map[string][]float32, error) {
	d, err := s.subDims(cfg)
	if err != nil {
		return nil, err
	}
	out := map[string][]float32{}
	err = s.eachSlice(d, func(_ int, sp pspec, sup []float32, sc int) error {
		r, c := sp.shape[0], sp.shape[1]
		w := make([]float32, r*c)
		for i := 0; i < r; i++ {
			copy(w[i*c:(i+1)*c], sup[i*sc:i*sc+c])
		}
		out[sp.name] = w
		return nil
	})
	return out, err
}

// graph returns the cached training step of sub-network d for the batch's padded shape.
func (s *SuperNet) graph(d dims, batch []data.Pair) (*subGraph, error) {
	S, T := batchShape(batch)
	key := superKey{d.D, d.H, d.KVH, d.FF, d.Enc, d.Dec, S, T}
	s.used++
	if g, ok := s.graphs[key]; ok {
		g.used = s.used
		return g, nil
	}
	if len(s.graphs) >= maxSuperGraphs {
		var old superKey
		oldest := math.MaxInt
		for k, g := range s.graphs {
			if g.used < oldest {
				old, oldest = k, g.used
			}
		}
		s.graphs[old].release()
		delete(s.graphs, old)
	}
	p := &params{dt: tensor.Float32, specs: d.layout(), t: map[string]*tensor.Dense{}}
	for _, sp := range p.specs {
		p.t[sp.name] = tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(sp.shape...))
	}
	st, err := buildSharded(d, p, s.B, S, T, s.base.Dropout, s.shards)
	if err != nil {
		return nil, err
	}
	g := &subGraph{d: d, p: p, st: st, used: s.used}
	s.graphs[key] = g
	return g, nil
}

// batch returns the batch of update n: the data is ordered as Train orders it, epoch by epoch.
func (s *SuperNet) batch(n int) []data.Pair {
	per := (len(s.ds.Train) + s.opts.Training.BatchSize - 1) / s.opts.Training.BatchSize
	epoch := n/per + 1
	if epoch != s.epoch || s.order == nil {
		s.order, s.epoch = data.Batches(s.ds.Train, s.opts.Training.BatchSize, s.opts.Seed, epoch), epoch
	}
	return s.order[n%per]
}

// subLoss runs sub-network cfg on batch (dropout stream k of update n) and adds its gradients
// into s.grad; it returns the loss.
func (s *SuperNet) subLoss(cfg space.Config, batch []data.Pair, n, k int, teach, learn [][]float32) (float64, error) {
	d, err := s.subDims(cfg)
	if err != nil {
		return 0, err
	}
	g, err := s.graph(d, batch)
	if err != nil {
		return 0, err
	}
	// Refill the sub-network's weights with the leading slices.
	if err := s.eachSlice(d, func(_ int, sp pspec, sup []float32, sc int) error {
		w := g.p.t[sp.name].Data().([]float32)
		r, c := sp.shape[0], sp.shape[1]
		for i := 0; i < r; i++ {
			copy(w[i*c:(i+1)*c], sup[i*sc:i*sc+c])
		}
		return nil
	}); err != nil {
		return 0, err
	}
	loss, grads, err := g.st.runTaught(d, batch, s.base.LabelSmoothing, s.base.Dropout, s.opts.Seed, n*3+k, teach, learn)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("loss %v: %w", loss, ErrDiverged)
	}
	// Scatter: each shard's gradient of each weight into the leading block of its full shape.
	i := 0
	return loss, s.eachSlice(d, func(j int, sp pspec, _ []float32, sc int) error {
		r, c := sp.shape[0], sp.shape[1]
		dst := s.grad[s.goff[j]:]
		for _, shard := range grads {
			n := shard[i]
			if n.Value() == nil {
				return fmt.Errorf("trainer: supernet: gradient %s has no value", sp.name)
			}
			src, ok := n.Value().Data().([]float32)
			if !ok {
				return fmt.Errorf("trainer: supernet: gradient %s of type %T", sp.name, n.Value().Data())
			}
			for row := 0; row < r; row++ {
				dr, sr := dst[row*sc:row*sc+c], src[row*c:(row+1)*c]
				for col, v := range sr {
					dr[col] += float64(v)
				}
			}
		}
		i++
		return nil
	})
}

// Step runs one update: each sub-network of archs (one, or three with sandwich sampling) on the
// update's batch, their gradients summed, one Adam update of the shared weights. It returns the
// summed loss.
func (s *SuperNet) Step(archs []space.Config) (loss float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			loss, err = 0, fmt.Errorf("trainer: supernet: panic: %v", r)
		}
	}()
	if len(archs) == 0 {
		return 0, errors.New("trainer: supernet: step without a sub-network")
	}
	if s.opts.Threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(s.opts.Threads))
	}
	clear(s.grad)
	batch := s.batch(s.steps)
	var teach, learn [][]float32
	if s.Distill && len(archs) > 1 {
		if len(s.soft) != s.shards {
			s.soft = make([][]float32, s.shards)
		}
		learn = s.soft
	}
	for k, cfg := range archs {
		if k == 1 && learn != nil {
			teach, learn = learn, nil
		}
		l, err := s.subLoss(cfg, batch, s.steps, k, teach, learn)
		if err != nil {
			return 0, fmt.Errorf("trainer: supernet step %d: %w", s.steps, err)
		}
		loss += l
	}
	if _, err := s.opt.stepFlat(s.p, s.grad, s.goff); err != nil {
		return loss, fmt.Errorf("trainer: supernet step %d: %w", s.steps, err)
	}
	if s.opts.MaxL2Norm > 0 {
		s.p.project(s.opts.MaxL2Norm)
	}
	s.steps++
	return loss, nil
}

// SubResult holds the figures of one sub-network evaluated with inherited weights.
type SubResult struct {
	BLEU      float64 // greedy-decode BLEU of the evaluated validation sentences (0-100)
	Exact     float64 // exact-match rate of those translations
	LatencyMS float64 // median ms of greedy-translating one of them alone (batch 1, one goroutine)
	Params    int64   // the sub-network's parameter count
	// Loss and Accuracy are filled by EvaluateForced: the references' mean negative
	// log-likelihood per token (EOS included) given their prefixes, and the share of those tokens
	// that are the most likely one, on the same sentences, without decoding.
	Loss, Accuracy float64
}

// Evaluate scores sub-network cfg with its inherited weights: greedy translations of the first n
// validation sentences (0 = all), decoded in parallel on GOMAXPROCS goroutines, each one's wall
// time taken for the latency (median).
func (s *SuperNet) Evaluate(ctx context.Context, cfg space.Config, n int) (SubResult, error) {
	return s.evaluate(ctx, cfg, n, false)
}

// EvaluateForced is Evaluate with the teacher-forced figures (SubResult.Loss, Accuracy) of the
// same sentences, from the same copy of the inherited weights.
func (s *SuperNet) EvaluateForced(ctx context.Context, cfg space.Config, n int) (SubResult, error) {
	return s.evaluate(ctx, cfg, n, true)
}

// evaluate is Evaluate, with the teacher-forced figures when withForced.
func (s *SuperNet) evaluate(ctx context.Context, cfg space.Config, n int, withForced bool) (SubResult, error) {
	in, err := s.subInfer(cfg)
	if err != nil {
		return SubResult{}, err
	}
	d := in.d
	pairs := s.ds.Valid
	if n <= 0 || n > len(pairs) {
		n = len(pairs)
	}
	hyps, refs, ms := make([]string, n), make([]string, n), make([]float64, n)
	parallel(ctx, n, func(i int) {
		t0 := time.Now()
		out := in.greedy(pairs[i].Src)
		ms[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
		hyps[i] = s.ds.TgtVocab.Decode(out)
		refs[i] = pairs[i].TgtText
	})
	if err := ctx.Err(); err != nil {
		return SubResult{}, fmt.Errorf("trainer: supernet: evaluate: %w", err)
	}
	sort.Float64s(ms)
	lat := ms[n/2]
	if n%2 == 0 {
		lat = (ms[n/2-1] + ms[n/2]) / 2
	}
	r := SubResult{BLEU: bleu.Corpus(hyps, refs).BLEU, Exact: bleu.ExactMatch(hyps, refs), LatencyMS: lat, Params: d.paramCount()}
	if withForced {
		r.Loss, r.Accuracy = forced(ctx, in, pairs[:n])
		if err := ctx.Err(); err != nil {
			return SubResult{}, fmt.Errorf("trainer: supernet: evaluate: %w", err)
		}
	}
	return r, nil
}

// subInfer returns the inference path of sub-network cfg over copies of its inherited weights.
func (s *SuperNet) subInfer(cfg space.Config) (*infer, error) {
	d, err := s.subDims(cfg)
	if err != nil {
		return nil, err
	}
	in := &infer{d: d, w: map[string][]float64{}}
	err = s.eachSlice(d, func(_ int, sp pspec, sup []float32, sc int) error {
		r, c := sp.shape[0], sp.shape[1]
		w := make([]float64, r*c)
		for i := 0; i < r; i++ {
			for j, v := range sup[i*sc : i*sc+c] {
				w[i*c+j] = float64(v)
			}
		}
		in.w[sp.name] = w
		return nil
	})
	return in, err
}

// stepFlat applies one update from full-shape gradients g (flat, parameter i at off[i]) and
// returns the gradient norm before clipping; it is step for gradients that are not graph nodes.
func (a *adam) stepFlat(p *params, g []float64, off []int) (float64, error) {
	a.begin(p)
	gs := make([][]float64, len(p.specs))
	var sq float64
	for i, s := range p.specs {
		n := s.shape[0] * s.shape[1]
		gi := g[off[i] : off[i]+n]
		if !a.decoupled && a.wd > 0 && decays(s.name) {
			th := f64(p.t[s.name])
			for j := range gi {
				gi[j] += a.wd * th[j]
			}
		}
		for _, x := range gi {
			sq += x * x
		}
		gs[i] = gi
	}
	return a.finish(p, gs, sq, groups(p.specs, max(1, a.threads)))
}

// checkpointMagic opens every SuperTransformer checkpoint file (format version 1).
const checkpointMagic = "attnsearch-supernet-1\n"

// checkpointHeader is the JSON header of a checkpoint: the update count, the optimizer's step,
// the caller's metadata and every weight's name and shape (checked against the loader's).
type checkpointHeader struct {
	Steps  int               `json:"steps"`
	AdamT  int               `json:"adam_t"`
	Meta   map[string]string `json:"meta,omitempty"`
	Names  []string          `json:"names"`
	Shapes [][2]int          `json:"shapes"`
}

// Save writes the SuperTransformer's state (weights, Adam moments, update count) and meta to
// path atomically: a temporary file beside it, synced, renamed over path, the directory synced.
// The file ends with a CRC-32C of everything before it.
func (s *SuperNet) Save(path string, meta map[string]string) error {
	h := checkpointHeader{Steps: s.steps, AdamT: s.opt.t, Meta: meta}
	for _, sp := range s.p.specs {
		h.Names = append(h.Names, sp.name)
		h.Shapes = append(h.Shapes, [2]int{sp.shape[0], sp.shape[1]})
	}
	js, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("trainer: supernet checkpoint: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("trainer: supernet checkpoint: %w", err)
	}
	defer os.Remove(tmp) // gone after the rename; removes a partial file on error
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	w := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)
	var b8 [8]byte
	put64 := func(x uint64) { binary.LittleEndian.PutUint64(b8[:], x); w.Write(b8[:]) }
	put32 := func(x uint32) { binary.LittleEndian.PutUint32(b8[:4], x); w.Write(b8[:4]) }
	w.WriteString(checkpointMagic)
	put64(uint64(len(js)))
	w.Write(js)
	for _, sp := range s.p.specs {
		for _, x := range s.p.t[sp.name].Data().([]float32) {
			put32(math.Float32bits(x))
		}
		n := sp.shape[0] * sp.shape[1]
		m, v := s.opt.m[sp.name], s.opt.v[sp.name]
		for _, mv := range [][]float64{m, v} {
			for i := 0; i < n; i++ {
				x := 0.0
				if mv != nil {
					x = mv[i]
				}
				put64(math.Float64bits(x))
			}
		}
	}
	err = w.Flush()
	if err == nil {
		binary.LittleEndian.PutUint32(b8[:4], crc.Sum32())
		_, err = f.Write(b8[:4])
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		if d, derr := os.Open(filepath.Dir(path)); derr == nil {
			err = d.Sync()
			d.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("trainer: supernet checkpoint %s: %w", path, err)
	}
	return nil
}

// ErrBadCheckpoint marks a checkpoint file that is damaged or belongs to another shape.
var ErrBadCheckpoint = errors.New("damaged or mismatched supernet checkpoint")

// Load restores the state Save wrote to path into s (built with the same settings) and returns
// its metadata. A missing file wraps fs.ErrNotExist; a damaged one, or one of another shape,
// wraps ErrBadCheckpoint and leaves s unchanged.
func (s *SuperNet) Load(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trainer: supernet checkpoint: %w", err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("trainer: supernet checkpoint %s: %s: %w", path, fmt.Sprintf(format, args...), ErrBadCheckpoint)
	}
	if len(raw) < len(checkpointMagic)+12 || string(raw[:len(checkpointMagic)]) != checkpointMagic {
		return nil, bad("not a checkpoint")
	}
	body, sum := raw[:len(raw)-4], binary.LittleEndian.Uint32(raw[len(raw)-4:])
	if crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)) != sum {
		return nil, bad("checksum mismatch")
	}
	r := body[len(checkpointMagic):]
	hl := binary.LittleEndian.Uint64(r)
	r = r[8:]
	if hl > uint64(len(r)) {
		return nil, bad("header length %d", hl)
	}
	var h checkpointHeader
	if err := json.Unmarshal(r[:hl], &h); err != nil {
		return nil, bad("header: %v", err)
	}
	r = r[hl:]
	if len(h.Names) != len(s.p.specs) || len(h.Shapes) != len(h.Names) {
		return nil, bad("%d weights, want %d", len(h.Names), len(s.p.specs))
	}
	need := 0
	for i, sp := range s.p.specs {
		if h.Names[i] != sp.name || h.Shapes[i] != [2]int{sp.shape[0], sp.shape[1]} {
			return nil, bad("weight %s %v, want %s %v", h.Names[i], h.Shapes[i], sp.name, sp.shape)
		}
		need += sp.shape[0] * sp.shape[1] * 20
	}
	if len(r) != need {
		return nil, bad("%d bytes of weights, want %d", len(r), need)
	}
	for _, sp := range s.p.specs {
		n := sp.shape[0] * sp.shape[1]
		w := s.p.t[sp.name].Data().([]float32)
		for i := range w {
			w[i] = math.Float32frombits(binary.LittleEndian.Uint32(r[4*i:]))
		}
		r = r[4*n:]
		m, v := make([]float64, n), make([]float64, n)
		for _, mv := range [][]float64{m, v} {
			for i := range mv {
				mv[i] = math.Float64frombits(binary.LittleEndian.Uint64(r[8*i:]))
			}
			r = r[8*n:]
		}
		s.opt.m[sp.name], s.opt.v[sp.name] = m, v
	}
	s.steps, s.opt.t = h.Steps, h.AdamT
	return h.Meta, nil
}
