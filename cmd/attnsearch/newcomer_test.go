package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestNewcomer covers issue 22 through the real binary: no Go trace on any edge value, the
// single-objective plot, train --trial reproduction, a study that keeps its space, PostgreSQL
// failing fast, offline data, {worker}/{trial} substitution and the common output surface.
func TestNewcomer(t *testing.T) {
	bin := buildBinary(t)
	t.Run("edge values", func(t *testing.T) { testEdgeValues(t, bin) })
	t.Run("single-objective plot", func(t *testing.T) { testSingleObjectivePlot(t, bin) })
	t.Run("train --trial", func(t *testing.T) { testTrainTrial(t, bin) })
	t.Run("study keeps its space", func(t *testing.T) { testStudyKeepsSpace(t, bin) })
	t.Run("postgres fails fast", func(t *testing.T) { testPostgresFailsFast(t, bin) })
	t.Run("offline data", func(t *testing.T) { testOfflineData(t, bin) })
	t.Run("worker substitution", func(t *testing.T) { testWorkerSubstitution(t, bin) })
	t.Run("surface", func(t *testing.T) { testSurface(t, bin) })
}

// noTrace fails the test when stderr shows a Go panic, a runtime fatal error or a goroutine dump.
func noTrace(t *testing.T, args []string, stderr string) {
	t.Helper()
	for _, mark := range []string{"panic:", "fatal error:", "goroutine ", "runtime.", "internal error"} {
		if strings.Contains(stderr, mark) {
			t.Errorf("%v: stderr shows %q:\n%.2000s", args, mark, stderr)
		}
	}
}

// smokeCopy copies spaces/smoke.yaml into dir, applying the replacements old → new, and returns its path.
func smokeCopy(t *testing.T, dir, name string, repl ...string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "spaces", "smoke.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for i := 0; i+1 < len(repl); i += 2 {
		if !strings.Contains(text, repl[i]) {
			t.Fatalf("smoke.yaml has no %q", repl[i])
		}
		text = strings.Replace(text, repl[i], repl[i+1], 1)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func testEdgeValues(t *testing.T, bin string) {
	dir := t.TempDir()
	smoke := smokeCopy(t, dir, "smoke.yaml")
	huge := "99999999999999999999"
	type edge struct {
		args []string
		code int
	}
	var cases []edge
	bad := func(prefix []string, flag string, values ...string) {
		for _, v := range values {
			cases = append(cases, edge{append(append([]string{}, prefix...), "--"+flag, v), 2})
		}
	}
	run := []string{"run", smoke, "--db", filepath.Join(dir, "edge.db")}
	bad(run, "trials", "0", "-1", "1000001", huge, "x", "")
	bad(run, "workers", "-1", "1025", "1000000", huge, "x", "")
	bad(run, "seed", huge, "x", "")
	bad(run, "stale-after", "0", "-1s", "x", "")
	bad(run, "checkpoint-every", "0", "-1s", "x", "")
	train := []string{"train", smoke}
	bad(train, "epochs", "0", "-1", "1000001", huge, "x", "")
	bad(train, "max-steps", "-1", "1000000001", huge, "x", "")
	bad(train, "threads", "-1", "1025", "100000", huge, "x", "")
	bad(train, "seed", huge, "x", "")
	bad(train, "trial", "-1", huge, "x", "")
	bad([]string{"estimate", smoke}, "src-vocab", "-1", "4", "100000001", huge, "x", "")
	bad([]string{"estimate", smoke}, "tgt-vocab", "-1", "4", "100000001", huge, "x", "")
	for _, cmd := range [][]string{run, {"report"}, {"studies"}, {"best"}, {"show", "0"}, {"train", smoke}, {"estimate", smoke}} {
		bad(cmd, "format", "", "xml", "0")
	}
	bad([]string{"studies"}, "connect-timeout", "0", "-1s", "x", "", "1000h")
	for _, v := range []string{"-1", "x", "", huge, "1.5"} {
		cases = append(cases, edge{[]string{"show", v}, 2})
	}
	cases = append(cases,
		edge{[]string{"nosuchcommand"}, 2},
		edge{[]string{"run"}, 2},
		edge{[]string{"train"}, 2},
		edge{[]string{"data", "tatoeba", "", "--out", filepath.Join(dir, "c")}, 2},
		edge{[]string{"migrate", "--from", "", "--to", ""}, 2},
		edge{[]string{"studies", "--db", ""}, 2},
		edge{[]string{"studies", "--db", dir}, 2},
		edge{[]string{"run", smoke, "--db", filepath.Join(dir, "no", "such", "dir", "x.db")}, 2},
		// Legal edges run: one trial with one worker per core; a train at 1024 threads (the
		// space file's bound; 100000 used to exhaust the runtime's threads).
		edge{[]string{"run", smoke, "--db", filepath.Join(dir, "ok.db"), "--workers", "0", "--trials", "1"}, 0},
		edge{[]string{"train", smoke, "--threads", "1024", "--epochs", "1", "--max-steps", "1"}, 0},
		edge{[]string{"train", smoke, "--threads", "0", "--epochs", "1", "--max-steps", "0"}, 0},
	)
	for _, c := range cases {
		r := attn(t, bin, dir, c.args...)
		noTrace(t, c.args, r.stderr)
		if r.code != c.code {
			t.Errorf("%q: exit %d, want %d\n%s", c.args, r.code, c.code, r.stderr)
		}
		if c.code == 2 && (r.stdout != "" || !strings.HasPrefix(r.stderr, "attnsearch: ")) {
			t.Errorf("%q: stdout %q, stderr %q: want only an error message", c.args, r.stdout, r.stderr)
		}
	}
	// A bound names the flag and its range.
	if r := attn(t, bin, dir, "run", smoke, "--workers", "1000000"); !strings.Contains(r.stderr, "--workers 1000000: want 0 to 1024 (0 = one per core)") {
		t.Errorf("run --workers 1000000: %s", r.stderr)
	}
	if r := attn(t, bin, dir, "run"); !strings.Contains(r.stderr, "missing SPACE.yaml") {
		t.Errorf("run without SPACE.yaml: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "edge.db")); err == nil {
		t.Error("a refused flag created the store")
	}
}

// writeToy writes a command study of the toy script with the given objective into dir.
func writeToy(t *testing.T, dir, name, objective string, workers int) string {
	t.Helper()
	copyFile(t, filepath.Join("..", "..", "spaces", "command", "toy.py"), filepath.Join(dir, "toy.py"), 0o644)
	src := fmt.Sprintf(`study: {name: %s, trials: 3, workers: %d, seed: 7, sampler: random}
task:
  kind: command
  command: [python3, toy.py]
  env: {TOY_EPOCH_SECONDS: "0"}
params:
  x: {type: float, low: -5, high: 10}
  y: {type: float, low: 0, high: 15}
  layers: {type: int, low: 1, high: 6}
  width: {type: int, low: 16, high: 256, log: true}
  act: {type: categorical, choices: [relu, gelu, tanh]}
objective: %s
`, name, workers, objective)
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func testSingleObjectivePlot(t *testing.T, bin string) {
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 missing under CI")
		}
		t.Skip("python3 missing")
	}
	dir := t.TempDir()
	sp := writeToy(t, dir, "one", "{minimize: val_error}", 1)
	if r := attn(t, bin, dir, "run", sp, "--db", "one.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	for _, name := range []string{"q.png", "q.svg"} {
		r := attn(t, bin, dir, "report", "--db", "one.db", "--plot", name)
		noTrace(t, []string{"report", "--plot", name}, r.stderr)
		fi, err := os.Stat(filepath.Join(dir, name))
		if r.code != 0 || err != nil || fi.Size() < 1000 {
			t.Errorf("report --plot %s: exit %d, %v\n%s", name, r.code, err, r.stderr)
		}
	}
	// A plot that cannot be written leaves nothing behind.
	r := attn(t, bin, dir, "report", "--db", "one.db", "--plot", filepath.Join("missing", "q.png"))
	if r.code == 0 {
		t.Error("report --plot into a missing directory succeeded")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".plot-*"))
	if len(left) > 0 {
		t.Errorf("temporary plot files left: %v", left)
	}
}

func testTrainTrial(t *testing.T, bin string) {
	dir := t.TempDir()
	sp := smokeCopy(t, dir, "smoke.yaml", "trials: 5", "trials: 2", "latency_sentences: 10", "latency_sentences: 10\n  threads: 1")
	if r := attn(t, bin, dir, "run", "smoke.yaml", "--db", "s.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	best := attn(t, bin, dir, "best", "--db", "s.db", "--format", "json")
	var b bestReport
	if err := json.Unmarshal([]byte(best.stdout), &b); best.code != 0 || err != nil || b.Seed == 0 || len(b.Params) == 0 || b.Config == "" {
		t.Fatalf("best --format json: exit %d, %v\n%s", best.code, err, best.stdout)
	}
	show := attn(t, bin, dir, "show", fmt.Sprint(b.Trial), "--db", "s.db", "--format", "json")
	var stored struct {
		Seed    int64              `json:"seed"`
		Metrics map[string]float64 `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &stored); err != nil {
		t.Fatalf("show: %v\n%s", err, show.stdout)
	}
	// Without SPACE.yaml: the study's own space file.
	r := attn(t, bin, dir, "train", "--trial", fmt.Sprint(b.Trial), "--db", "s.db", "--format", "json")
	var got trainReport
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code != 0 || err != nil {
		t.Fatalf("train --trial: exit %d, %v\n%s", r.code, err, r.stderr)
	}
	if got.Reproduced == nil || !*got.Reproduced || got.Seed != stored.Seed || got.Threads != 1 || got.Config != b.Config {
		t.Errorf("train --trial %d: reproduced %v, seed %d (stored %d), threads %d, config %s\n%s", b.Trial, got.Reproduced, got.Seed, stored.Seed, got.Threads, got.Config, r.stderr)
	}
	for key, v := range map[string]float64{"token_accuracy": got.ValidAccuracy, "bleu": got.ValidBLEU, "test_accuracy": got.TokenAccuracy, "l2_norm": got.L2Norm} {
		if stored.Metrics[key] != v {
			t.Errorf("trial %d %s: stored %v, retrained %v", b.Trial, key, stored.Metrics[key], v)
		}
	}
	// --trial takes the trial's own point, seed and threads; another space is refused.
	other := smokeCopy(t, dir, "other.yaml", "high: 5.0e-3", "high: 6.0e-3")
	for _, args := range [][]string{
		{"train", "--trial", "0", "--db", "s.db", "--set", "d_model=16"},
		{"train", "--trial", "0", "--db", "s.db", "--seed", "3"},
		{"train", "--trial", "99", "--db", "s.db"},
		{"train", other, "--trial", "0", "--db", "s.db"},
	} {
		if r := attn(t, bin, dir, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	_ = sp
}

func testStudyKeepsSpace(t *testing.T, bin string) {
	dir := t.TempDir()
	smokeCopy(t, dir, "smoke.yaml", "trials: 5", "trials: 1")
	if r := attn(t, bin, dir, "run", "smoke.yaml", "--db", "s.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	before := attn(t, bin, dir, "report", "--db", "s.db", "--all", "--format", "csv").stdout
	smokeCopy(t, dir, "wider.yaml", "high: 5.0e-3", "high: 6.0e-3", "trials: 5", "trials: 2")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "wider.yaml", "--db", "s.db"}, "parameter lr is float [0.001, 0.006] log, not float [0.001, 0.005] log"},
	}
	if _, err := exec.LookPath("python3"); err == nil {
		writeToy(t, dir, "toy", "{minimize: val_error}", 1)
		cases = append(cases, struct {
			args []string
			want string
		}{[]string{"run", "toy.yaml", "--db", "s.db", "--study", "smoke"}, "task kind is command, not synthetic"})
	}
	for _, c := range cases {
		r := attn(t, bin, dir, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "--force") {
			t.Errorf("%v: exit %d, want 2 naming %q\n%s", c.args, r.code, c.want, r.stderr)
		}
	}
	if after := attn(t, bin, dir, "report", "--db", "s.db", "--all", "--format", "csv").stdout; after != before {
		t.Errorf("a refused run changed the study:\n%s\n%s", before, after)
	}
	r := attn(t, bin, dir, "run", "wider.yaml", "--db", "s.db", "--force")
	if r.code != 0 || !strings.Contains(r.stderr, "--force") {
		t.Errorf("run --force: exit %d\n%s", r.code, r.stderr)
	}
}

func testPostgresFailsFast(t *testing.T, bin string) {
	// A port that nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	url := fmt.Sprintf("postgres://user:s3cr3tpw@127.0.0.1:%d/db", port)
	for _, args := range [][]string{
		{"studies", "--db", url, "--connect-timeout", "1s"},
		{"report", "--db", url},
	} {
		// The context only keeps a hanging binary from hanging the test.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		hung := ctx.Err() != nil
		cancel()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || hung {
			t.Errorf("%v: %v (want exit 1)\n%s", args, err, stderr.String())
		}
		msg := stderr.String()
		noTrace(t, args, msg)
		if !strings.Contains(msg, "PostgreSQL server unavailable") || !strings.Contains(msg, "--connect-timeout") || strings.Contains(msg, "s3cr3tpw") {
			t.Errorf("%v: message %q", args, msg)
		}
	}
}

// zipOf returns a zip archive holding the named members.
func zipOf(t *testing.T, members map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, text := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(text))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testOfflineData(t *testing.T, bin string) {
	dir := t.TempDir()
	var pairs strings.Builder
	for i := range 40 {
		fmt.Fprintf(&pairs, "Hello %d.\tHallo %d.\tCC-BY 2.0 (France)\n", i, i)
	}
	good := filepath.Join(dir, "deu-eng.zip")
	if err := os.WriteFile(good, zipOf(t, map[string]string{"deu.txt": pairs.String(), "_about.txt": "licence"}), 0o644); err != nil {
		t.Fatal(err)
	}
	twice := filepath.Join(dir, "two.zip")
	if err := os.WriteFile(twice, zipOf(t, map[string]string{"a.txt": pairs.String(), "b.txt": pairs.String()}), 0o644); err != nil {
		t.Fatal(err)
	}
	tsv := filepath.Join(dir, "pairs.tsv")
	if err := os.WriteFile(tsv, []byte(pairs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// No network: every download fails (ATTNSEARCH_TATOEBA_URL points at a closed port).
	env := []string{"ATTNSEARCH_TATOEBA_URL=http://127.0.0.1:1/%s-eng.zip"}
	for i, src := range []string{good, "file://" + good, tsv} {
		out := filepath.Join(dir, fmt.Sprintf("ok%d", i))
		r := attnEnv(t, bin, dir, env, "data", "tatoeba", "deu", "--out", out, "--url", src)
		if r.code != 0 || !strings.Contains(r.stdout, "(40 lines)") {
			t.Errorf("--url %s: exit %d\n%s%s", src, r.code, r.stdout, r.stderr)
		}
	}
	for _, c := range []struct {
		url, want string
		code      int
	}{
		{"", "without a network here", 1},
		{twice, "want exactly one .txt pair file", 1},
		{filepath.Join(dir, "absent.zip"), "no such file", 1},
	} {
		out := filepath.Join(dir, "corpora")
		args := []string{"data", "tatoeba", "deu", "--out", out}
		if c.url != "" {
			args = append(args, "--url", c.url)
		}
		r := attnEnv(t, bin, dir, env, args...)
		noTrace(t, args, r.stderr)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.Count(r.stderr, "data: tatoeba") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q once", args, r.code, r.stderr, c.code, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v left %s behind", args, out)
		}
	}
}

func testWorkerSubstitution(t *testing.T, bin string) {
	dir := t.TempDir()
	script := `cat >/dev/null
mkdir -p seen
echo "$DEVICE $1" > "seen/$1"
echo '{"values": {"f": 1}}'
`
	if err := os.WriteFile(filepath.Join(dir, "job.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	sp := `study: {name: sub, trials: 6, workers: 2, seed: 1, sampler: random}
task:
  kind: command
  command: [sh, job.sh, "{trial}"]
  env: {DEVICE: "gpu{worker}"}
params:
  x: {type: float, low: 0, high: 1}
objective: {minimize: f}
`
	if err := os.WriteFile(filepath.Join(dir, "sub.yaml"), []byte(sp), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := attn(t, bin, dir, "run", "sub.yaml", "--db", "sub.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	devices := map[string]bool{}
	for n := range 6 {
		b, err := os.ReadFile(filepath.Join(dir, "seen", fmt.Sprint(n)))
		if err != nil {
			t.Fatalf("trial %d did not run with {trial} = %d: %v", n, n, err)
		}
		f := strings.Fields(string(b))
		if len(f) != 2 || f[1] != fmt.Sprint(n) || (f[0] != "gpu0" && f[0] != "gpu1") {
			t.Errorf("trial %d saw %q, want gpu0 or gpu1 and %d", n, b, n)
		}
		devices[f[0]] = true
	}
	t.Logf("devices seen: %v", devices)
}

func testSurface(t *testing.T, bin string) {
	dir := t.TempDir()
	smokeCopy(t, dir, "smoke.yaml", "trials: 5", "trials: 1")
	r := attn(t, bin, dir, "run", "smoke.yaml", "--db", "s.db")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) `)
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if !stamp.MatchString(line) {
			t.Errorf("log line without a timestamp: %q", line)
		}
	}
	if !strings.Contains(r.stderr, "1 trial finished") || strings.Contains(r.stderr, "1 trials") {
		t.Errorf("plural forms: %s", r.stderr)
	}
	// CSV and JSON carry started, finished and duration_s.
	c := attn(t, bin, dir, "report", "--db", "s.db", "--all", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(c.stdout)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("report csv: %v\n%s", err, c.stdout)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"started", "finished", "duration_s"} {
		if i, ok := col[h]; !ok || rows[1][i] == "" {
			t.Errorf("report csv: column %s missing or empty: %v", h, rows)
		}
	}
	j := attn(t, bin, dir, "report", "--db", "s.db", "--all", "--format", "json")
	var rep struct {
		Trials []struct {
			Started   *time.Time `json:"started"`
			Finished  *time.Time `json:"finished"`
			DurationS *float64   `json:"duration_s"`
		} `json:"trials"`
	}
	if err := json.Unmarshal([]byte(j.stdout), &rep); err != nil || len(rep.Trials) != 1 || rep.Trials[0].Started == nil || rep.Trials[0].Finished == nil ||
		rep.Trials[0].DurationS == nil || *rep.Trials[0].DurationS < 0 || rep.Trials[0].Finished.Before(*rep.Trials[0].Started) {
		t.Errorf("report json times: %v\n%s", err, j.stdout)
	}
	// The same format names everywhere data are printed; two-column outputs head name, value.
	for _, args := range [][]string{
		{"studies", "--db", "s.db"}, {"best", "--db", "s.db"}, {"report", "--db", "s.db"},
		{"estimate", "smoke.yaml"}, {"show", "0", "--db", "s.db"},
	} {
		for _, f := range []string{"table", "json", "csv", "md"} {
			r := attn(t, bin, dir, append(args, "--format", f)...)
			if r.code != 0 || r.stdout == "" {
				t.Errorf("%v --format %s: exit %d\n%s", args, f, r.code, r.stderr)
			}
			if f == "csv" && args[0] != "report" && args[0] != "studies" && !strings.HasPrefix(r.stdout, "name,value\n") {
				t.Errorf("%v --format csv: header %q", args, strings.SplitN(r.stdout, "\n", 2)[0])
			}
		}
	}
	if v := attn(t, bin, dir, "--version"); v.code != 0 || !strings.HasPrefix(v.stdout, "attnsearch ") {
		t.Errorf("--version: exit %d %q", v.code, v.stdout)
	}
	// Completion: trial numbers, study names, format values.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "show", "--db", "s.db", ""}, "0\t"},
		{[]string{"__complete", "report", "--db", "s.db", "--study", ""}, "smoke"},
		{[]string{"__complete", "train", "--db", "s.db", "--trial", ""}, "0\t"},
		{[]string{"__complete", "best", "--format", ""}, "set\ntable\njson\ncsv\nmd\n"},
	} {
		if r := attn(t, bin, dir, c.args...); r.code != 0 || !strings.Contains(r.stdout, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, r.code, r.stdout, c.want)
		}
	}
}

// TestReadme holds the README to its promises: at most 250 lines, the test command identical to
// the one .ci/run runs, links that lead to files of the repository, and no path outside the
// repository in the README or docs/.
func TestReadme(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n > 250 {
		t.Errorf("README.md has %d lines, want at most 250", n)
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	var cmd string
	for _, line := range strings.Split(string(ci), "\n") {
		if strings.HasPrefix(line, "go vet ./... && go test") {
			cmd = line
		}
	}
	if cmd == "" || !strings.Contains(string(readme), "\n"+cmd+"\n") {
		t.Errorf("README.md does not show .ci/run's test command %q on a line of its own", cmd)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	// Pages other helpers write; the README links them before they land.
	pending := map[string]bool{"supernet.md": true, "latency.md": true, "serve.md": true, "samplers-benchmark.md": true}
	outside := regexp.MustCompile(`\.\./shared|(^|[\s(="'])/(work|tmp|root|home|usr/local|opt)/`)
	link := regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`)
	for _, page := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d: a path outside the repository (%q): %s", page, i+1, m, line)
			}
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || pending[filepath.Base(target)] {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(page), target)); err != nil {
				t.Errorf("%s: link %s: %v", page, target, err)
			}
		}
	}
}
