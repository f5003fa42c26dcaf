package serve

import (
	"fmt"
	"html/template"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/record"
)

// funcs are the templates' helper functions.
var funcs = template.FuncMap{
	"display": record.Display,
	"pct":     func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("2006-01-02 15:04:05")
	},
	"path": pathEscape,
}

// pathEscape escapes a study name for a URL path.
func pathEscape(s string) string { return url.PathEscape(s) }

// render executes a page template; a failure is a 500.
func (h *Handler) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := h.pages.ExecuteTemplate(w, name, data); err != nil {
		http.Error(w, "serve: render "+name+": "+err.Error(), http.StatusInternalServerError)
	}
}

// fail answers an error: 404 for a missing study or trial, else 500.
func fail(w http.ResponseWriter, err error, notFound bool) {
	code := http.StatusInternalServerError
	if notFound {
		code = http.StatusNotFound
	}
	http.Error(w, err.Error(), code)
}

// studiesPage is the data of the studies page.
type studiesPage struct {
	Location string
	Studies  []listEntry
}

// serveStudies serves the list of studies.
func (h *Handler) serveStudies(w http.ResponseWriter, r *http.Request) {
	list, err := h.studyList(r.Context())
	if err != nil {
		fail(w, err, false)
		return
	}
	h.render(w, "studies.html", studiesPage{Location: h.opts.Location, Studies: list})
}

// column is one column of the trials table.
type column struct {
	Key, Label string
	Sorted     bool // the table is sorted by it
	Desc       bool
	Href       string // the link that sorts by it
}

// row is one row of the trials table.
type row struct {
	Number int
	State  string
	Class  string
	Cells  []string
	Reason string
}

// studyPage is the data of a study's page.
type studyPage struct {
	Location    string
	Name        string
	Version     string
	Snapshot    string
	Counts      string
	Total       int
	Goals       []string
	X, Y        int
	AxisLinks   [][]axisLink
	Front       template.HTML
	FrontSize   int
	Phases      []phase // a supernet study's inherited and retrained fronts
	HV          string
	Draw        *drawing
	Columns     []column
	Rows        []row
	States      []stateLink
	Page, Pages int
	Shown       int
	Prev, Next  string
	Query       string
	Method      string
}

// axisLink is one choice of a front axis.
type axisLink struct {
	Goal     string
	Href     string
	Selected bool
}

// stateLink is one state filter.
type stateLink struct {
	State    string
	Count    int
	Href     string
	Selected bool
}

// nameOf reads the {name} path value.
func nameOf(r *http.Request) string { return r.PathValue("name") }

// serveStudy serves a study's page.
func (h *Handler) serveStudy(w http.ResponseWriter, r *http.Request) {
	h.serveStudyTemplate(w, r, "study.html")
}

// serveStudyLive serves the part of a study's page that changes (the script swaps it in).
func (h *Handler) serveStudyLive(w http.ResponseWriter, r *http.Request) {
	h.serveStudyTemplate(w, r, "live")
}

// serveStudyTemplate builds a study page's data and renders tmpl.
func (h *Handler) serveStudyTemplate(w http.ResponseWriter, r *http.Request, tmpl string) {
	s, err := h.studyNamed(r.Context(), nameOf(r))
	if err != nil {
		fail(w, err, strings.Contains(err.Error(), "not found"))
		return
	}
	h.render(w, tmpl, h.studyData(s, r.URL.Query()))
}

// studyData builds the study page for the query (state, sort, desc, page, x, y).
func (h *Handler) studyData(s *study, q url.Values) studyPage {
	p := studyPage{Location: h.opts.Location, Name: s.Name, Version: s.Version, Counts: countsText(s.Counts), Total: len(s.Trials),
		Goals: s.Goals, FrontSize: len(s.Front), Draw: s.draw(), Query: q.Encode(),
		Method: "correlation ratio η² of each parameter with " + first(s.Goals) + " (one-way, binned), normalised to sum to 1"}
	if s.snapOK {
		p.Snapshot = s.snap.Local().Format("15:04:05")
	}
	if s.Rep != nil {
		p.HV = record.Display(s.Rep.Hypervolume)
	}
	link := func(set map[string]string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		for k, x := range set {
			if x == "" {
				v.Del(k)
			} else {
				v.Set(k, x)
			}
		}
		return "/study/" + pathEscape(s.Name) + "?" + v.Encode()
	}
	// Front axes.
	p.X, p.Y = 0, 1
	if len(s.Goals) == 1 {
		p.Y = 0
	}
	if x, err := strconv.Atoi(q.Get("x")); err == nil && x >= 0 && x < len(s.Goals) {
		p.X = x
	}
	if y, err := strconv.Atoi(q.Get("y")); err == nil && y >= 0 && y < len(s.Goals) {
		p.Y = y
	}
	if len(s.Goals) > 2 {
		for _, axis := range []string{"x", "y"} {
			var links []axisLink
			cur := p.X
			if axis == "y" {
				cur = p.Y
			}
			for j, g := range s.Goals {
				links = append(links, axisLink{Goal: g, Href: link(map[string]string{axis: strconv.Itoa(j)}), Selected: j == cur})
			}
			p.AxisLinks = append(p.AxisLinks, links)
		}
	}
	if len(s.Goals) > 0 {
		p.Front = s.frontChart(p.X, p.Y)
	}
	if len(s.Goals) > 0 {
		p.Phases = s.phases(p.X, p.Y)
	}
	// State filter.
	state := strings.ToUpper(q.Get("state"))
	p.States = append(p.States, stateLink{State: "all", Count: len(s.Trials), Href: link(map[string]string{"state": "", "page": ""}), Selected: state == ""})
	for _, st := range stateOrder {
		if s.Counts[st] > 0 || st == state {
			p.States = append(p.States, stateLink{State: st, Count: s.Counts[st], Href: link(map[string]string{"state": st, "page": ""}), Selected: st == state})
		}
	}
	// Columns and sort.
	params := s.paramNames()
	keys := []string{"number", "state"}
	labels := []string{"#", "state"}
	if len(s.Phases) > 0 {
		keys, labels = append(keys, "fidelity"), append(labels, "fidelity")
	}
	for _, g := range s.Goals {
		keys, labels = append(keys, "goal:"+g), append(labels, g)
	}
	for _, n := range params {
		keys, labels = append(keys, "param:"+n), append(labels, n)
	}
	keys, labels = append(keys, "seconds"), append(labels, "seconds")
	sortKey := q.Get("sort")
	if sortKey == "" {
		sortKey = "number"
	}
	desc := q.Get("desc") == "1"
	valid := false
	for _, k := range keys {
		valid = valid || k == sortKey
	}
	if !valid {
		sortKey = "number"
	}
	for i, k := range keys {
		d := "0"
		if k == sortKey && !desc {
			d = "1"
		}
		p.Columns = append(p.Columns, column{Key: k, Label: labels[i], Sorted: k == sortKey, Desc: desc, Href: link(map[string]string{"sort": k, "desc": d, "page": ""})})
	}
	idx := s.order(state+"|"+sortKey+"|"+strconv.FormatBool(desc), func() []int {
		var idx []int
		for i, t := range s.Trials {
			if state == "" || record.StateName(t.State) == state {
				idx = append(idx, i)
			}
		}
		cats := s.categories(params)
		val := func(t record.Trial) (float64, string) {
			switch {
			case sortKey == "number":
				return float64(t.Number), ""
			case sortKey == "state":
				return 0, record.StateName(t.State)
			case sortKey == "fidelity":
				return 0, t.Fidelity
			case sortKey == "seconds":
				return seconds(t), ""
			case strings.HasPrefix(sortKey, "goal:"):
				if v, ok := t.Metrics[strings.TrimPrefix(sortKey, "goal:")]; ok && finite(v) {
					return v, ""
				}
			case strings.HasPrefix(sortKey, "param:"):
				n := strings.TrimPrefix(sortKey, "param:")
				if x, ok := numeric(t.Params[n], cats[n]); ok {
					return x, ""
				}
			}
			return math.NaN(), ""
		}
		sort.SliceStable(idx, func(a, b int) bool {
			xa, sa := val(s.Trials[idx[a]])
			xb, sb := val(s.Trials[idx[b]])
			if sa != sb {
				return (sa < sb) != desc
			}
			switch {
			case math.IsNaN(xa) || math.IsNaN(xb): // missing values last either way
				return !math.IsNaN(xa) && math.IsNaN(xb)
			case xa == xb:
				return s.Trials[idx[a]].Number < s.Trials[idx[b]].Number
			}
			return (xa < xb) != desc
		})
		return idx
	})
	p.Shown = len(idx)
	// Page.
	size := h.opts.PageSize
	p.Pages = max(1, (len(idx)+size-1)/size)
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Page = min(max(p.Page, 1), p.Pages)
	if p.Page > 1 {
		p.Prev = link(map[string]string{"page": strconv.Itoa(p.Page - 1)})
	}
	if p.Page < p.Pages {
		p.Next = link(map[string]string{"page": strconv.Itoa(p.Page + 1)})
	}
	lo, hi := (p.Page-1)*size, min(p.Page*size, len(idx))
	for _, i := range idx[lo:hi] {
		t := s.Trials[i]
		rw := row{Number: t.Number, State: record.StateName(t.State), Class: stateClass(t), Reason: t.Reason()}
		if len(s.Phases) > 0 {
			rw.Cells = append(rw.Cells, t.Fidelity)
		}
		for _, g := range s.Goals {
			rw.Cells = append(rw.Cells, metric(t, g))
		}
		for _, n := range params {
			rw.Cells = append(rw.Cells, paramText(t.Params[n]))
		}
		rw.Cells = append(rw.Cells, secondsText(t))
		p.Rows = append(p.Rows, rw)
	}
	return p
}

// first returns the first of names, or "".
func first(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// metric renders a trial's figure, or "" when it has none.
func metric(t record.Trial, key string) string {
	if v, ok := t.Metrics[key]; ok {
		return record.Display(v)
	}
	return ""
}

// paramText renders a parameter value.
func paramText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return record.Display(v)
	}
	return fmt.Sprint(v)
}

// seconds is a finished trial's wall time (NaN when unknown).
func seconds(t record.Trial) float64 {
	if t.Start.IsZero() || t.End.IsZero() {
		return math.NaN()
	}
	return t.End.Sub(t.Start).Seconds()
}

// secondsText renders seconds with one decimal.
func secondsText(t record.Trial) string {
	if s := seconds(t); finite(s) {
		return strconv.FormatFloat(s, 'f', 1, 64)
	}
	return ""
}

// trialPage is the data of a trial's page.
type trialPage struct {
	Location string
	Study    string
	Version  string
	T        record.Trial
	State    string
	Reason   string
	Goals    [][2]string
	Params   [][2]string
	Figures  [][2]string
	Curve    template.HTML
	History  []record.Epoch
	Seconds  string
}

// serveTrial serves a trial's page.
func (h *Handler) serveTrial(w http.ResponseWriter, r *http.Request) {
	s, err := h.studyNamed(r.Context(), nameOf(r))
	if err != nil {
		fail(w, err, strings.Contains(err.Error(), "not found"))
		return
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		fail(w, fmt.Errorf("serve: trial number %q: %w", r.PathValue("number"), err), true)
		return
	}
	t, err := s.trial(n)
	if err != nil {
		fail(w, fmt.Errorf("serve: study %q: trial %d: %w", s.Name, n, err), true)
		return
	}
	p := trialPage{Location: h.opts.Location, Study: s.Name, Version: s.Version, T: t, State: record.StateName(t.State), Reason: t.Reason(),
		History: t.History, Seconds: secondsText(t)}
	for _, g := range s.Goals {
		p.Goals = append(p.Goals, [2]string{g, metric(t, g)})
	}
	for _, n := range slices.Sorted(maps.Keys(t.Params)) {
		p.Params = append(p.Params, [2]string{n, paramText(t.Params[n])})
	}
	for _, k := range slices.Sorted(maps.Keys(t.Metrics)) {
		p.Figures = append(p.Figures, [2]string{k, record.Display(t.Metrics[k])})
	}
	if len(t.Intermediate) > 0 {
		p.Curve = trialCurve(t)
	}
	h.render(w, "trial.html", p)
}
