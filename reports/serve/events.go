package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// event tells a page that a study changed.
type event struct {
	Study   string `json:"study"`
	Version string `json:"version"`
	Trials  int    `json:"trials"`
	Changed []int  `json:"changed"` // numbers of the trials added or changed (at most maxChanged)
	Read    string `json:"read"`    // when the server read the change (RFC 3339, ms)
}

// writeTimeout bounds one write of an event stream, so that a page that stopped reading cannot
// hold its handler (and the server's shutdown) for ever.
const writeTimeout = 10 * time.Second

// maxChanged bounds the trial numbers one event lists.
const maxChanged = 100

// serveEvents streams server-sent events for ?study=NAME (every study when absent).
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "serve: streaming unsupported", http.StatusInternalServerError)
		return
	}
	name := r.URL.Query().Get("study")
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	ch := make(chan event, 16)
	h.mu.Lock()
	h.subs[ch] = name
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	fmt.Fprintf(w, "retry: 1000\n: listening to %q\n\n", name)
	fl.Flush()
	rc := http.NewResponseController(w) // a page that stops reading is dropped after writeTimeout
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.stop:
			return
		case <-keep.C:
			_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
			fmt.Fprint(w, ": keep-alive\n\n")
			fl.Flush()
		case ev := <-ch:
			b, err := json.Marshal(ev)
			if err != nil {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
			fmt.Fprintf(w, "event: update\ndata: %s\n\n", b)
			fl.Flush()
		}
	}
}

// pollLoop re-reads the watched studies while any page listens, and tells the listeners of each change.
func (h *Handler) pollLoop() {
	defer close(h.done)
	interval := h.opts.Poll
	for {
		h.mu.Lock()
		listening := len(h.subs) > 0
		h.polling = listening
		h.mu.Unlock()
		if !listening {
			select {
			case <-h.stop:
				return
			case <-h.wake:
				continue
			}
		}
		start := time.Now()
		h.pollOnce(context.Background())
		took := time.Since(start)
		interval = max(h.opts.Poll, took) // a read that found nothing new is short; one that did, at most half the time
		select {
		case <-h.stop:
			return
		case <-time.After(interval):
		}
	}
}

// pollOnce reads every watched study once and sends events for those that changed.
func (h *Handler) pollOnce(ctx context.Context) {
	h.mu.Lock()
	names := map[string]bool{}
	all := false
	for _, n := range h.subs {
		if n == "" {
			all = true
		} else {
			names[n] = true
		}
	}
	h.mu.Unlock()
	stamp := h.stamp()
	if stamp != "" {
		same := true
		h.mu.Lock()
		for n := range names {
			same = same && h.studies[n] != nil && h.studies[n].stamp == stamp
		}
		h.mu.Unlock()
		if same && !all {
			return // nothing changed since every watched study was read
		}
	}
	_ = h.withSource(ctx, func(src Source) error {
		if all {
			sums, err := src.GetAllStudySummaries()
			if err != nil {
				return err
			}
			for _, s := range sums {
				names[s.Name] = true
			}
		}
		list := make([]string, 0, len(names))
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		for _, n := range list {
			h.mu.Lock()
			old := h.studies[n]
			h.mu.Unlock()
			s, err := h.refresh(src, n, old, stamp)
			if err != nil || (old != nil && old.Version == s.Version) {
				continue
			}
			ev := event{Study: n, Version: s.Version, Trials: len(s.Trials), Changed: changed(old, s), Read: time.Now().Format(time.RFC3339Nano)}
			h.mu.Lock()
			h.list = nil
			for ch, want := range h.subs {
				if want == "" || want == n {
					select {
					case ch <- ev:
					default: // a slow page gets the next one
					}
				}
			}
			h.mu.Unlock()
		}
		return nil
	})
}

// changed lists the numbers of the trials of s that old lacks or had in another state or with another end time.
func changed(old, s *study) []int {
	var out []int
	for i, t := range s.Trials {
		if old == nil || i >= len(old.Trials) || old.Trials[i].Number != t.Number || old.Trials[i].State != t.State ||
			!old.Trials[i].End.Equal(t.End) || len(old.Trials[i].Intermediate) != len(t.Intermediate) {
			out = append(out, t.Number)
		}
	}
	if len(out) > maxChanged {
		out = out[len(out)-maxChanged:]
	}
	return out
}
