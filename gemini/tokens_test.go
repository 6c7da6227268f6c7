package gemini_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
)

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 0},
		{"one letter", "a", 1},
		{"ascii, four bytes a token", "abcdefgh", 2},
		{"ascii sentence", "The quick brown fox jumps over the lazy dog.", 11},
		{"chinese, a token a character", "你好世界", 4},
		{"japanese kana and kanji", "こんにちは世界", 7},
		{"korean", "안녕하세요", 5},
		{"mixed", "Hello 世界", 2 + 2},
		{"cyrillic, two runes a token", "привет", 3},
		{"emoji", "👍👍", 2},
		{"invalid utf-8", "\xff\xfe", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, gemini.EstimateTokens(tt.text))
		})
	}
	// A Chinese text costs about one token per character, not a quarter.
	zh := strings.Repeat("我们今天讨论一下这个问题", 100)
	assert.Equal(t, utf8.RuneCountInString(zh), gemini.EstimateTokens(zh))
}

func FuzzEstimateTokens(f *testing.F) {
	for _, s := range []string{"", "hello", "你好", "mixed 混合 text", "\xff", "👍🏽", strings.Repeat("a", 1000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := gemini.EstimateTokens(s)
		if s == "" && n != 0 || s != "" && n < 1 {
			t.Fatalf("EstimateTokens(%q) = %d", s, n)
		}
		if n > len(s) {
			t.Fatalf("EstimateTokens(%q) = %d, more than its %d bytes", s, n, len(s))
		}
		// Additive up to rounding: splitting the text never changes the
		// estimate by more than the two roundings.
		if i := len(s) / 2; len(s) > 0 && utf8.ValidString(s) && utf8.RuneStart(s[i]) {
			a, b := gemini.EstimateTokens(s[:i]), gemini.EstimateTokens(s[i:])
			if d := a + b - n; d < 0 || d > 2 {
				t.Fatalf("EstimateTokens(%q)=%d but halves give %d+%d", s, n, a, b)
			}
		}
	})
}

func BenchmarkEstimateTokens(b *testing.B) {
	for _, tc := range []struct{ name, text string }{
		{"ascii-2KB", answer2K},
		{"chinese-2KB", strings.Repeat("我们今天讨论一下这个问题", 57)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.text)))
			for b.Loop() {
				gemini.EstimateTokens(tc.text)
			}
		})
	}
}
