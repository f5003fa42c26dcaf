package data

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pairZip builds a zip archive with the given members.
func pairZip(t *testing.T, members map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tatoebaServer serves archives by path; every request's path is recorded.
func tatoebaServer(t *testing.T, files map[string][]byte) (*httptest.Server, *[]string) {
	t.Helper()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Path)
		if r.Header.Get("User-Agent") == "" || !strings.HasPrefix(r.Header.Get("User-Agent"), "attnsearch") {
			http.Error(w, "no user agent", http.StatusForbidden)
			return
		}
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestFetchTatoeba(t *testing.T) {
	var pairs strings.Builder
	for i := range 1200 {
		pairs.WriteString("Go " + strings.Repeat("on ", i%7) + "now.\tGeh " + strings.Repeat("weiter ", i%7) + "jetzt.\tCC-BY 2.0 (France) Attribution: tatoeba.org #1 (x) & #2 (y)\n")
	}
	good := pairZip(t, map[string]string{"deu.txt": pairs.String(), "_about.txt": "Tatoeba, CC-BY 2.0 FR\n"})
	srv, seen := tatoebaServer(t, map[string][]byte{
		"/anki/deu-eng.zip": good,
		"/anki/fra-eng.zip": pairZip(t, map[string]string{"fra.txt": "a\tb\n", "extra.txt": "c\td\n"}),
		"/anki/spa-eng.zip": []byte("not a zip"),
		"/anki/ita-eng.zip": pairZip(t, map[string]string{"ita.txt": "one field only\n"}),
	})
	tmpl := srv.URL + "/anki/%s-eng.zip"
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "tatoeba")
	files, err := FetchTatoeba(ctx, srv.Client(), tmpl, "deu", out)
	if err != nil {
		t.Fatal(err)
	}
	if files.Lines != 1200 || files.Pairs != filepath.Join(out, "deu-eng.txt") || files.About != filepath.Join(out, "_about.txt") {
		t.Fatalf("files %+v", files)
	}
	if (*seen)[0] != "/anki/deu-eng.zip" {
		t.Fatalf("requested %v", *seen)
	}
	// The unpacked file and the kept archive both load as a TSV corpus.
	for _, p := range []string{files.Pairs, files.Zip} {
		ds, err := LoadTSV(ctx, p, Options{ValidSize: 2, TestSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Train)+len(ds.Valid)+len(ds.Test) != 1200 {
			t.Fatalf("%s: %d pairs", p, len(ds.Train)+len(ds.Valid)+len(ds.Test))
		}
	}
	cases := []struct{ lang, want string }{
		{"Deutsch", "three-letter code"},
		{"fra", "exactly one .txt pair file, found 2"},
		{"spa", "not a zip archive"},
		{"ita", "want 2 or 3 tab-separated fields"},
		{"por", "404 Not Found"},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			_, err := FetchTatoeba(ctx, srv.Client(), tmpl, c.lang, dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if _, serr := os.Stat(filepath.Join(dir, c.lang+"-eng.txt")); serr == nil {
				t.Fatal("a bad archive left a pair file behind")
			}
		})
	}
	// Cancellation stops the download.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FetchTatoeba(cctx, srv.Client(), tmpl, "deu", t.TempDir()); err == nil {
		t.Fatal("cancelled fetch succeeded")
	}
}
