package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataTatoeba runs `attnsearch data tatoeba` against a local server (never the network) and
// trains on what it fetched.
func TestDataTatoeba(t *testing.T) {
	bin := buildBinary(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("deu.txt")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1300 {
		w.Write([]byte(strings.Repeat("very ", i%5) + "good " + strings.Repeat("x", 1+i%40) + ".\tsehr gut " + strings.Repeat("y", 1+i%40) + ".\tCC-BY 2.0 (France)\n"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/deu-eng.zip" {
			http.NotFound(rw, r)
			return
		}
		rw.Write(buf.Bytes())
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "corpora")
	run := func(env []string, args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stdout.String(), stderr.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, stdout.String(), stderr.String()
	}
	// Through the environment variable.
	code, stdout, stderr := run([]string{"ATTNSEARCH_TATOEBA_URL=" + srv.URL + "/%s-eng.zip"}, "data", "tatoeba", "deu", "--out", out)
	pairs := filepath.Join(out, "deu-eng.txt")
	if code != 0 || !strings.Contains(stdout, "pairs: "+pairs+" (1300 lines)") || !strings.Contains(stderr, "--data "+pairs) {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	// The fetched file trains through --data.
	smoke := filepath.Join("..", "..", "spaces", "smoke.yaml")
	code, _, stderr = run(nil, "train", smoke, "--data", pairs, "--set", "d_model=16,heads=1,kv_heads=1,d_ff=32", "--epochs", "1")
	if code != 0 || !strings.Contains(stderr, "epoch 1 step") {
		t.Fatalf("train on the fetched file: exit %d\n%s", code, stderr)
	}
	// --url wins over the environment; errors exit 1 (runtime) or 2 (usage).
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"data", "tatoeba", "fra", "--out", out, "--url", srv.URL + "/%s-eng.zip"}, 1, "404 Not Found"},
		{[]string{"data", "tatoeba", "deu"}, 2, "--out DIR is required"},
		{[]string{"data", "tatoeba", "--out", out}, 2, "missing LANG"},
		{[]string{"data", "tatoeba", "german", "--out", out, "--url", srv.URL + "/%s-eng.zip"}, 2, "three-letter code"},
	}
	for _, c := range cases {
		code, _, stderr := run([]string{"ATTNSEARCH_TATOEBA_URL=http://127.0.0.1:1/%s"}, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr, c.want)
		}
	}
}
