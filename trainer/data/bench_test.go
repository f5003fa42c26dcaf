package data

import (
	"context"
	"path/filepath"
	"testing"
)

func BenchmarkTokensWord(b *testing.B) {
	line := `Er sagte: „Tom hat um 2:30 Uhr 3,5 Äpfel gekauft, nicht wahr?“`
	for b.Loop() {
		Tokens(Word, line)
	}
}

func BenchmarkLoadAlignedTatoeba(b *testing.B) {
	if _, err := filepath.Abs(tatoebaDir); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := LoadAligned(context.Background(), tatoebaDir, Options{MinFreq: 2}); err != nil {
			b.Skip("shared Tatoeba corpus not available: ", err)
		}
	}
}
