package bleu

import (
	"regexp"
	"strings"
	"unicode"
)

// rules13a are the four substitutions of sacreBLEU's TokenizerRegexp, in order. They are
// compiled once and never modified.
var rules13a = []struct {
	re   *regexp.Regexp
	repl string
}{
	// ASCII punctuation and symbols except ' - . , become tokens of their own.
	{regexp.MustCompile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])"), " ${1} "},
	// period and comma unless preceded by a digit
	{regexp.MustCompile(`([^0-9])([\.,])`), "${1} ${2} "},
	// period and comma unless followed by a digit
	{regexp.MustCompile(`([\.,])([^0-9])`), " ${1} ${2}"},
	// dash when preceded by a digit
	{regexp.MustCompile(`([0-9])(-)`), "${1} ${2} "},
}

// Tokenize13a splits a detokenised line into tokens exactly as sacreBLEU's default "13a"
// tokeniser (mteval-v13a.pl) does: ASCII punctuation split off, '.' and ',' kept inside numbers,
// '-' split after a digit, HTML entities &quot; &amp; &lt; &gt; unescaped, case preserved.
func Tokenize13a(line string) []string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	if strings.Contains(line, "&") {
		line = strings.ReplaceAll(line, "&quot;", `"`)
		line = strings.ReplaceAll(line, "&amp;", "&")
		line = strings.ReplaceAll(line, "&lt;", "<")
		line = strings.ReplaceAll(line, "&gt;", ">")
	}
	line = " " + line + " "
	for _, r := range rules13a {
		line = r.re.ReplaceAllString(line, r.repl)
	}
	return strings.FieldsFunc(line, pySpace)
}

// pySpace reports whether Python's str.isspace() holds for r (Go's unicode.IsSpace plus the
// ASCII separators U+001C..U+001F, which Python also splits on).
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}
