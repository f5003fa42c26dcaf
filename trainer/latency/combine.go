package latency

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// passRow is one architecture's row of one measurement file.
type passRow struct {
	cells     []string // the row as read
	line      int      // its line in the file
	reps      int
	mean, std float64
}

// Combine merges measurement files of the same design measured at different times (passes of
// `latency measure --reps 1`, say) into one file written to w: one row per architecture present in
// every file, its features from the first, its repetitions summed, and the mean and sample
// standard deviation of all its repetitions (pooled exactly from each file's reps, mean and std).
// On a machine whose speed drifts over minutes, repetitions taken back to back agree more than
// measurements minutes apart do; passes put that drift into the noise figure and average it out
// of the mean. It returns the rows written and the rows dropped (missing from some file).
func Combine(paths []string, w io.Writer) (written, dropped int, err error) {
	if len(paths) < 2 {
		return 0, 0, fmt.Errorf("combine: want two or more measurement files, got %d", len(paths))
	}
	files := make([]map[int]passRow, len(paths))
	var order []int
	threads := ""
	for i, p := range paths {
		rows, idx, th, err := readPass(p)
		if err != nil {
			return 0, 0, fmt.Errorf("combine: %w", err)
		}
		if i == 0 {
			order, threads = idx, th
		} else if th != "" && threads != "" && th != threads {
			return 0, 0, fmt.Errorf("combine: %s was measured at threads %s, %s at threads %s: one device per file set", paths[0], threads, p, th)
		}
		files[i] = rows
	}
	nFeat := len(Features())
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns()); err != nil {
		return 0, 0, fmt.Errorf("combine: %w", err)
	}
	for _, idx := range order {
		parts := make([]passRow, 0, len(files))
		for _, f := range files {
			if r, ok := f[idx]; ok {
				parts = append(parts, r)
			}
		}
		if len(parts) < len(files) {
			dropped++
			continue
		}
		for i, r := range parts[1:] {
			if !slices.Equal(r.cells[1:1+nFeat], parts[0].cells[1:1+nFeat]) {
				return written, dropped, fmt.Errorf("combine: %s:%d: index %d has other features than in %s:%d: not the same design (space file or version)",
					paths[i+1], r.line, idx, paths[0], parts[0].line)
			}
		}
		reps, mean, std := pool(parts)
		out := slices.Clone(parts[0].cells[:1+nFeat])
		out = append(out, parts[0].cells[1+nFeat], strconv.Itoa(reps),
			strconv.FormatFloat(mean, 'g', 6, 64), strconv.FormatFloat(std, 'g', 6, 64))
		if err := cw.Write(out); err != nil {
			return written, dropped, fmt.Errorf("combine: %w", err)
		}
		written++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return written, dropped, fmt.Errorf("combine: %w", err)
	}
	return written, dropped, nil
}

// pool returns the repetitions, mean and sample standard deviation of the union of the rows'
// repetitions, from each row's count, mean and sample standard deviation.
func pool(rows []passRow) (reps int, mean, std float64) {
	for _, r := range rows {
		reps += r.reps
		mean += float64(r.reps) * r.mean
	}
	mean /= float64(reps)
	if reps < 2 {
		return reps, mean, 0
	}
	var ss float64
	for _, r := range rows {
		d := r.mean - mean
		ss += float64(r.reps-1)*r.std*r.std + float64(r.reps)*d*d
	}
	return reps, mean, math.Sqrt(ss / float64(reps-1))
}

// readPass reads one measurement file: its rows by index, the indices in file order, and the
// threads they were measured at. Its errors name the file and line; the caller names itself.
func readPass(path string) (map[int]passRow, []int, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, "", err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", path, err)
	}
	if !slices.Equal(head, Columns()) {
		return nil, nil, "", fmt.Errorf("%s:1: header %q is not that of a measurement file (%s)",
			path, strings.Join(head, ","), strings.Join(Columns(), ","))
	}
	col := func(name string) int { return slices.Index(head, name) }
	rows, order, threads := map[int]passRow{}, []int(nil), ""
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, order, threads, nil
		}
		if err != nil {
			return nil, nil, "", fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		bad := func(field string) error {
			return fmt.Errorf("%s:%d: %s %q is not a number", path, line, field, rec[col(field)])
		}
		idx, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, nil, "", bad(ColIndex)
		}
		p := passRow{cells: rec, line: line}
		if p.reps, err = strconv.Atoi(rec[col(ColReps)]); err != nil || p.reps < 1 {
			return nil, nil, "", bad(ColReps)
		}
		if p.mean, err = strconv.ParseFloat(rec[col(ColMean)], 64); err != nil {
			return nil, nil, "", bad(ColMean)
		}
		if p.std, err = strconv.ParseFloat(rec[col(ColStd)], 64); err != nil {
			return nil, nil, "", bad(ColStd)
		}
		if th := rec[col(ColThreads)]; threads == "" {
			threads = th
		} else if th != threads {
			return nil, nil, "", fmt.Errorf("%s:%d: measured at threads %s, earlier rows at %s", path, line, th, threads)
		}
		if prev, dup := rows[idx]; dup {
			return nil, nil, "", fmt.Errorf("%s:%d: index %d again (first at line %d)", path, line, idx, prev.line)
		}
		rows[idx] = p
		order = append(order, idx)
	}
}
