package serve

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/c-bata/goptuna"
)

// Source is a store opened read-only: what the page reads.
type Source interface {
	// GetAllStudySummaries lists the studies.
	GetAllStudySummaries() ([]goptuna.StudySummary, error)
	// GetStudyIDFromName returns the ID of a study.
	GetStudyIDFromName(name string) (int, error)
	// GetStudyDirection returns the study's goptuna direction.
	GetStudyDirection(id int) (goptuna.StudyDirection, error)
	// GetStudySystemAttrs returns the study's system attributes (record.SysStudyInfo among them).
	GetStudySystemAttrs(id int) (map[string]string, error)
	// GetAllTrials returns every trial of the study.
	GetAllTrials(id int) ([]goptuna.FrozenTrial, error)
	// SnapshotTime is the time of the snapshot being read; ok is false when the store itself is read.
	SnapshotTime() (t time.Time, ok bool)
	// Close releases the store.
	Close() error
}

// Opener opens the store read-only; the handler closes each Source right after one read.
type Opener func(ctx context.Context) (Source, error)

// Options configures a Handler.
type Options struct {
	Open     Opener        // opens the store read-only (required)
	Location string        // the store's name for the page (a path, a URL without password)
	Token    string        // bearer token every request must carry ("" = none)
	Poll     time.Duration // least time between two reads while a page listens (0 = 200 ms)
	PageSize int           // rows of the trials table per page (0 = 50)
	// Stamp, when set, returns a cheap fingerprint of the whole store (a bbolt file's and its
	// snapshot's modification times and sizes) that changes whenever a trial may have changed, or
	// "" when it cannot tell; a study read under the same stamp is not read again.
	Stamp func() string
}

// DefaultPoll is the least time between two reads of the store while a page listens.
const DefaultPoll = 200 * time.Millisecond

//go:embed assets
var assets embed.FS

// Handler serves the page; make it with New and release it with Close.
type Handler struct {
	opts  Options
	mux   *http.ServeMux
	pages *template.Template

	mu      sync.Mutex
	studies map[string]*study // decoded studies by name
	list    []listEntry       // studies page rows
	listAt  time.Time         // when list was read
	subs    map[chan event]string
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	polling bool
}

// New returns the handler of opts.
func New(opts Options) (*Handler, error) {
	if opts.Open == nil {
		return nil, errors.New("serve: Options.Open is required")
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	pages, err := template.New("").Funcs(funcs).ParseFS(assets, "assets/*.html")
	if err != nil {
		return nil, fmt.Errorf("serve: templates: %w", err)
	}
	h := &Handler{opts: opts, pages: pages, studies: map[string]*study{}, subs: map[chan event]string{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, fmt.Errorf("serve: assets: %w", err)
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /{$}", h.serveStudies)
	h.mux.HandleFunc("GET /study/{name}", h.serveStudy)
	h.mux.HandleFunc("GET /study/{name}/live", h.serveStudyLive)
	h.mux.HandleFunc("GET /study/{name}/trial/{number}", h.serveTrial)
	h.mux.HandleFunc("GET /events", h.serveEvents)
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	go h.pollLoop()
	return h, nil
}

// Close stops the poller and ends every event stream.
func (h *Handler) Close() error {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
	return nil
}

// tokenCookie carries the token after a visit with ?token=.
const tokenCookie = "attnsearch_token"

// ServeHTTP checks the token, then serves the page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.opts.Token != "" {
		given := ""
		if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
			given = strings.TrimPrefix(a, "Bearer ")
		} else if q := r.URL.Query().Get("token"); q != "" {
			given = q
		} else if c, err := r.Cookie(tokenCookie); err == nil {
			given = c.Value
		}
		if subtle.ConstantTimeCompare([]byte(given), []byte(h.opts.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="attnsearch"`)
			http.Error(w, "401 unauthorized: this page needs the token given to `attnsearch serve --token` (Authorization: Bearer TOKEN, or ?token=TOKEN once)", http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("token") != "" {
			http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: given, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			q := r.URL.Query()
			q.Del("token")
			u := *r.URL
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

// listEntry is one row of the studies page.
type listEntry struct {
	Name    string
	Trials  int
	Counts  string
	Goals   string
	Best    string
	Started time.Time
	Err     string
}

// withSource opens the store, runs fn and closes it.
func (h *Handler) withSource(ctx context.Context, fn func(Source) error) error {
	src, err := h.opts.Open(ctx)
	if err != nil {
		return fmt.Errorf("serve: open %s: %w", h.opts.Location, err)
	}
	ferr := fn(src)
	if cerr := src.Close(); ferr == nil && cerr != nil {
		ferr = fmt.Errorf("serve: close %s: %w", h.opts.Location, cerr)
	}
	return ferr
}

// cacheFor is how long a page view may reuse what was read when no poller keeps it fresh.
const cacheFor = time.Second

// studyNamed returns the decoded study, read again when it may be stale.
func (h *Handler) studyNamed(ctx context.Context, name string) (*study, error) {
	stamp := h.stamp()
	h.mu.Lock()
	s := h.studies[name]
	fresh := s != nil && s.Err == "" && (h.polling && h.watched(name) || time.Since(s.readAt) < cacheFor || stamp != "" && s.stamp == stamp)
	h.mu.Unlock()
	if fresh {
		return s, nil
	}
	var out *study
	err := h.withSource(ctx, func(src Source) error {
		var err error
		out, err = h.refresh(src, name, s, stamp)
		return err
	})
	return out, err
}

// Warm reads and draws every study once, so that the first page of each is served from memory;
// `attnsearch serve` calls it when it starts. An error is left for the pages to show.
func (h *Handler) Warm(ctx context.Context) {
	list, err := h.studyList(ctx)
	if err != nil {
		return
	}
	for _, e := range list {
		h.mu.Lock()
		s := h.studies[e.Name]
		h.mu.Unlock()
		if s != nil && s.Err == "" {
			s.draw()
			if len(s.Goals) > 1 {
				s.frontChart(0, 1)
				s.phases(0, 1)
			}
		}
	}
}

// stamp returns the store's stamp, or "" without Options.Stamp.
func (h *Handler) stamp() string {
	if h.opts.Stamp == nil {
		return ""
	}
	return h.opts.Stamp()
}

// watched reports whether an event stream listens to the study (h.mu held).
func (h *Handler) watched(name string) bool {
	for _, n := range h.subs {
		if n == name || n == "" {
			return true
		}
	}
	return false
}

// refresh reads the study from src unless src is the same snapshot as old's or the store has
// old's stamp (taken before src was opened); it stores and returns the result.
func (h *Handler) refresh(src Source, name string, old *study, stamp string) (*study, error) {
	snap, snapOK := src.SnapshotTime()
	if old != nil && old.Err == "" && (snapOK && old.snapOK && snap.Equal(old.snap) || stamp != "" && stamp == old.stamp) {
		h.mu.Lock()
		old.readAt = time.Now()
		h.mu.Unlock()
		return old, nil
	}
	s, err := load(src, name, old)
	if err != nil {
		return nil, err
	}
	s.snap, s.snapOK = snap, snapOK
	if old != nil && old.Version == s.Version {
		s = old // keep the drawn plots
		s.snap, s.snapOK = snap, snapOK
	}
	s.readAt, s.stamp = time.Now(), stamp
	h.mu.Lock()
	h.studies[name] = s
	h.mu.Unlock()
	return s, nil
}

// studyList reads the studies page rows.
func (h *Handler) studyList(ctx context.Context) ([]listEntry, error) {
	h.mu.Lock()
	if h.list != nil && time.Since(h.listAt) < cacheFor {
		l := h.list
		h.mu.Unlock()
		return l, nil
	}
	h.mu.Unlock()
	var names []string
	stamp := h.stamp()
	err := h.withSource(ctx, func(src Source) error {
		sums, err := src.GetAllStudySummaries()
		if err != nil {
			return fmt.Errorf("serve: list studies: %w", err)
		}
		for _, s := range sums {
			names = append(names, s.Name)
		}
		sort.Strings(names)
		for _, n := range names {
			h.mu.Lock()
			old := h.studies[n]
			h.mu.Unlock()
			if _, err := h.refresh(src, n, old, stamp); err != nil {
				h.mu.Lock()
				h.studies[n] = &study{Name: n, Err: err.Error(), readAt: time.Now()}
				h.mu.Unlock()
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]listEntry, 0, len(names))
	h.mu.Lock()
	for _, n := range names {
		out = append(out, h.studies[n].entry())
	}
	h.list, h.listAt = out, time.Now()
	h.mu.Unlock()
	return out, nil
}

// Settle is how old a file's modification time must be before FileStamp trusts it to tell a
// change: file systems keep coarse clocks, so two commits in one tick may leave the same time.
const Settle = time.Second

// FileStamp returns an Options.Stamp made of the modification times and sizes of the files at
// paths (a missing file counts as such), or "" while one of them changed less than Settle ago.
func FileStamp(paths ...string) func() string {
	return func() string {
		parts := make([]string, 0, len(paths))
		for _, p := range paths {
			fi, err := os.Stat(p)
			if errors.Is(err, os.ErrNotExist) {
				parts = append(parts, "-")
				continue
			}
			if err != nil || time.Since(fi.ModTime()) < Settle {
				return ""
			}
			parts = append(parts, fmt.Sprintf("%d:%d", fi.ModTime().UnixNano(), fi.Size()))
		}
		return strings.Join(parts, "/")
	}
}
