package data

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Detokenize joins word-level tokens into natural text: no space before . , ! ? ; : % and
// closing brackets or quotes, none after opening brackets or quotes, ¿ ¡ $ and #, "/" joined on
// both sides, "-" joined to a preceding number, straight double quotes alternating between
// opening and closing, and “ closing a German „ (opening otherwise).
func Detokenize(tokens []string) string {
	var b strings.Builder
	glueNext := true // no space before the next token
	openDouble := false
	lowOpen := 0 // unclosed „ quotes
	prev := ""
	for _, t := range tokens {
		if t == "" {
			continue
		}
		before, after := false, false // glue to previous / to next
		switch t {
		case ".", ",", "!", "?", ";", ":", "%", ")", "]", "}", "…", "”", "»", "’", "›":
			before = true
		case "(", "[", "{", "¿", "¡", "$", "#", "«", "‘", "‹", "„":
			after = true
			if t == "„" {
				lowOpen++
			}
		case "/":
			before, after = true, true
		case "-":
			if r, _ := utf8.DecodeLastRuneInString(prev); unicode.IsDigit(r) {
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
