package fit

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Table is a numeric CSV file: a header and rows of numbers.
type Table struct {
	Path    string      // the file, for messages
	Columns []string    // header
	Rows    [][]float64 // one per data line
	Lines   []int       // 1-based line of each row
}

// ReadCSV reads the numeric CSV file at path: a header line, then rows whose every cell is a
// number. A cell that is not is an error naming the file, line and column.
func ReadCSV(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("fit: %s: empty file (want a header line and rows)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("fit: %s: %w", path, err)
	}
	for i, h := range head {
		head[i] = strings.TrimSpace(h)
		if head[i] == "" || slices.Index(head[:i], head[i]) >= 0 {
			return nil, fmt.Errorf("fit: %s:1: column %d name %q is empty or repeated", path, i+1, h)
		}
	}
	t := &Table{Path: path, Columns: head}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return t, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("fit: %s:%d: %v", path, pe.Line, pe.Err)
		}
		if err != nil {
			return nil, fmt.Errorf("fit: %s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		row := make([]float64, len(rec))
		for i, cell := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("fit: %s:%d: column %s: %q is not a finite number", path, line, head[i], cell)
			}
			row[i] = v
		}
		t.Rows = append(t.Rows, row)
		t.Lines = append(t.Lines, line)
	}
}

// Select returns the given feature columns and the target column of every row.
func (t *Table) Select(features []string, target string) (x [][]float64, y []float64, err error) {
	idx := make([]int, len(features))
	for i, f := range features {
		if idx[i] = slices.Index(t.Columns, f); idx[i] < 0 {
			return nil, nil, fmt.Errorf("fit: %s:1: no column %q (columns: %s)", t.Path, f, strings.Join(t.Columns, ", "))
		}
		if f == target {
			return nil, nil, fmt.Errorf("fit: feature %q is the target", f)
		}
	}
	ti := slices.Index(t.Columns, target)
	if ti < 0 {
		return nil, nil, fmt.Errorf("fit: %s:1: no target column %q (columns: %s)", t.Path, target, strings.Join(t.Columns, ", "))
	}
	for i, r := range t.Rows {
		row := make([]float64, len(idx))
		for j, k := range idx {
			row[j] = r[k]
		}
		x = append(x, row)
		y = append(y, r[ti])
		_ = i
	}
	return x, y, nil
}
