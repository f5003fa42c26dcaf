package serve

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
	"github.com/attnsearch/attnsearch/store/postgres/pgtest"
)

// benchSizes are the study sizes the benchmarks generate (trials); -short keeps the small one.
func benchSizes() []int {
	if testing.Short() {
		return []int{1000}
	}
	return []int{1000, 100000}
}

// genStores generates one store per size (outside the timings) and returns their paths.
func genStores(b *testing.B) map[int]string {
	b.Helper()
	dir := b.TempDir()
	out := map[int]string{}
	for _, n := range benchSizes() {
		path := filepath.Join(dir, fmt.Sprintf("s%d.db", n))
		start := time.Now()
		genStudy(b, path, n, 5)
		fi, _ := os.Stat(path)
		b.Logf("generated %d trials in %v (%d MB)", n, time.Since(start).Round(time.Millisecond), fi.Size()>>20)
		out[n] = path
	}
	return out
}

// fetch reads a page whole and fails on a status other than 200.
func fetch(b *testing.B, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != 200 {
		msg, _ := io.ReadAll(resp.Body)
		b.Fatalf("GET %s: %d %v %s", url, resp.StatusCode, err, msg)
	}
	return int(n)
}

// BenchmarkStudyPage times the study page's HTML (the table page and every plot inline, what the
// browser needs for its first paint) on generated studies: "cold" is the first request of a new
// server that has read nothing (reading, decoding and drawing the whole study), "started" the
// first request of a new server after Warm (what `attnsearch serve` does when it starts), "warm"
// a later request for another page and order of the table.
func BenchmarkStudyPage(b *testing.B) {
	stores := genStores(b)
	for _, n := range benchSizes() {
		path := stores[n]
		b.Run(fmt.Sprintf("cold/%d", n), func(b *testing.B) {
			size := 0
			for i := 0; i < b.N; i++ {
				h, err := New(Options{Open: readOnly(path), Location: path})
				if err != nil {
					b.Fatal(err)
				}
				srv := newTestServer(h)
				size = fetch(b, srv.URL+"/study/s")
				srv.Close()
				h.Close()
			}
			b.ReportMetric(float64(size)/1024, "KiB/page")
		})
		b.Run(fmt.Sprintf("started/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				h, err := New(Options{Open: readOnly(path), Location: path, Stamp: FileStamp(path, bolt.SnapshotPath(path), bolt.FeedPath(path))})
				if err != nil {
					b.Fatal(err)
				}
				srv := newTestServer(h)
				h.Warm(context.Background())
				b.StartTimer()
				fetch(b, srv.URL+"/study/s")
				b.StopTimer()
				srv.Close()
				h.Close()
				b.StartTimer()
			}
		})
		b.Run(fmt.Sprintf("warm/%d", n), func(b *testing.B) {
			h, err := New(Options{Open: readOnly(path), Location: path, Stamp: FileStamp(path, bolt.SnapshotPath(path), bolt.FeedPath(path))})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			srv := newTestServer(h)
			defer srv.Close()
			time.Sleep(Settle)
			fetch(b, srv.URL+"/study/s")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				fetch(b, srv.URL+"/study/s?page=2&sort=goal:acc")
			}
		})
	}
}

// BenchmarkLiveUpdate times a committed trial's way to the page while a writer holds the store:
// from the writer's commit to the event that names the trial (ms-to-event) and to the page part
// the script swaps in (ms-to-page). bolt: the writer keeps its snapshot with the default
// interval, as `attnsearch run` does, and the page reads it with its change feed; postgres (with
// ATTNSEARCH_TEST_PG or a local server, see pgtest): the same study imported into a fresh
// database, or, with ATTNSEARCH_BENCH_PG_TEMPLATE (a pattern of the size in thousands, such as
// "reads%dk"), a copy of that database holding the study "gen" that store/storegen/cmd wrote
// (importing 100,000 trials one transaction takes many minutes); ATTNSEARCH_BENCH_BOLT_TEMPLATE
// likewise names bbolt files written by store/storegen/cmd ("/data/g%dk.db"), copied first.
func BenchmarkLiveUpdate(b *testing.B) {
	stores := genStores(b)
	for _, n := range benchSizes() {
		path := stores[n]
		b.Run(fmt.Sprint("bolt/", n), func(b *testing.B) {
			name := "s"
			if tmpl := os.Getenv("ATTNSEARCH_BENCH_BOLT_TEMPLATE"); tmpl != "" {
				path, name = copyFile(b, fmt.Sprintf(tmpl, n/1000)), "gen"
			}
			w, err := bolt.Open(path, bolt.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			sid, err := w.GetStudyIDFromName(name)
			if err != nil {
				b.Fatal(err)
			}
			for _, err := os.Stat(bolt.SnapshotPath(path)); err != nil; _, err = os.Stat(bolt.SnapshotPath(path)) {
				time.Sleep(10 * time.Millisecond) // the writer's first snapshot
			}
			liveUpdate(b, w, sid, name, readOnly(path), path)
		})
	}
	srv, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		b.Logf("postgres: %v", err)
		return
	}
	defer srv.Close()
	for _, n := range benchSizes() {
		b.Run(fmt.Sprint("postgres/", n), func(b *testing.B) {
			ctx := context.Background()
			url, name := "", "s"
			if tmpl := os.Getenv("ATTNSEARCH_BENCH_PG_TEMPLATE"); tmpl != "" {
				url, name = copyDatabase(b, srv, fmt.Sprintf(tmpl, n/1000)), "gen"
			} else {
				url = srv.NewDatabase(b)
			}
			w, err := postgres.OpenWith(ctx, url, postgres.Options{AttemptTimeout: 10 * time.Minute}) // an import is one transaction
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			sid, err := w.GetStudyIDFromName(name)
			if err != nil {
				start := time.Now()
				if sid, err = w.Import(genExport(b, n, 5), name); err != nil {
					b.Fatal(err)
				}
				b.Logf("imported %d trials in %v", n, time.Since(start).Round(time.Millisecond))
			}
			open := func(ctx context.Context) (Source, error) {
				return postgres.OpenWith(ctx, url, postgres.Options{ReadOnly: true})
			}
			liveUpdate(b, w, sid, name, open, url)
		})
	}
}

// copyFile copies the file at src into b's temporary directory and returns the copy's path.
func copyFile(b *testing.B, src string) string {
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	dst := filepath.Join(b.TempDir(), filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return dst
}

// copyDatabase makes a copy of the server's database tmpl (CREATE DATABASE … TEMPLATE, which
// needs tmpl to have no other connection), dropped when b ends, and returns its URL.
func copyDatabase(b *testing.B, srv *pgtest.Server, tmpl string) string {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("live_%s_%d", tmpl, time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := srv.DropDatabase(context.Background(), name); err != nil {
			b.Log(err)
		}
	})
	url, err := srv.WithDatabase(name)
	if err != nil {
		b.Fatal(err)
	}
	return url
}

// liveUpdate serves the store open opens, commits b.N trials to the study through w and reports
// the mean time from each commit to its event and to the page part the script fetches then.
func liveUpdate(b *testing.B, w goptuna.Storage, sid int, study string, open Opener, location string) {
	h, err := New(Options{Open: open, Location: location})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	srv := newTestServer(h)
	defer srv.Close()
	defer srv.CloseClientConnections()
	h.Warm(context.Background()) // as `attnsearch serve` does when it starts: the whole study read once
	ch := events(b, srv.URL+"/events?study="+study)
	fetch(b, srv.URL+"/study/"+study)
	time.Sleep(1500 * time.Millisecond) // the first read settles
	var toEvent, toPage time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		num := addTrial(b, w, sid, 0.9)
		committed := time.Now()
		waitFor(b, ch, num, 5*time.Minute)
		toEvent += time.Since(committed)
		fetch(b, srv.URL+"/study/"+study+"/live")
		toPage += time.Since(committed)
	}
	b.ReportMetric(float64(toEvent.Milliseconds())/float64(b.N), "ms-to-event")
	b.ReportMetric(float64(toPage.Milliseconds())/float64(b.N), "ms-to-page")
}

// BenchmarkBrowserFirstPaint loads the study page in headless chromium and reports the browser's
// first contentful paint (performance paint timing) on a new server (cold) and a warm one.
func BenchmarkBrowserFirstPaint(b *testing.B) {
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		b.Skip("no /usr/bin/chromium")
	}
	stores := genStores(b)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("/usr/bin/chromium"), chromedp.NoSandbox, chromedp.WindowSize(1400, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	if err := chromedp.Run(ctx); err != nil {
		b.Fatal(err)
	}
	for _, n := range benchSizes() {
		path := stores[n]
		for _, warm := range []bool{false, true} {
			name := fmt.Sprintf("cold/%d", n)
			if warm {
				name = fmt.Sprintf("warm/%d", n)
			}
			b.Run(name, func(b *testing.B) {
				var fcp, total float64
				for i := 0; i < b.N; i++ {
					h, err := New(Options{Open: readOnly(path), Location: path, Stamp: FileStamp(path, bolt.SnapshotPath(path), bolt.FeedPath(path))})
					if err != nil {
						b.Fatal(err)
					}
					srv := newTestServer(h)
					if warm {
						fetch(b, srv.URL+"/study/s")
					}
					var paint float64
					err = chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/study/s"), chromedp.Poll(
						`(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime`, &paint))
					h.Close() // ends the page's event stream first, so that the server can close
					srv.Close()
					if err != nil {
						b.Fatal(err)
					}
					fcp += paint
					total++
				}
				b.ReportMetric(fcp/total, "ms-fcp")
			})
		}
	}
}

// BenchmarkReload times what a change costs the server at each size, through a writer's
// snapshot and feed: reading the study again from what the last read kept after one trial was
// committed (read), and drawing its plots again (draw).
func BenchmarkReload(b *testing.B) {
	stores := genStores(b)
	for _, n := range benchSizes() {
		path := stores[n]
		w, sid := openWriter(b, path, bolt.Options{NoSync: true, SnapshotInterval: time.Hour})
		if err := w.WriteSnapshot(); err != nil {
			b.Fatal(err)
		}
		read := func() *study {
			src, err := readOnly(path)(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			defer src.Close()
			s, err := load(src, "s", nil)
			if err != nil {
				b.Fatal(err)
			}
			return s
		}
		kept := read()
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var reading, drawing time.Duration
			for i := 0; i < b.N; i++ {
				addTrial(b, w, sid, 0.5)
				start := time.Now()
				src, err := readOnly(path)(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				s, err := load(src, "s", kept)
				src.Close()
				if err != nil {
					b.Fatal(err)
				}
				reading += time.Since(start)
				start = time.Now()
				s.draw()
				drawing += time.Since(start)
				kept = s
			}
			b.ReportMetric(float64(reading.Milliseconds())/float64(b.N), "ms-read")
			b.ReportMetric(float64(drawing.Milliseconds())/float64(b.N), "ms-draw")
		})
		w.Close()
	}
}
