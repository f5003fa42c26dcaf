package tpe

import (
	"math"
	"sort"
	"sync"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/search/internal/observe"
)

// Index holds a study's finished trials in the orders TPE reads them, updated as trials finish
// instead of rebuilt from the whole history at every point: the trials by ordinal, by the
// single-objective split's key, and for each parameter by its kernel-space value. Every order is
// a total order (ties broken by ordinal), so an index grown one trial at a time equals one built
// at once from the same history: the point drawn is the same (a resumed study, whose index
// starts empty, draws what an uninterrupted one draws). It is safe for concurrent use.
type Index struct {
	mu      sync.Mutex
	names   []string
	dists   []interface{}
	nobj    int
	recs    []*rec    // usable finished trials, increasing ordinal
	byKey   []*rec    // SplitSingle's order
	byParam [][]entry // per names[j], sorted by (value, ordinal)
	apos    []int32   // scratch, by rec id: position in the bad group of the current point, −1 when good
	joint   jointScratch
	trials  []observe.Trial // scratch: the indexed trials handed to a SplitFunc
}

// rec is one indexed trial.
type rec struct {
	t     observe.Trial
	viol  float64
	x     []float64 // kernel-space value of each parameter
	id    int32     // position in Index.apos (the order trials were indexed in)
	below bool      // scratch: in the good group of the current point
}

// entry is one trial's value of one parameter, with the cached normaliser of its kernel.
type entry struct {
	v     float64
	id    int32   // the trial's rec id
	ord   int32   // the trial's ordinal
	sigma float64 // the sigma lnorm was computed for (0: none yet)
	lnorm float64 // log(σ·√(2π)·accept)
}

// keyLess is SplitSingle's order: feasible first, infeasible by violation; complete before
// pruned, pruned by decreasing step; then by value and ordinal.
func keyLess(a, b *rec) bool {
	if (a.viol == 0) != (b.viol == 0) {
		return a.viol == 0
	}
	if a.viol > 0 && a.viol != b.viol {
		return a.viol < b.viol
	}
	sa, sb := stepKey(a.t), stepKey(b.t)
	if sa != sb {
		return sa < sb
	}
	if va, vb := a.t.Values[0], b.t.Values[0]; va != vb {
		return va < vb || (math.IsNaN(vb) && !math.IsNaN(va))
	}
	return a.t.Ordinal < b.t.Ordinal
}

func stepKey(t observe.Trial) float64 {
	if t.State == observe.Complete {
		return math.Inf(-1)
	}
	return -float64(t.Step)
}

func entryLess(a, b entry) bool {
	if a.v != b.v {
		return a.v < b.v
	}
	return a.ord < b.ord
}

// sameSpace reports whether the index was built for names and space.
func (ix *Index) sameSpace(names []string, space map[string]interface{}, nobj int) bool {
	if ix.nobj != nobj || len(names) != len(ix.names) {
		return false
	}
	for j, n := range names {
		if n != ix.names[j] || !sameDist(space[n], ix.dists[j]) {
			return false
		}
	}
	return true
}

func sameDist(a, b interface{}) bool {
	da, db := newDim(a), newDim(b)
	return da.choices == db.choices && da.low == db.low && da.high == db.high && da.q == db.q && da.shift == db.shift && da.log == db.log
}

// reset empties the index for names and space.
func (ix *Index) reset(names []string, space map[string]interface{}, nobj int) {
	ix.names, ix.nobj = names, nobj
	ix.dists = make([]interface{}, len(names))
	for j, n := range names {
		ix.dists[j] = space[n]
	}
	ix.recs, ix.byKey, ix.apos = nil, nil, nil
	ix.byParam = make([][]entry, len(names))
}

// update brings the index to the finished trials of past (increasing ordinal): the trials
// past adds are inserted; a trial the index holds that past no longer holds, or holds in another
// state, empties it first. It reports whether every finished trial that has objective values
// holds every parameter (else the caller must fall back to per-parameter histories).
func (ix *Index) update(past []observe.Trial, names []string, space map[string]interface{}, nobj int) bool {
	if !ix.sameSpace(names, space, nobj) {
		ix.reset(names, space, nobj)
	}
	var added []*rec
	complete := true
	i := 0
	for _, t := range past {
		if t.State == observe.Running {
			continue
		}
		for i < len(ix.recs) && ix.recs[i].t.Ordinal < t.Ordinal {
			ix.reset(names, space, nobj) // an indexed trial left the history
			return ix.update(past, names, space, nobj)
		}
		if i < len(ix.recs) && ix.recs[i].t.Ordinal == t.Ordinal {
			if r := ix.recs[i]; r.t.State != t.State || r.t.Step != t.Step {
				ix.reset(names, space, nobj)
				return ix.update(past, names, space, nobj)
			}
			i++
			continue
		}
		f := observe.Finished([]observe.Trial{t}, names, nobj)
		if len(f) == 0 {
			if len(observe.Finished([]observe.Trial{t}, nil, nobj)) > 0 {
				complete = false
			}
			continue
		}
		r := &rec{t: f[0], viol: front.TotalViolation(t.Constraints), x: make([]float64, len(names)), id: int32(len(ix.apos))}
		ix.apos = append(ix.apos, 0)
		for j, n := range names {
			r.x[j] = toKernel(space[n], t.Params[n])
		}
		added = append(added, r)
	}
	if i < len(ix.recs) {
		ix.reset(names, space, nobj)
		return ix.update(past, names, space, nobj)
	}
	if len(added) == 0 {
		return complete
	}
	if len(added) > 32 {
		ix.recs = append(ix.recs, added...)
		sort.Slice(ix.recs, func(a, b int) bool { return ix.recs[a].t.Ordinal < ix.recs[b].t.Ordinal })
		ix.byKey = append(ix.byKey, added...)
		sort.Slice(ix.byKey, func(a, b int) bool { return keyLess(ix.byKey[a], ix.byKey[b]) })
		for j := range ix.byParam {
			for _, r := range added {
				ix.byParam[j] = append(ix.byParam[j], entry{v: r.x[j], id: r.id, ord: int32(r.t.Ordinal)})
			}
			es := ix.byParam[j]
			sort.Slice(es, func(a, b int) bool { return entryLess(es[a], es[b]) })
		}
		return complete
	}
	for _, r := range added {
		k := sort.Search(len(ix.recs), func(a int) bool { return ix.recs[a].t.Ordinal > r.t.Ordinal })
		ix.recs = insertAt(ix.recs, k, r)
		k = sort.Search(len(ix.byKey), func(a int) bool { return keyLess(r, ix.byKey[a]) })
		ix.byKey = insertAt(ix.byKey, k, r)
		for j := range ix.byParam {
			e := entry{v: r.x[j], id: r.id, ord: int32(r.t.Ordinal)}
			es := ix.byParam[j]
			k := sort.Search(len(es), func(a int) bool { return entryLess(e, es[a]) })
			ix.byParam[j] = insertAt(es, k, e)
		}
	}
	return complete
}

func insertAt[T any](xs []T, k int, x T) []T {
	var zero T
	xs = append(xs, zero)
	copy(xs[k+1:], xs[k:])
	xs[k] = x
	return xs
}
