package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
)

// Compile-time check that a bbolt store is a Source.
var _ Source = (*bolt.Store)(nil)

// genStudy writes the study genExport makes into a new bbolt store at path, through the store's
// Import (one transaction).
func genStudy(tb testing.TB, path string, n int, seed uint64) {
	tb.Helper()
	buf := genExport(tb, n, seed)
	st, err := bolt.Open(path, bolt.Options{NoSync: true, NoSnapshot: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	if _, err = st.Import(buf, "s"); err != nil {
		tb.Fatal(err)
	}
}

// genExport returns the export (store.Exporter's JSON Lines) of a study "s" of n trials: three goals (acc maximised, cost and lat minimised), three
// parameters, three epochs of intermediate values for every other trial and every pruned one, a tenth PRUNED and a
// fiftieth FAIL. Every value comes from a generator seeded with seed.
func genExport(tb testing.TB, n int, seed uint64) *bytes.Buffer {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	info, err := record.StudyInfo{Version: record.StudyInfoVersion, Trials: n, Seed: int64(seed), Sampler: "random", Task: "command",
		Objective: record.Objective{Maximize: []string{"acc"}, Minimize: []string{"cost", "lat"},
			Reference: map[string]float64{"acc": 0, "cost": 10, "lat": 10}},
		Searched: []string{"x", "n", "act"}}.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(enc.Encode(map[string]any{"kind": "study", "format": store.FormatName, "schema": store.ExportVersion, "name": "s",
		"direction": "maximize", "created": t0, "user_attrs": map[string]string{}, "system_attrs": map[string]string{record.SysStudyInfo: info}, "trials": n}))
	acts := []string{"relu", "gelu", "tanh"}
	for i := 0; i < n; i++ {
		x, nn, act := rng.Float64(), 1+rng.IntN(8), rng.IntN(3)
		acc := x*0.8 + 0.02*float64(nn) - 0.05*float64(act) + 0.05*rng.Float64()
		cost := float64(nn) * (1 + rng.Float64())
		lat := 1 + 5*x*rng.Float64()
		state, value := "Complete", any(acc)
		user := map[string]string{"acc": record.FormatFloat(acc), "cost": record.FormatFloat(cost), "lat": record.FormatFloat(lat),
			"feasible": "true", "objectives": record.FormatVector([]float64{acc, cost, lat})}
		switch {
		case i%50 == 7:
			state, value = "Fail", "NaN"
			user = map[string]string{"error": "exit status 1"}
		case i%10 == 3:
			state = "Pruned"
			user["pruned_epoch"] = "2"
		}
		var steps [][2]any
		if (i%2 == 0 || state == "Pruned") && state != "Fail" {
			for e := 1; e <= 3; e++ {
				steps = append(steps, [2]any{e, acc * float64(e) / 3})
			}
		}
		start := t0.Add(time.Duration(i) * time.Second)
		dist := func(js string) json.RawMessage { return json.RawMessage(js) }
		must(enc.Encode(map[string]any{"kind": "trial", "number": i, "trial_id": i + 1, "state": state, "value": value,
			"datetime_start": start, "datetime_complete": start.Add(800 * time.Millisecond), "heartbeat": nil,
			"intermediate_values": steps,
			"params": map[string]any{
				"x":   map[string]any{"internal": x, "external": x, "distribution": dist(`{"name":"UniformDistribution","attributes":{"high":1,"low":0}}`)},
				"n":   map[string]any{"internal": nn, "external": nn, "distribution": dist(`{"name":"IntUniformDistribution","attributes":{"high":8,"low":1}}`)},
				"act": map[string]any{"internal": act, "external": acts[act], "distribution": dist(`{"name":"CategoricalDistribution","attributes":{"choices":["relu","gelu","tanh"]}}`)},
			},
			"user_attrs": user, "system_attrs": map[string]string{}}))
	}
	return &buf
}

// readOnly is the Opener of the bbolt store at path, as `attnsearch serve` opens it.
func readOnly(path string) Opener {
	return func(context.Context) (Source, error) {
		return bolt.Open(path, bolt.Options{ReadOnly: true, LockTimeout: time.Second})
	}
}

// newServer starts a handler on the store at path behind an httptest server.
func newServer(tb testing.TB, path, token string) (*Handler, *httptest.Server) {
	tb.Helper()
	h, err := New(Options{Open: readOnly(path), Location: path, Token: token, Poll: 50 * time.Millisecond, PageSize: 20})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(func() {
		srv.CloseClientConnections()
		h.Close()
		srv.Close()
	})
	return h, srv
}

// get fetches a page and returns its status and body.
func get(tb testing.TB, url string, header ...string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// storeTrials reads the generated study back from the store.
func storeTrials(t *testing.T, path string) []goptuna.FrozenTrial {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, _, fts, err := reports.Read(st, "s")
	if err != nil {
		t.Fatal(err)
	}
	return fts
}

// openWriter opens the bbolt store at path for writing, as `attnsearch run` holds it, and returns
// it with study s's ID; the caller closes it.
func openWriter(tb testing.TB, path string, opts bolt.Options) (*bolt.Store, int) {
	tb.Helper()
	w, err := bolt.Open(path, opts)
	if err != nil {
		tb.Fatal(err)
	}
	sid, err := w.GetStudyIDFromName("s")
	if err != nil {
		w.Close()
		tb.Fatal(err)
	}
	return w, sid
}

// TestPages requests every page and checks status, table rows and plot elements against the store.
func TestPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	genStudy(t, path, 130, 1)
	fts := storeTrials(t, path)
	pruned, withCurve := 0, 0
	for _, ft := range fts {
		if ft.State == goptuna.TrialStatePruned {
			pruned++
		}
		if len(ft.IntermediateValues) > 0 {
			withCurve++
		}
	}
	_, srv := newServer(t, path, "")
	for _, c := range []struct {
		url      string
		code     int
		rows     int      // rows of the trials table (-1: not checked)
		contains []string // fragments the page must hold
	}{
		{"/", 200, -1, []string{`data-study="s"`, `<td class="num">130</td>`}},
		{"/study/s", 200, 20, []string{`id="front"`, `id="hypervolume"`, `id="history"`, `id="curves"`, `id="parallel"`, "correlation ratio", "page <span id=\"page\">1</span> of <span id=\"pages\">7</span>"}},
		{"/study/s?page=7", 200, 10, []string{`data-n="129"`}},
		{"/study/s?state=PRUNED", 200, min(pruned, 20), []string{fmt.Sprintf("(%d trials)", pruned)}},
		{"/study/s?sort=goal:acc&desc=1", 200, 20, []string{"acc ▼"}},
		{"/study/s?x=1&y=2", 200, 20, []string{"Front: lat against cost"}},
		{"/study/s/live", 200, 20, []string{`data-version="`}},
		{"/study/s/trial/3", 200, -1, []string{"PRUNED", "pruned at epoch 2", `id="curve"`, `data-key="cost"`}},
		{"/study/s/trial/7", 200, -1, []string{"FAIL", "exit status 1"}},
		{"/study/nope", 404, -1, nil},
		{"/study/s/trial/999", 404, -1, nil},
		{"/static/app.js", 200, -1, []string{"EventSource"}},
	} {
		t.Run(c.url, func(t *testing.T) {
			code, body := get(t, srv.URL+c.url)
			if code != c.code {
				t.Fatalf("status %d, want %d: %.300s", code, c.code, body)
			}
			if c.rows >= 0 {
				if n := strings.Count(body, "<tr class="); n != c.rows {
					t.Errorf("%d table rows, want %d", n, c.rows)
				}
			}
			for _, f := range c.contains {
				if !strings.Contains(body, f) {
					t.Errorf("page lacks %q", f)
				}
			}
		})
	}
	_, body := get(t, srv.URL+"/study/s")
	if n := strings.Count(body, `polyline class="curve `); n != withCurve {
		t.Errorf("%d curves drawn, the store has %d trials with intermediate values", n, withCurve)
	}
	if strings.Count(body, `<a href="/study/s?`) == 0 || !strings.Contains(body, "x: ") {
		t.Error("no axis choice for a study of three goals")
	}
}

// TestToken checks that every request needs the token when one is set.
func TestToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	genStudy(t, path, 5, 2)
	_, srv := newServer(t, path, "tok")
	for _, c := range []struct {
		name   string
		url    string
		header []string
		code   int
	}{
		{"none", "/", nil, 401},
		{"wrong bearer", "/", []string{"Authorization", "Bearer tik"}, 401},
		{"prefix of it", "/", []string{"Authorization", "Bearer to"}, 401},
		{"bearer", "/", []string{"Authorization", "Bearer tok"}, 200},
		{"wrong query", "/study/s?token=x", nil, 401},
		{"cookie", "/study/s", []string{"Cookie", "attnsearch_token=tok"}, 200},
		{"wrong cookie", "/study/s", []string{"Cookie", "attnsearch_token=tokk"}, 401},
		{"events", "/events", nil, 401},
		{"assets", "/static/style.css", nil, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			if code, body := get(t, srv.URL+c.url, c.header...); code != c.code {
				t.Fatalf("status %d, want %d: %.200s", code, c.code, body)
			}
		})
	}
	// ?token=RIGHT sets the cookie and redirects to the page without it.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/study/s?token=tok&page=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/study/s?page=1" || len(resp.Cookies()) != 1 || !resp.Cookies()[0].HttpOnly {
		t.Fatalf("?token=: status %d location %q cookies %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
}

// events reads server-sent events from url into a channel.
func events(tb testing.TB, url string) <-chan event {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	ch := make(chan event, 64)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev event
				if json.Unmarshal([]byte(data), &ev) == nil {
					ch <- ev
				}
			}
		}
	}()
	return ch
}

// addTrial commits one COMPLETE trial through a writer and returns its number.
func addTrial(tb testing.TB, w goptuna.Storage, studyID int, acc float64) int {
	tb.Helper()
	id, err := w.CreateNewTrial(studyID)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range map[string]string{"acc": record.FormatFloat(acc), "cost": "1", "lat": "1", "feasible": "true",
		"objectives": record.FormatVector([]float64{acc, 1, 1})} {
		if err := w.SetTrialUserAttr(id, k, v); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.SetTrialValue(id, acc); err != nil {
		tb.Fatal(err)
	}
	if err := w.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
		tb.Fatal(err)
	}
	n, err := w.GetTrialNumberFromID(id)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// waitFor returns the first event that lists trial n as changed.
func waitFor(tb testing.TB, ch <-chan event, n int, within time.Duration) event {
	tb.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				tb.Fatal("event stream ended")
			}
			for _, c := range ev.Changed {
				if c == n {
					return ev
				}
			}
		case <-deadline:
			tb.Fatalf("no event for trial %d within %v", n, within)
		}
	}
}

// TestLiveBolt watches a study while a writer holds the bbolt store: the page reads the writer's
// snapshot, and a committed trial reaches the event stream and the page.
func TestLiveBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	genStudy(t, path, 20, 3)
	w, sid := openWriter(t, path, bolt.Options{NoSync: true, SnapshotInterval: 50 * time.Millisecond})
	defer w.Close()
	_, srv := newServer(t, path, "")
	ch := events(t, srv.URL+"/events?study=s")
	for i := 0; i < 3; i++ {
		n := addTrial(t, w, sid, 0.5+float64(i)/10)
		ev := waitFor(t, ch, n, 30*time.Second)
		if ev.Trials != 21+i {
			t.Fatalf("event says %d trials, want %d", ev.Trials, 21+i)
		}
		_, body := get(t, srv.URL+"/study/s?page=2")
		if !strings.Contains(body, fmt.Sprintf(`data-n="%d"`, n)) || !strings.Contains(body, "snapshot of") {
			t.Fatalf("page after the event lacks trial %d or the snapshot note", n)
		}
	}
}

// TestThin checks the thinning of plotted points.
func TestThin(t *testing.T) {
	for _, c := range []struct {
		n, max int
		keep   func(int) bool
		want   int
	}{
		{10, 20, nil, 10},
		{1000, 100, nil, 100},
		{1000, 100, func(i int) bool { return i%100 == 1 }, 110},
	} {
		got := thin(c.n, c.max, c.keep)
		if len(got) != c.want {
			t.Errorf("thin(%d, %d): %d kept, want %d", c.n, c.max, len(got), c.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Fatalf("thin(%d, %d): not increasing at %d", c.n, c.max, i)
			}
		}
	}
}

// TestImportances checks the correlation ratio on a goal that depends on one parameter only.
func TestImportances(t *testing.T) {
	s := &study{Goals: []string{"y"}, Directions: []string{"maximize"}}
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 400; i++ {
		a, b := rng.Float64(), rng.Float64()
		s.Trials = append(s.Trials, record.Trial{Number: i, State: goptuna.TrialStateComplete, Feasible: true,
			Params: map[string]any{"a": a, "b": b, "c": []string{"p", "q"}[i%2]}, Metrics: map[string]float64{"y": math.Sin(3 * a)}})
	}
	imp := s.importances()
	if len(imp) != 3 || imp[0].Param != "a" || imp[0].Value < 0.9 {
		t.Fatalf("importances %+v: want a first with nearly all of it", imp)
	}
	sum := 0.0
	for _, x := range imp {
		sum += x.Value
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("importances sum to %v", sum)
	}
}

// newTestServer serves h on a loopback port.
func newTestServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }

// TestFileStamp checks the stamp: missing files count, fresh changes give "", settled files a
// stamp that changes with them.
func TestFileStamp(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	old := time.Now().Add(-2 * Settle)
	write := func(p, s string, mod time.Time) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	stamp := FileStamp(a, b)
	write(a, "x", old)
	first := stamp()
	if first == "" || !strings.HasSuffix(first, "/-") {
		t.Fatalf("stamp %q: want a settled file and a missing one", first)
	}
	if again := stamp(); again != first {
		t.Fatalf("stamp changed without a change: %q, %q", first, again)
	}
	write(b, "y", time.Now())
	if got := stamp(); got != "" {
		t.Fatalf("stamp %q of a file changed just now, want \"\"", got)
	}
	write(b, "y", old)
	write(a, "xx", old.Add(time.Millisecond))
	if got := stamp(); got == "" || got == first {
		t.Fatalf("stamp %q after a change, first %q", got, first)
	}
}
