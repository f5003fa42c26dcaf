package bleu

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// unescape13a is the 13a tokeniser's first step, before its four substitutions: "<skipped>"
// removed, lines joined, and the HTML entities &quot; &amp; &lt; &gt; unescaped.
func unescape13a(line string) string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	if strings.Contains(line, "&") {
		line = strings.ReplaceAll(line, "&quot;", `"`)
		line = strings.ReplaceAll(line, "&amp;", "&")
		line = strings.ReplaceAll(line, "&lt;", "<")
		line = strings.ReplaceAll(line, "&gt;", ">")
	}
	return line
}

// Tokenize13a splits a detokenised line into tokens exactly as sacreBLEU's default "13a"
// tokeniser (mteval-v13a.pl) does: ASCII punctuation split off, '.' and ',' kept inside numbers,
// '-' split after a digit, HTML entities &quot; &amp; &lt; &gt; unescaped, case preserved.
//
// sacreBLEU applies four regular-expression substitutions in turn; each pass below reproduces
// one of them, scanning left to right with non-overlapping matches as Python's re.sub does
// (the test compares them with the regular expressions on real and random text).
func Tokenize13a(line string) []string {
	line = unescape13a(line)
	s := make([]byte, 0, 2*len(line)+2)
	s = append(s, ' ')
	// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
	for i := 0; i < len(line); i++ {
		if c := line[i]; isPunct13a(c) {
			s = append(s, ' ', c, ' ')
		} else {
			s = append(s, c)
		}
	}
	s = append(s, ' ')
	// ([^0-9])([\.,]) -> "\1 \2 "
	t := make([]byte, 0, len(s)+len(s)/2)
	for i := 0; i < len(s); i++ {
		if i+1 < len(s) && !isDigit(s[i]) && isDotComma(s[i+1]) {
			t = append(t, s[i], ' ', s[i+1], ' ')
			i++
			continue
		}
		t = append(t, s[i])
	}
	// ([\.,])([^0-9]) -> " \1 \2"
	s = s[:0]
	for i := 0; i < len(t); i++ {
		if i+1 < len(t) && isDotComma(t[i]) && !isDigit(t[i+1]) {
			s = append(s, ' ', t[i], ' ', t[i+1])
			i++
			continue
		}
		s = append(s, t[i])
	}
	// ([0-9])(-) -> "\1 \2 "
	t = t[:0]
	for i := 0; i < len(s); i++ {
		if i+1 < len(s) && isDigit(s[i]) && s[i+1] == '-' {
			t = append(t, s[i], ' ', '-', ' ')
			i++
			continue
		}
		t = append(t, s[i])
	}
	return fieldsPy(t)
}

// isPunct13a reports whether c is in 13a's first character class: ASCII punctuation and symbols
// except ' - . , (plus the space, which the class also names).
func isPunct13a(c byte) bool {
	switch {
	case c >= '{' && c <= '~', c >= '[' && c <= '`', c >= ' ' && c <= '&',
		c >= '(' && c <= '+', c >= ':' && c <= '@', c == '/':
		return true
	}
	return false
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isDotComma reports whether c is '.' or ','.
func isDotComma(c byte) bool { return c == '.' || c == ',' }

// fieldsPy splits b like Python's str.split(): on runs of whitespace as str.isspace() defines it.
func fieldsPy(b []byte) []string {
	var out []string
	start := -1
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		if pySpace(r) {
			if start >= 0 {
				out = append(out, string(b[start:i]))
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		out = append(out, string(b[start:]))
	}
	return out
}

// pySpace reports whether Python's str.isspace() holds for r (Go's unicode.IsSpace plus the
// ASCII separators U+001C..U+001F, which Python also splits on).
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}
