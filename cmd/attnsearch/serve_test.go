package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/chromedp/chromedp"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/store/bolt"
)

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// needChromium skips without chromium outside CI and fails under CI.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no %s (Debian package chromium): %v", chromiumPath, err)
		}
		t.Fatalf("%s is required under CI: %v", chromiumPath, err)
	}
}

// toyDir writes spaces/command's toy study into a new directory: toy.py and space files
// toyN.yaml of N trials, one worker, epochs of the given pause.
func toyDir(t *testing.T, pause string, trials ...int) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, filepath.Join("..", "..", "spaces", "command", "toy.py"), filepath.Join(dir, "toy.py"), 0o755)
	src, err := os.ReadFile(filepath.Join("..", "..", "spaces", "command", "toy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range trials {
		s := strings.Replace(string(src), "trials: 24", fmt.Sprintf("trials: %d", n), 1)
		s = strings.Replace(s, "workers: 2 ", "workers: 1 ", 1)
		s = strings.Replace(s, `TOY_EPOCH_SECONDS: "0"`, fmt.Sprintf("TOY_EPOCH_SECONDS: %q", pause), 1)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("toy%d.yaml", n)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startServe starts `attnsearch serve` with args and returns its base URL; the test stops it.
func startServe(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--poll", "100ms"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v\n%s", err, stderr.String())
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("serve: %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return strings.TrimSpace(line[i:])
}

// storeTrials reads the study's trials from the bbolt store at path, decoded, by number.
func storeTrials(t *testing.T, path, study string) []record.Trial {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := reports.Load(st, study)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Trials
}

// pageFacts is what the study page shows, read in the browser.
type pageFacts struct {
	Rows       [][2]string `json:"rows"` // number, state
	Front      int         `json:"front"`
	History    int         `json:"history"`
	Curves     int         `json:"curves"`
	Pruned     int         `json:"pruned"`
	Parallel   int         `json:"parallel"`
	Importance []string    `json:"importance"`
	HV         int         `json:"hv"`
	Status     string      `json:"status"`
	Method     string      `json:"method"`
}

// factsJS reads pageFacts from the study page.
const factsJS = `(() => ({
  rows: [...document.querySelectorAll('#trials tbody tr')].map(tr => [tr.dataset.n, tr.dataset.state]),
  front: document.querySelectorAll('#front circle.front').length,
  history: document.querySelectorAll('#history circle').length,
  curves: document.querySelectorAll('#curves polyline.curve').length,
  pruned: document.querySelectorAll('#curves polyline.curve.pruned').length,
  parallel: document.querySelectorAll('#parallel polyline.pc').length,
  importance: [...document.querySelectorAll('#importances tr[data-param]')].map(tr => tr.dataset.param),
  hv: document.querySelectorAll('#hypervolume polyline.hv').length,
  status: document.getElementById('live-status').textContent,
  method: document.querySelector('#importances .method').textContent,
}))()`

// browser starts headless chromium; the test closes it.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1100), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// run runs chromedp actions with a time bound.
func runCDP(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestServeBrowser drives headless chromium through every page of a command study, checks the
// table and the plots against the store, watches trials of a running study appear, tries tokens,
// and saves the screenshot (to $ATTNSEARCH_SCREENSHOT when set, e.g. docs/serve.png).
func TestServeBrowser(t *testing.T) {
	needChromium(t)
	bin := buildBinary(t)
	dir := toyDir(t, "0.3", 8, 12)
	if r := attn(t, bin, dir, "run", "toy8.yaml", "--db", "toy.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	base := startServe(t, bin, dir, "--db", "toy.db")
	ctx := browser(t)
	trials := storeTrials(t, filepath.Join(dir, "toy.db"), "toy")
	var rep multiReport
	if r := attn(t, bin, dir, "report", "--all", "--format", "json", "--db", "toy.db"); r.code != 0 {
		t.Fatalf("report: %s", r.stderr)
	} else if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}

	t.Run("studies page", func(t *testing.T) {
		var cells []string
		runCDP(t, ctx, "studies page", chromedp.Navigate(base),
			chromedp.Evaluate(`[...document.querySelectorAll('#studies tr[data-study="toy"] td')].map(td => td.textContent)`, &cells))
		if len(cells) < 2 || cells[0] != "toy" || cells[1] != fmt.Sprint(len(trials)) {
			t.Fatalf("studies row %q, want toy with %d trials", cells, len(trials))
		}
	})

	var facts pageFacts
	t.Run("study page against the store", func(t *testing.T) {
		runCDP(t, ctx, "study page", chromedp.Navigate(base+"study/toy"), chromedp.WaitVisible("#trials"),
			chromedp.Poll(`document.getElementById('live-status').textContent === 'live'`, nil), chromedp.Evaluate(factsJS, &facts))
		if len(facts.Rows) != len(trials) {
			t.Fatalf("%d rows, store has %d trials", len(facts.Rows), len(trials))
		}
		pareto, curves, pruned, done := 0, 0, 0, 0
		for i, tr := range trials {
			if facts.Rows[i] != [2]string{fmt.Sprint(tr.Number), record.StateName(tr.State)} {
				t.Errorf("row %d: %v, store has trial %d %s", i, facts.Rows[i], tr.Number, record.StateName(tr.State))
			}
			if rep.Trials[i].Pareto {
				pareto++
			}
			if len(tr.Intermediate) > 0 {
				curves++
				if tr.State == goptuna.TrialStatePruned {
					pruned++
				}
			}
			if tr.State == goptuna.TrialStateComplete && tr.Feasible {
				done++
			}
		}
		if facts.Front != pareto || facts.Curves != curves || facts.Pruned != pruned || facts.Parallel != done || facts.HV != 1 {
			t.Errorf("front %d curves %d (pruned %d) parallel %d hv %d; store: front %d, %d curves (%d pruned), %d complete feasible",
				facts.Front, facts.Curves, facts.Pruned, facts.Parallel, facts.HV, pareto, curves, pruned, done)
		}
		if facts.History == 0 || len(facts.Importance) != 5 || !strings.Contains(facts.Method, "correlation ratio") {
			t.Errorf("history marks %d, importances %v, method %q", facts.History, facts.Importance, facts.Method)
		}
	})

	t.Run("sort and filter", func(t *testing.T) {
		var rows [][2]string
		runCDP(t, ctx, "filter", chromedp.Navigate(base+"study/toy?state=PRUNED"),
			chromedp.Evaluate(`[...document.querySelectorAll('#trials tbody tr')].map(tr => [tr.dataset.n, tr.dataset.state])`, &rows))
		want := 0
		for _, tr := range trials {
			if tr.State == goptuna.TrialStatePruned {
				want++
			}
		}
		if len(rows) != want {
			t.Fatalf("PRUNED filter: %d rows, store has %d pruned trials", len(rows), want)
		}
		var nums []string
		runCDP(t, ctx, "sort", chromedp.Navigate(base+"study/toy"), chromedp.Click(`a[data-sort="goal:cost"]`, chromedp.NodeVisible),
			chromedp.WaitVisible(`#trials th a[data-sort="goal:cost"]`),
			chromedp.Poll(`location.search.includes('sort=goal')`, nil),
			chromedp.Evaluate(`[...document.querySelectorAll('#trials tbody tr')].map(tr => tr.dataset.n)`, &nums))
		sorted := append([]record.Trial(nil), trials...)
		sort.SliceStable(sorted, func(a, b int) bool {
			ca, oka := sorted[a].Metrics["cost"]
			cb, okb := sorted[b].Metrics["cost"]
			if oka != okb {
				return oka
			}
			return oka && ca < cb
		})
		for i := range nums {
			if nums[i] != fmt.Sprint(sorted[i].Number) {
				t.Fatalf("sorted by cost: %v, want trial %d at %d", nums, sorted[i].Number, i)
			}
		}
	})

	t.Run("trial page", func(t *testing.T) {
		tr := trials[0]
		var cost, state string
		var logLines, curvePts int
		runCDP(t, ctx, "trial page", chromedp.Navigate(fmt.Sprintf("%sstudy/toy/trial/%d", base, tr.Number)),
			chromedp.Text(`#figures tr[data-key="cost"] td.num`, &cost), chromedp.Text(`#state`, &state),
			chromedp.Evaluate(`document.getElementById('log').textContent.trim().split('\n').length`, &logLines),
			chromedp.Evaluate(`document.querySelectorAll('#curve circle').length`, &curvePts))
		if cost != record.Display(tr.Metrics["cost"]) || state != record.StateName(tr.State) || logLines != len(tr.Log) || curvePts != len(tr.Intermediate) {
			t.Fatalf("trial page: cost %q state %q, %d log lines, %d curve points; store: %s %s, %d, %d",
				cost, state, logLines, curvePts, record.Display(tr.Metrics["cost"]), record.StateName(tr.State), len(tr.Log), len(tr.Intermediate))
		}
	})

	t.Run("a running study's trials appear", func(t *testing.T) {
		runCDP(t, ctx, "open", chromedp.Navigate(base+"study/toy"), chromedp.Poll(`document.getElementById('live-status').textContent === 'live'`, nil))
		run := exec.Command(bin, "run", "toy12.yaml", "--db", "toy.db")
		run.Dir = dir
		if err := run.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = run.Process.Kill(); _ = run.Wait() }()
		// A trial the run adds shows up in the table without a reload.
		runCDP(t, ctx, "new trial row", chromedp.Poll(`document.querySelectorAll('#trials tbody tr').length > 8`, nil, chromedp.WithPollingTimeout(80*time.Second)))
		if err := run.Wait(); err != nil {
			t.Fatalf("run: %v", err)
		}
		runCDP(t, ctx, "every trial", chromedp.Poll(`document.querySelectorAll('#trials tbody tr').length === 12 && !document.querySelector('#trials tr[data-state="RUNNING"]')`, nil, chromedp.WithPollingTimeout(30*time.Second)),
			chromedp.Evaluate(factsJS, &facts))
		if got := storeTrials(t, filepath.Join(dir, "toy.db"), "toy"); len(got) != len(facts.Rows) {
			t.Fatalf("page shows %d trials, store has %d", len(facts.Rows), len(got))
		}
		var png []byte
		runCDP(t, ctx, "screenshot", chromedp.EmulateViewport(1400, 1100), chromedp.FullScreenshot(&png, 100))
		out := filepath.Join(t.TempDir(), "serve.png")
		if p := os.Getenv("ATTNSEARCH_SCREENSHOT"); p != "" {
			out = p
		}
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("token", func(t *testing.T) {
		tokBase := startServe(t, bin, dir, "--db", "toy.db", "--token", "s3cret")
		for _, c := range []struct {
			auth string
			want int
		}{{"", 401}, {"Bearer wrong", 401}, {"Bearer s3cret", 200}} {
			req, _ := http.NewRequest("GET", tokBase+"study/toy", nil)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("Authorization %q: status %d, want %d", c.auth, resp.StatusCode, c.want)
			}
		}
		var body string
		var rows int
		runCDP(t, ctx, "wrong token", chromedp.Navigate(tokBase+"?token=wrong"), chromedp.Text("body", &body))
		if !strings.Contains(body, "401 unauthorized") {
			t.Fatalf("wrong token: page %q", body)
		}
		runCDP(t, ctx, "right token", chromedp.Navigate(tokBase+"?token=s3cret"), chromedp.WaitVisible("#studies"),
			chromedp.Navigate(tokBase+"study/toy"), chromedp.Evaluate(`document.querySelectorAll('#trials tbody tr').length`, &rows))
		if rows != 12 {
			t.Fatalf("with the token's cookie: %d rows", rows)
		}
	})
}

// TestServeUsage checks the address rule: off loopback only with a token.
func TestServeUsage(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--db", "none.db"}, "does not exist"},
		{[]string{"serve", "--addr", "0.0.0.0:0", "--db", "none.db"}, "not loopback: give --token"},
		{[]string{"serve", "--addr", ":0", "--db", "none.db"}, "not loopback: give --token"},
		{[]string{"serve", "--addr", "nonsense", "--db", "none.db"}, "--addr"},
	} {
		r := attn(t, bin, dir, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// TestServePostgresLive watches a study on PostgreSQL through the event stream while a run adds trials.
func TestServePostgresLive(t *testing.T) {
	srv := pgServer(t, false)
	url := srv.NewDatabase(t)
	bin := buildBinary(t)
	dir := toyDir(t, "0.2", 3, 5)
	if r := attn(t, bin, dir, "run", "toy3.yaml", "--db", url); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	base := startServe(t, bin, dir, "--db", url)
	resp, err := http.Get(base + "events?study=toy")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- data
			}
		}
		close(events)
	}()
	run := exec.Command(bin, "run", "toy5.yaml", "--db", url)
	run.Dir = dir
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	deadline := time.After(60 * time.Second)
	for {
		select {
		case data, ok := <-events:
			if !ok {
				t.Fatal("event stream ended")
			}
			var ev struct {
				Trials  int   `json:"trials"`
				Changed []int `json:"changed"`
			}
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("event %q: %v", data, err)
			}
			if ev.Trials == 5 {
				page, err := http.Get(base + "study/toy")
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(page.Body)
				page.Body.Close()
				if n := strings.Count(string(b), `<tr class=`); n != 5 {
					t.Fatalf("page after the event: %d rows, want 5", n)
				}
				return
			}
		case <-deadline:
			t.Fatal("no event with the 5 trials of the run within 60 s")
		}
	}
}

// TestServeSupernet has chromium load the page of a small supernet study the binary ran: the
// inherited-weight and the retrained fronts against `report --fidelity`, and the table's
// fidelity column against the store.
func TestServeSupernet(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs a supernet study")
	}
	needChromium(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	space := strings.NewReplacer("trials: 40", "trials: 16", "top_k: 3", "top_k: 2").Replace(supernetSpace)
	if err := os.WriteFile(filepath.Join(dir, "super.yaml"), []byte(space), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := attn(t, bin, dir, "run", "super.yaml", "--db", "s.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	base := startServe(t, bin, dir, "--db", "s.db")
	ctx := browser(t)
	var fids []string
	runCDP(t, ctx, "study page", chromedp.Navigate(base+"study/super"), chromedp.WaitVisible("#trials"),
		chromedp.Evaluate(`[...document.querySelectorAll('#trials tbody tr')].map(tr => tr.children[2].textContent)`, &fids))
	byFidelity := map[string]int{}
	for _, f := range fids {
		byFidelity[f]++
	}
	for _, f := range []string{record.FidelityInherited, record.FidelityRetrained} {
		var rep multiReport
		if r := attn(t, bin, dir, "report", "--db", "s.db", "--all", "--format", "json", "--fidelity", f); r.code != 0 {
			t.Fatalf("report --fidelity %s: exit %d: %s", f, r.code, r.stderr)
		} else if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		pareto := 0
		for _, tr := range rep.Trials {
			if tr.Pareto {
				pareto++
			}
		}
		var front int
		var note string
		runCDP(t, ctx, f+" front", chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll('#front-%s circle.front').length`, f), &front),
			chromedp.Text(fmt.Sprintf(`figure.phase[data-fidelity=%q] figcaption`, f), &note))
		if pareto == 0 || front != pareto || byFidelity[f] != len(rep.Trials) || !strings.HasPrefix(note, fmt.Sprintf("%d %s trials", len(rep.Trials), f)) {
			t.Errorf("%s: page front %d, table rows %d, caption %q; report: front %d of %d trials", f, front, byFidelity[f], note, pareto, len(rep.Trials))
		}
	}
	if len(fids) != byFidelity[record.FidelityInherited]+byFidelity[record.FidelityRetrained] {
		t.Errorf("table fidelities %v", byFidelity)
	}
}
