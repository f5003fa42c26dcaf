package latency

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// measRow is a test row: index, a feature value (every feature column), threads, reps, mean, std.
type measRow struct {
	idx, feat, threads, reps int
	mean, std                string
}

// writeMeas writes a measurement file of rows into dir and returns its path.
func writeMeas(t *testing.T, dir, name string, rows ...measRow) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Join(Columns(), ",") + "\n")
	for _, r := range rows {
		cells := []string{strconv.Itoa(r.idx)}
		for range Features() {
			cells = append(cells, strconv.Itoa(r.feat))
		}
		cells = append(cells, strconv.Itoa(r.threads), strconv.Itoa(r.reps), r.mean, r.std)
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCombine(t *testing.T) {
	dir := t.TempDir()
	// Three passes of one repetition; index 2 is missing from the second pass.
	p1 := writeMeas(t, dir, "p1.csv", measRow{0, 10, 1, 1, "1", "0"}, measRow{1, 11, 1, 1, "10", "0"}, measRow{2, 12, 1, 1, "5", "0"})
	p2 := writeMeas(t, dir, "p2.csv", measRow{1, 11, 1, 1, "12", "0"}, measRow{0, 10, 1, 1, "2", "0"})
	p3 := writeMeas(t, dir, "p3.csv", measRow{0, 10, 1, 1, "3", "0"}, measRow{1, 11, 1, 1, "14", "0"}, measRow{2, 12, 1, 1, "5", "0"})
	// Pooled: {1,2,3} (mean 2, std 1) with {4,6} (mean 5, std √2) is {1,2,3,4,6}: mean 3.2, std √3.7.
	a := writeMeas(t, dir, "a.csv", measRow{7, 3, 2, 3, "2", "1"})
	b := writeMeas(t, dir, "b.csv", measRow{7, 3, 2, 2, "5", strconv.FormatFloat(math.Sqrt2, 'g', -1, 64)})
	for _, tc := range []struct {
		name          string
		paths         []string
		written, drop int
		want          map[string][3]float64 // index → reps, mean, std
	}{
		{"passes", []string{p1, p2, p3}, 2, 1, map[string][3]float64{"0": {3, 2, 1}, "1": {3, 12, 2}}},
		{"pooled", []string{a, b}, 1, 0, map[string][3]float64{"7": {5, 3.2, math.Sqrt(3.7)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w, d, err := Combine(tc.paths, &out)
			if err != nil || w != tc.written || d != tc.drop {
				t.Fatalf("Combine = %d written, %d dropped, %v; want %d, %d", w, d, err, tc.written, tc.drop)
			}
			recs, err := csv.NewReader(&out).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(recs[0], ",") != strings.Join(Columns(), ",") || len(recs) != 1+tc.written {
				t.Fatalf("output header/rows: %v", recs)
			}
			n := len(Columns())
			for _, rec := range recs[1:] {
				want, ok := tc.want[rec[0]]
				if !ok {
					t.Fatalf("unexpected row %v", rec)
				}
				reps, _ := strconv.Atoi(rec[n-3])
				mean, _ := strconv.ParseFloat(rec[n-2], 64)
				std, _ := strconv.ParseFloat(rec[n-1], 64)
				if float64(reps) != want[0] || math.Abs(mean-want[1]) > 1e-5*want[1] || math.Abs(std-want[2]) > 1e-5*want[2] {
					t.Errorf("index %s: reps %d mean %g std %g, want %v", rec[0], reps, mean, std, want)
				}
			}
		})
	}
}

func TestCombineRefuses(t *testing.T) {
	dir := t.TempDir()
	good := writeMeas(t, dir, "good.csv", measRow{0, 10, 1, 1, "1", "0"}, measRow{1, 11, 1, 1, "2", "0"})
	other := writeMeas(t, dir, "other.csv", measRow{0, 10, 1, 1, "1", "0"}, measRow{1, 99, 1, 1, "2", "0"})
	twoThreads := writeMeas(t, dir, "t2.csv", measRow{0, 10, 2, 1, "1", "0"})
	mixed := writeMeas(t, dir, "mixed.csv", measRow{0, 10, 1, 1, "1", "0"}, measRow{1, 11, 2, 1, "2", "0"})
	badMean := writeMeas(t, dir, "badmean.csv", measRow{0, 10, 1, 1, "1", "0"}, measRow{1, 11, 1, 1, "fast", "0"})
	dup := writeMeas(t, dir, "dup.csv", measRow{0, 10, 1, 1, "1", "0"}, measRow{0, 10, 1, 1, "2", "0"})
	header := filepath.Join(dir, "header.csv")
	if err := os.WriteFile(header, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{good}, "two or more"},
		{[]string{good, header}, "header.csv:1: header"},
		{[]string{good, other}, "other.csv:3: index 1 has other features than in " + good + ":3"},
		{[]string{good, twoThreads}, "threads 2"},
		{[]string{good, mixed}, "mixed.csv:3: measured at threads 2"},
		{[]string{good, badMean}, fmt.Sprintf("badmean.csv:3: %s \"fast\" is not a number", ColMean)},
		{[]string{good, dup}, "dup.csv:3: index 0 again (first at line 2)"},
		{[]string{good, filepath.Join(dir, "missing.csv")}, "missing.csv"},
	} {
		_, _, err := Combine(tc.paths, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Combine(%v) = %v, want an error containing %q", tc.paths, err, tc.want)
		}
	}
}
