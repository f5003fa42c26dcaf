package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// outputCase is one read command and the file holding what it printed when the store was made.
type outputCase struct {
	file string
	args []string
}

// sameOutputs runs each case against the store db and requires the output recorded in src/file:
// JSON compared field for field, tables byte for byte. Times print in local time, so TZ is UTC,
// as when the expected files were made.
func sameOutputs(t *testing.T, bin, db, src string, cases []outputCase) {
	t.Helper()
	for _, c := range cases {
		want, err := os.ReadFile(filepath.Join(src, c.file))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, append(c.args, "--db", db)...)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", c.args, err, errb.String())
		}
		if strings.HasSuffix(c.file, ".json") {
			var a, b any
			if err := json.Unmarshal(want, &a); err != nil {
				t.Fatalf("%s: %v", c.file, err)
			}
			if err := json.Unmarshal(out.Bytes(), &b); err != nil {
				t.Fatalf("%v: output is not JSON: %v", c.args, err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%v differs from %s:\n got  %s\n want %s", c.args, c.file, out.Bytes(), want)
			}
			continue
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%v differs from %s:\n got\n%s\n want\n%s", c.args, c.file, out.Bytes(), want)
		}
	}
}

// readCases lists the read commands of studies (report, report --all, best, each as table and
// JSON) and the show commands of the given trials, named as their expected files.
func readCases(shows map[string][]string) []outputCase {
	cases := []outputCase{{"studies.txt", []string{"studies"}}, {"studies.json", []string{"studies", "--format", "json"}}}
	for _, s := range slices.Sorted(maps.Keys(shows)) {
		cases = append(cases,
			outputCase{"report-" + s + ".txt", []string{"report", "--study", s}},
			outputCase{"report-all-" + s + ".txt", []string{"report", "--study", s, "--all"}},
			outputCase{"report-" + s + ".json", []string{"report", "--study", s, "--format", "json"}},
			outputCase{"report-all-" + s + ".json", []string{"report", "--study", s, "--all", "--format", "json"}},
			outputCase{"best-" + s + ".txt", []string{"best", "--study", s}})
		for _, n := range shows[s] {
			cases = append(cases,
				outputCase{"show-" + s + "-" + n + ".txt", []string{"show", n, "--study", s}},
				outputCase{"show-" + s + "-" + n + ".json", []string{"show", n, "--study", s, "--format", "json"}})
		}
	}
	return cases
}

// TestMainStoreReportsIdentically opens testdata/v2store/studies.db, written by the binary of
// commit 599bffc (before task kinds, pruner registry and seed schemes: its StudyInfo has neither
// figures nor seed_scheme) with trained.yaml and command.yaml, and requires every read command to
// print what that binary printed (testdata/v2store/*.txt, *.json; the one addition since is the
// points per study of #19 in studies.txt and studies.json). Then both studies resume one
// trial further, and the new trials get the seed and the point that binary gave them
// (resumed-*.json, made by that binary resuming a copy of the store): an old study keeps its seeds.
func TestMainStoreReportsIdentically(t *testing.T) {
	bin := buildBinary(t)
	src := filepath.Join("testdata", "v2store")
	db := filepath.Join(t.TempDir(), "studies.db")
	copyFile(t, filepath.Join(src, "studies.db"), db, 0o644)
	sameOutputs(t, bin, db, src, readCases(map[string][]string{"trained": {"0", "1"}, "command": {"0", "3"}}))

	for _, c := range []struct{ study, space, trials, trial string }{
		{"trained", "trained.yaml", "4", "3"},
		{"command", "command.yaml", "5", "4"},
	} {
		r := attn(t, bin, ".", "run", filepath.Join(src, c.space), "--db", db, "--trials", c.trials)
		if r.code != 0 || strings.Contains(r.stderr, "other settings") || !strings.Contains(r.stderr, "resuming:") {
			t.Fatalf("resume %s: exit %d\n%s", c.study, r.code, r.stderr)
		}
		type shown struct {
			Seed   int64          `json:"seed"`
			Params map[string]any `json:"params"`
			Config string         `json:"config"`
		}
		var got, want shown
		out := attn(t, bin, ".", "show", c.trial, "--study", c.study, "--format", "json", "--db", db)
		if err := json.Unmarshal([]byte(out.stdout), &got); err != nil {
			t.Fatalf("show %s %s: %v\n%s", c.study, c.trial, err, out.stderr)
		}
		js, err := os.ReadFile(filepath.Join(src, "resumed-"+c.study+"-"+c.trial+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(js, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("resumed %s trial %s: got %+v, want %+v (as commit 599bffc resumed it)", c.study, c.trial, got, want)
		}
	}
}
