package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Output formats: every command that prints data accepts --format with these names.
const (
	formatTable = "table" // a boxed table (or, for one object, a two-column table)
	formatJSON  = "json"  // indented JSON
	formatCSV   = "csv"   // comma-separated rows with one header line
	formatMD    = "md"    // a Markdown table
)

// allFormats are the --format values of the commands that print rows.
func allFormats() []string { return []string{formatTable, formatJSON, formatCSV, formatMD} }

// checkFormat returns an input error naming --format when format is not one of want.
func checkFormat(cmd, format string, want ...string) error {
	if slices.Contains(want, format) {
		return nil
	}
	return inputErr(fmt.Errorf("%s: --format %q: want %s", cmd, format, strings.Join(want, ", ")))
}

// formatUsage is the help text of a --format flag accepting want.
func formatUsage(want ...string) string { return "output format: " + strings.Join(want, " | ") }

// plural writes n with the singular or plural noun: "1 trial", "3 trials", "0 trials".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// dataSource names where a corpus came from, for messages: the --data flag when given, else the
// space file's task.path.
func dataSource(spaceFile, dataFlag string) string {
	if dataFlag != "" {
		return "--data " + dataFlag
	}
	return spaceFile + ": task"
}

// writeRows prints rows under header as a table, a Markdown table or CSV (the JSON form of each
// command is its own object).
func writeRows(w io.Writer, format string, header []string, rows [][]string) error {
	switch format {
	case formatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return fmt.Errorf("csv: %w", err)
		}
		if err := cw.WriteAll(rows); err != nil {
			return fmt.Errorf("csv: %w", err)
		}
		return nil
	case formatMD:
		t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off),
			tablewriter.WithRenderer(renderer.NewMarkdown()))
		t.Header(header)
		if err := t.Bulk(rows); err != nil {
			return fmt.Errorf("table: %w", err)
		}
		return t.Render()
	}
	t := newTable(w)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return t.Render()
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
