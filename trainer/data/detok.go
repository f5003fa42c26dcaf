package data

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Detokenize joins word-level tokens into natural text: no space before . , ! ? ; : % and
// closing brackets or quotes, none after opening brackets or quotes, ¿ ¡ $ and #, "/" joined on
// both sides, "-" joined to a preceding number, ":" inside a time (2:30), "." inside
// abbreviations of single letters (a.m.), straight double quotes alternating between
// opening and closing, and “ closing a German „ (opening otherwise).
func Detokenize(tokens []string) string {
	var b strings.Builder
	glueNext := true // no space before the next token
	openDouble := false
	lowOpen := 0 // unclosed „ quotes
	prev := ""
	for i, t := range tokens {
		if t == "" {
			continue
		}
		next := ""
		if i+1 < len(tokens) {
			next = tokens[i+1]
		}
		before, after := false, false // glue to previous / to next
		switch t {
		case ".", ",", "!", "?", ";", ":", "%", ")", "]", "}", "…", "”", "»", "’", "›":
			before = true
			switch {
			case t == ":" && endsDigit(prev) && startsDigit(next): // 2:30
				after = true
			case t == "." && isSingleLetter(prev) && isSingleLetter(next): // a.m.
				after = true
			}
		case "(", "[", "{", "¿", "¡", "$", "#", "«", "‘", "‹", "„":
			after = true
			if t == "„" {
				lowOpen++
			}
		case "/":
			before, after = true, true
		case "-":
			if endsDigit(prev) {
				before, after = true, true
			}
		case `"`:
			if openDouble {
				before = true
			} else {
				after = true
			}
			openDouble = !openDouble
		case "“":
			if lowOpen > 0 {
				lowOpen--
				before = true
			} else {
				after = true
			}
		}
		if !glueNext && !before {
			b.WriteByte(' ')
		}
		b.WriteString(t)
		glueNext = after
		prev = t
	}
	return b.String()
}

// endsDigit reports whether s ends with a digit.
func endsDigit(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsDigit(r)
}

// startsDigit reports whether s starts with a digit.
func startsDigit(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsDigit(r)
}

// isSingleLetter reports whether s is one letter.
func isSingleLetter(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n == len(s) && unicode.IsLetter(r)
}
