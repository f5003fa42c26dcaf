package data

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/bleu"
)

// tatoebaDir is the shared Tatoeba English-German corpus, relative to this package.
const tatoebaDir = "../../../shared/data/tatoeba-en-de"

// needTatoeba skips the test when the shared corpus is not beside the repository.
func needTatoeba(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(tatoebaDir, "train.src")); err != nil {
		t.Skipf("shared Tatoeba corpus not found at %s (expected beside the repository): %v", tatoebaDir, err)
	}
}

func TestLoadAlignedTatoeba(t *testing.T) {
	needTatoeba(t)
	ctx := context.Background()
	ds, err := Load(ctx, space.Task{Kind: "aligned", Path: tatoebaDir, Tokenizer: Word, MinFreq: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Train) != 10000 || len(ds.Valid) != 500 || len(ds.Test) != 500 || ds.Skipped != 0 {
		t.Fatalf("sizes %d/%d/%d skipped %d", len(ds.Train), len(ds.Valid), len(ds.Test), ds.Skipped)
	}
	// Vocabulary from training data only: some test word must be unknown.
	trainWords := map[string]bool{}
	for _, p := range ds.Train {
		for _, w := range Tokens(Word, p.TgtText) {
			trainWords[w] = true
		}
	}
	unseen := 0
	for _, p := range ds.Test {
		for i, w := range Tokens(Word, p.TgtText) {
			if !trainWords[w] {
				unseen++
				if p.Tgt[i] != UNK {
					t.Fatalf("test word %q unseen in training has id %d", w, p.Tgt[i])
				}
			}
		}
	}
	if unseen == 0 {
		t.Fatal("no test word outside the training vocabulary: vocabulary not from train only?")
	}
	// Detokenised ids give back text that scores like the original under 13a, for every line;
	// and the exact original text for nearly all.
	exact, lines := 0, 0
	for _, p := range ds.Train {
		for _, x := range []struct {
			v    *Vocab
			text string
			ids  []int
		}{{ds.SrcVocab, p.SrcText, p.Src}, {ds.TgtVocab, p.TgtText, p.Tgt}} {
			d := x.v.Decode(x.ids)
			if !slices.Equal(bleu.Tokenize13a(d), bleu.Tokenize13a(x.text)) {
				t.Fatalf("%q decodes to %q: 13a tokens differ", x.text, d)
			}
			lines++
			if d == x.text {
				exact++
			}
		}
	}
	if exact < lines*999/1000 {
		t.Errorf("only %d of %d lines detokenise to the exact original", exact, lines)
	}
	t.Logf("vocab %d/%d, %d test words unseen, %d/%d lines exact after decode", ds.SrcVocab.Size(), ds.TgtVocab.Size(), unseen, exact, lines)

	// Length limit: pairs over it are skipped and counted; the model's limit lowers the task's.
	short, err := Load(ctx, space.Task{Kind: "aligned", Path: tatoebaDir, MinFreq: 2, MaxLen: 12, MaxVocab: 1000, MaxLines: 3000}, 8)
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range [][]Pair{short.Train, short.Valid, short.Test} {
		for _, p := range ps {
			if len(p.Src) > 8 || len(p.Tgt) > 8 {
				t.Fatalf("pair of %d/%d tokens kept under limit 8", len(p.Src), len(p.Tgt))
			}
		}
	}
	if short.Skipped == 0 || short.SrcVocab.Size() > 1000 || short.TgtVocab.Size() > 1000 {
		t.Fatalf("skipped %d, vocab %d/%d", short.Skipped, short.SrcVocab.Size(), short.TgtVocab.Size())
	}
	if len(short.Train) > 3000 {
		t.Fatalf("max_lines 3000 kept %d", len(short.Train))
	}
}

func TestLoadTSVZipTatoeba(t *testing.T) {
	needTatoeba(t)
	if testing.Short() {
		t.Skip("reads the full 170k-pair archive")
	}
	ctx := context.Background()
	task := space.Task{Kind: "tsv", Path: filepath.Join(tatoebaDir, "deu-eng-full.zip"), MinFreq: 2,
		ValidSize: 500, TestSize: 500, MaxLines: 20000, MaxLen: 30}
	ds, err := Load(ctx, task, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Train) != 20000 || len(ds.Valid) < 500 || len(ds.Valid) > 520 || len(ds.Test) < 500 || len(ds.Test) > 520 {
		t.Fatalf("sizes %d/%d/%d", len(ds.Train), len(ds.Valid), len(ds.Test))
	}
	where := map[string]string{}
	for split, ps := range map[string][]Pair{"train": ds.Train, "valid": ds.Valid, "test": ds.Test} {
		for _, p := range ps {
			if w, ok := where[p.SrcText]; ok && w != split {
				t.Fatalf("source %q in %s and %s", p.SrcText, w, split)
			}
			where[p.SrcText] = split
		}
	}
	// The file is sorted by length: a sample must not be the head (short sentences only).
	long := 0
	for _, p := range ds.Test {
		if len(p.Src) >= 8 {
			long++
		}
	}
	if long < 100 {
		t.Fatalf("only %d of %d test sentences have 8+ tokens: split is not a sample", long, len(ds.Test))
	}
	again, err := Load(ctx, task, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ds, again) {
		t.Fatal("two loads differ")
	}
}

// writeFiles creates files (name -> content) in dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeZip creates a zip archive at path with the given members.
func writeZip(t *testing.T, path string, members map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(members[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// goodAligned is a valid aligned corpus.
var goodAligned = map[string]string{
	"train.src": "a b\nc d\n", "train.tgt": "x y\nz w\n",
	"valid.src": "a\n", "valid.tgt": "x\n",
	"test.src": "c\n", "test.tgt": "z\n",
}

// tsvLines is a valid TSV corpus of distinct English sentences.
const tsvLines = "Go.\tGeh.\nHi.\tHallo!\tCC-BY 2.0 (France) Attribution: tatoeba.org\nRun!\tLauf!\nWow!\tPotzdonner!\nFire!\tFeuer!\nHelp!\tHilfe!\nStop!\tStopp!\nWait!\tWarte!\n"

func TestLoadErrors(t *testing.T) {
	with := func(over map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range goodAligned {
			m[k] = v
		}
		for k, v := range over {
			if v == "\x00delete" {
				delete(m, k)
				continue
			}
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name  string
		kind  string
		files map[string]string
		zip   map[string]string // members of data.zip, when set
		task  func(*space.Task)
		want  string
	}{
		{"missing file", "aligned", with(map[string]string{"valid.tgt": "\x00delete"}), nil, nil, "valid.tgt: no such file"},
		{"unequal lines", "aligned", with(map[string]string{"train.tgt": "x y\n"}), nil, nil, "train.src has 2 lines but"},
		{"invalid UTF-8", "aligned", with(map[string]string{"train.src": "a b\nüx\xffy\n"}), nil, nil, "train.src:2:3: invalid UTF-8"},
		{"line too long", "aligned", with(map[string]string{"test.tgt": strings.Repeat("z", MaxLineBytes+1) + "\n"}), nil, nil, "test.tgt:1: line longer than 65536 bytes"},
		{"last line too long", "aligned", with(map[string]string{"test.tgt": strings.Repeat("z", MaxLineBytes+1)}), nil, nil, "test.tgt:1: line longer than"},
		{"blank split", "aligned", with(map[string]string{"valid.src": " \n", "valid.tgt": "x\n"}), nil, nil, "split valid has no usable pair"},
		{"tsv one field", "tsv", map[string]string{"data.tsv": "Go.\tGeh.\nHi.\n"}, nil, nil, "data.tsv:2: want 2 or 3 tab-separated fields"},
		{"tsv four fields", "tsv", map[string]string{"data.tsv": "a\tb\tc\td\n"}, nil, nil, "data.tsv:1: want 2 or 3 tab-separated fields (english, other, attribution), got 4"},
		{"tsv invalid UTF-8", "tsv", map[string]string{"data.tsv": "Go.\tGe\xc3h.\n"}, nil, nil, "data.tsv:1:7: invalid UTF-8"},
		{"tsv empty split", "tsv", map[string]string{"data.tsv": tsvLines}, nil, func(tk *space.Task) { tk.TestSize = 8 }, "split train is empty (8 usable pairs"},
		{"zip two members", "tsv", nil, map[string]string{"a.txt": tsvLines, "b.tsv": tsvLines, "_about.txt": "x"}, nil, "want exactly one .txt or .tsv data member"},
		{"zip no member", "tsv", nil, map[string]string{"_about.txt": "x", "readme.md": "y"}, nil, "found 0"},
		{"zip bad line", "tsv", nil, map[string]string{"deu.txt": "a\tb\nbad\n"}, nil, "data.zip!deu.txt:2: want 2 or 3"},
		{"not a zip", "tsv", map[string]string{"data.zip": "plain text"}, nil, nil, "open zip"},
		{"unknown kind", "parquet", nil, nil, nil, `task kind "parquet"`},
		{"unknown tokenizer", "aligned", goodAligned, nil, func(tk *space.Task) { tk.Tokenizer = "wordpiece" }, `tokenizer "wordpiece"`},
		{"synthetic too long", "synthetic", nil, nil, func(tk *space.Task) { tk.MaxLen = 8 }, "synthetic max_len 10 exceeds the length limit 8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, c.files)
			task := space.Task{Kind: c.kind, Path: dir, ValidSize: 1, TestSize: 1, Synthetic: synOpts}
			if c.kind == "tsv" {
				task.Path = filepath.Join(dir, "data.tsv")
				if c.zip != nil || c.files["data.zip"] != "" {
					task.Path = filepath.Join(dir, "data.zip")
				}
			}
			if c.zip != nil {
				writeZip(t, task.Path, c.zip)
			}
			if c.task != nil {
				c.task(&task)
			}
			_, err := Load(context.Background(), task, 0)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestLoadSkipPolicy(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		// BOM, CRLF, a blank pair, a one-sided blank pair and a pair over 3 tokens.
		"train.src": "\ufeffa b\r\n\r\nc\nd e f g\nh\n", "train.tgt": "x y\r\n\r\nz\nw\n \n",
		"valid.src": "a\n", "valid.tgt": "x\n", "test.src": "b\n", "test.tgt": "y\n",
	})
	ds, err := LoadAligned(context.Background(), dir, Options{MaxLen: 3})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Skipped != 3 || len(ds.Train) != 2 || ds.Train[0].SrcText != "a b" || ds.Train[0].TgtText != "x y" {
		t.Fatalf("skipped %d, train %+v", ds.Skipped, ds.Train)
	}

	tsv := filepath.Join(dir, "d.tsv")
	writeFiles(t, dir, map[string]string{"d.tsv": "\n" + tsvLines + "Empty.\t \n\n"})
	plain, err := LoadTSV(context.Background(), tsv, Options{ValidSize: 2, TestSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Skipped != 3 || len(plain.Train)+len(plain.Valid)+len(plain.Test) != 8 || len(plain.Valid) != 2 || len(plain.Test) != 2 {
		t.Fatalf("skipped %d, sizes %d/%d/%d", plain.Skipped, len(plain.Train), len(plain.Valid), len(plain.Test))
	}
	// The same lines inside a zip (next to an _about.txt) give the same data set.
	zp := filepath.Join(dir, "d.zip")
	writeZip(t, zp, map[string]string{"_about.txt": "about", "deu.txt": "\n" + tsvLines + "Empty.\t \n\n"})
	zipped, err := LoadTSV(context.Background(), zp, Options{ValidSize: 2, TestSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	zipped.Name = plain.Name
	if !reflect.DeepEqual(plain, zipped) {
		t.Fatal("zip and plain TSV differ")
	}
	// A different file order gives the same split (it depends on the sentences only).
	lines := strings.Split(strings.TrimSpace(tsvLines), "\n")
	slices.Reverse(lines)
	writeFiles(t, dir, map[string]string{"r.tsv": strings.Join(lines, "\n")})
	rev, err := LoadTSV(context.Background(), filepath.Join(dir, "r.tsv"), Options{ValidSize: 2, TestSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rev.Test, plain.Test) || !reflect.DeepEqual(rev.Valid, plain.Valid) {
		t.Fatal("split depends on line order")
	}
	// Unset sizes mean DefaultSplitSize each: 8 pairs cannot fill them.
	if _, err := LoadTSV(context.Background(), tsv, Options{}); err == nil || !strings.Contains(err.Error(), "valid_size 500, test_size 500") {
		t.Fatalf("default split sizes: error %v", err)
	}
}

func TestLoadCancelled(t *testing.T) {
	needTatoeba(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, space.Task{Kind: "aligned", Path: tatoebaDir}, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestLoadSynthetic(t *testing.T) {
	ds, err := Load(context.Background(), space.Task{Kind: "synthetic", Synthetic: synOpts}, 64)
	if err != nil {
		t.Fatal(err)
	}
	direct := mustSynthetic(t, synOpts)
	if !reflect.DeepEqual(ds, direct) {
		t.Fatal("Load(synthetic) differs from Synthetic")
	}
}

// writeAligned writes a tiny aligned corpus of the given pairs as train, and two pairs each as
// valid and test.
func writeAlignedPairs(t *testing.T, train [][2]string) string {
	t.Helper()
	dir := t.TempDir()
	splits := map[string][][2]string{
		"train": train,
		"valid": {{"the lowest house", "das niedrigste Haus"}, {"new houses", "neue Häuser"}},
		"test":  {{"the widest houses", "die breitesten Häuser"}, {"a slower house", "ein langsameres Haus"}},
	}
	for name, ps := range splits {
		var src, tgt strings.Builder
		for _, p := range ps {
			src.WriteString(p[0] + "\n")
			tgt.WriteString(p[1] + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, name+".src"), []byte(src.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".tgt"), []byte(tgt.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadBPE(t *testing.T) {
	var train [][2]string
	for _, adj := range []string{"low", "new", "wide", "slow", "old", "great"} {
		for _, form := range [][2]string{{"", ""}, {"er", "er"}, {"est", "ste"}} {
			train = append(train,
				[2]string{"the " + adj + form[0] + " house.", "das " + adj + form[1] + " Haus."},
				[2]string{"the " + adj + form[0] + " houses!", "die " + adj + form[1] + "n Häuser!"})
		}
	}
	dir := writeAlignedPairs(t, train)
	ctx := context.Background()
	ds, err := LoadAligned(ctx, dir, Options{Tokenizer: BPE, MaxVocab: 40, MaxLen: 12})
	if err != nil {
		t.Fatal(err)
	}
	if ds.SrcVocab.Level() != BPE || ds.SrcVocab.Size() > 40 || ds.TgtVocab.Size() > 40 {
		t.Fatalf("level %s, vocab sizes %d/%d (max 40)", ds.SrcVocab.Level(), ds.SrcVocab.Size(), ds.TgtVocab.Size())
	}
	// Subwords: some token carries the continuation mark, sentences get longer than in words.
	marked, words, subwords := false, 0, 0
	for _, p := range ds.Train {
		words += len(Tokens(Word, p.SrcText))
		subwords += len(p.Src)
		for _, id := range p.Src {
			marked = marked || strings.HasSuffix(ds.SrcVocab.Token(id), "@@")
		}
	}
	if !marked || subwords <= words {
		t.Fatalf("no subwords: %d words, %d tokens", words, subwords)
	}
	// Decoding joins the subwords and detokenises: training and unseen sentences come back.
	for _, ps := range [][]Pair{ds.Train, ds.Valid, ds.Test} {
		for _, p := range ps {
			for _, c := range [][2]any{{ds.SrcVocab, p.SrcText}, {ds.TgtVocab, p.TgtText}} {
				v, text := c[0].(*Vocab), c[1].(string)
				ids := v.Encode(text)
				if slices.Contains(ids, UNK) {
					continue // a character never seen in training
				}
				if got := v.Decode(ids); got != text {
					t.Errorf("Decode(Encode(%q)) = %q", text, got)
				}
			}
		}
	}
	// Same input, same merges.
	again, err := LoadAligned(ctx, dir, Options{Tokenizer: BPE, MaxVocab: 40, MaxLen: 12})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ds.Train, again.Train) {
		t.Fatal("two loads gave different subwords")
	}
	// The length limit counts subwords: pairs within 5 words but over 5 subwords are skipped.
	short, err := LoadAligned(ctx, dir, Options{Tokenizer: BPE, MaxVocab: 12, MaxLen: 5})
	if err == nil {
		for _, p := range short.Train {
			if len(p.Src) > 5 || len(p.Tgt) > 5 {
				t.Fatalf("pair of %d/%d subwords kept under max_len 5", len(p.Src), len(p.Tgt))
			}
		}
		if short.Skipped == 0 {
			t.Fatal("no pair skipped for its subword length")
		}
	}
	if _, err := LoadAligned(ctx, dir, Options{Tokenizer: BPE}); err == nil || !strings.Contains(err.Error(), "needs max_vocab") {
		t.Fatalf("bpe without max_vocab: %v", err)
	}
}

func TestLoadBPETatoeba(t *testing.T) {
	needTatoeba(t)
	ds, err := Load(context.Background(), space.Task{Kind: "aligned", Path: tatoebaDir, Tokenizer: BPE, MaxVocab: 4000, MinFreq: 1, MaxLen: 40}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ds.SrcVocab.Size() > 4000 || ds.TgtVocab.Size() > 4000 || ds.TgtVocab.Size() < 3000 {
		t.Fatalf("vocab sizes %d/%d", ds.SrcVocab.Size(), ds.TgtVocab.Size())
	}
	// Decoded references score as the originals under 13a on every test line without an
	// unseen character; unknown subwords are rare (BPE falls back to characters; 6 of 500 lines
	// hold a character the training split lacks).
	unk, total := 0, 0
	for _, p := range ds.Test {
		total += len(p.Tgt)
		if slices.Contains(p.Tgt, UNK) {
			unk++
			continue
		}
		if got, want := bleu.Tokenize13a(ds.TgtVocab.Decode(p.Tgt)), bleu.Tokenize13a(p.TgtText); !slices.Equal(got, want) {
			t.Fatalf("decoded %q, reference %q", ds.TgtVocab.Decode(p.Tgt), p.TgtText)
		}
	}
	if unk > 10 {
		t.Fatalf("%d of %d test lines have an unknown subword", unk, len(ds.Test))
	}
}
