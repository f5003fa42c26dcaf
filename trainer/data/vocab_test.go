package data

import (
	"slices"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	cases := []struct {
		level, in string
		want      []string
	}{
		{Word, "Tom isn't here, is he?", []string{"Tom", "isn't", "here", ",", "is", "he", "?"}},
		{Word, "Er sagte: „Hallo!“", []string{"Er", "sagte", ":", "„", "Hallo", "!", "“"}},
		{Word, "l’été — «oui»", []string{"l’été", "—", "«", "oui", "»"}},
		{"", "3.50 $", []string{"3.50", "$"}},
		{Char, " Ab  ü ", []string{"A", "b", " ", "ü"}},
		{Byte, "aü", []string{"a", "\xc3", "\xbc"}},
		{Word, "   ", nil},
	}
	for _, c := range cases {
		if got := Tokens(c.level, c.in); !slices.Equal(got, c.want) {
			t.Errorf("Tokens(%q, %q) = %q, want %q", c.level, c.in, got, c.want)
		}
	}
}

func TestDetokenize(t *testing.T) {
	cases := []struct {
		in   string // tokens separated by single spaces
		want string
	}{
		{"Tom isn't here , is he ?", "Tom isn't here, is he?"},
		{"Wait . . . what ? !", "Wait... what?!"},
		{`She said " hello " ( quietly ) .`, `She said "hello" (quietly).`},
		{"Er sagte : „ Hallo ! “", "Er sagte: „Hallo!“"},
		{"He said “ yes ” .", "He said “yes”."},
		{"It costs $ 5 , or 10 % .", "It costs $5, or 10%."},
		{"1990 - 2000 and well-known", "1990-2000 and well-known"},
		{"at 2 : 30 p . m .", "at 2:30 p.m."},
		{"and / or ¿ qué ?", "and/or ¿qué?"},
		{"« oui »", "«oui»"},
		{"", ""},
	}
	for _, c := range cases {
		var toks []string
		if c.in != "" {
			toks = strings.Split(c.in, " ")
		}
		if got := Detokenize(toks); got != c.want {
			t.Errorf("Detokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBuildVocab(t *testing.T) {
	lines := [][]string{{"b", "a", "c"}, {"a", "b", "d"}, {"a", "<unk>"}}
	cases := []struct {
		name              string
		minFreq, maxVocab int
		want              []string
	}{
		{"all, frequency then text", 0, 0, []string{"<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "c", "d"}},
		{"min freq 2", 2, 0, []string{"<pad>", "<unk>", "<bos>", "<eos>", "a", "b"}},
		{"cap 5 with specials", 1, 5, []string{"<pad>", "<unk>", "<bos>", "<eos>", "a"}},
	}
	for _, c := range cases {
		v, err := BuildVocab(Word, lines, c.minFreq, c.maxVocab)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for id := range v.Size() {
			got = append(got, v.Token(id))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if _, err := BuildVocab(Word, lines, 1, 4); err == nil || !strings.Contains(err.Error(), "max_vocab 4") {
		t.Errorf("max_vocab 4: error %v", err)
	}
	if _, err := NewVocab(Word, []string{"x", "x"}); err == nil {
		t.Error("duplicate token accepted")
	}
	if _, err := NewVocab("wordpiece", nil); err == nil {
		t.Error("unknown level accepted")
	}
}

func TestVocabEncodeDecode(t *testing.T) {
	v, err := BuildVocab(Word, [][]string{Tokens(Word, "Tom isn't here, is he?")}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := v.Encode("Tom is here, Mary?")
	if ids[4] != UNK || v.ID("Mary") != UNK || v.Token(-1) != "<unk>" || v.Token(v.Size()) != "<unk>" {
		t.Fatalf("unknown word handling: ids %v", ids)
	}
	// BOS and PAD are dropped, UNK too, decoding stops at EOS.
	seq := append(append([]int{BOS}, ids...), EOS, v.ID("Tom"), PAD)
	if got := v.Decode(seq); got != "Tom is here,?" {
		t.Errorf("Decode = %q", got)
	}
	if v.Level() != Word {
		t.Errorf("level %q", v.Level())
	}

	text := "Grüße, Zoë!"
	for _, level := range []string{Char, Byte} {
		v, err := BuildVocab(level, [][]string{Tokens(level, text)}, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Decode(v.Encode(text)); got != text {
			t.Errorf("%s round trip %q", level, got)
		}
	}
	bv, _ := BuildVocab(Byte, nil, 5, 0)
	if bv.Size() != NumSpecials+256 {
		t.Errorf("byte vocabulary has %d entries", bv.Size())
	}
	if got := bv.Decode(bv.Encode("ü")[:1]); got != "\uFFFD" {
		t.Errorf("half a rune decodes to %q", got)
	}
}
