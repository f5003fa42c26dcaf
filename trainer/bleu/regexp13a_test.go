package bleu

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// regexp13a is sacreBLEU's 13a tokeniser written with its regular expressions (after the same
// unescape13a step), the reference the fast passes of Tokenize13a are compared with.
func regexp13a(line string) []string {
	rules := []struct {
		re   *regexp.Regexp
		repl string
	}{
		{regexp.MustCompile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])"), " ${1} "},
		{regexp.MustCompile(`([^0-9])([\.,])`), "${1} ${2} "},
		{regexp.MustCompile(`([\.,])([^0-9])`), " ${1} ${2}"},
		{regexp.MustCompile(`([0-9])(-)`), "${1} ${2} "},
	}
	line = " " + unescape13a(line) + " "
	for _, r := range rules {
		line = r.re.ReplaceAllString(line, r.repl)
	}
	return strings.FieldsFunc(line, pySpace)
}

func TestTokenize13aMatchesRegexp(t *testing.T) {
	var lines []string
	for _, f := range []string{"ref.txt", "src.txt", "drop30.hyp", "swap20.hyp"} {
		lines = append(lines, readLines(t, f)...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab09.,-'\"$%&()/:;?!@[]{}~`^_|\\<> \t\n\u00a0\u2009\x1cäß„“…—€\xff&amp;&quot;<skipped>")
	for range 5000 {
		n := rng.IntN(24)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		lines = append(lines, b.String())
	}
	lines = append(lines, "a\xffb.\xfe,c", "5.\xc3", "&amp;amp;", "-\n-\n")
	for _, l := range lines {
		if got, want := Tokenize13a(l), regexp13a(l); !slices.Equal(got, want) {
			t.Fatalf("Tokenize13a(%q) = %q, regexp version %q", l, got, want)
		}
	}
}
