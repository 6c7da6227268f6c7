package geminitest

import (
	"strings"
	"unicode/utf8"
)

// Answer computes the text of a reply from the recorded request.
// It runs outside the server's lock and may be called concurrently.
type Answer func(c *Call) string

// Text answers every request with s.
func Text(s string) Answer { return func(*Call) string { return s } }

// Echo answers with the text of the last user turn, prefixed with "echo: ".
func Echo() Answer {
	return func(c *Call) string { return "echo: " + c.LastUserText() }
}

// EstimateTokens is the fake's token count for text: one token per
// non-ASCII rune (a CJK character is about one token) plus one per four
// ASCII bytes, rounded up. Usage metadata and countTokens use it.
func EstimateTokens(text string) int {
	ascii, other := 0, 0
	for i := 0; i < len(text); {
		if text[i] < utf8.RuneSelf {
			ascii++
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		other++
		i += n
	}
	return other + (ascii+3)/4
}

// imageTokens is what Gemini bills for one image of up to 384x384 pixels.
const imageTokens = 258

// splitChunks cuts text into n pieces of about equal length on rune
// boundaries. Fewer pieces come back when text has fewer runes than n; an
// empty text gives one empty piece.
func splitChunks(text string, n int) []string {
	if n < 1 {
		n = 1
	}
	runes := utf8.RuneCountInString(text)
	if runes <= 1 || n == 1 {
		return []string{text}
	}
	n = min(n, runes)
	out := make([]string, 0, n)
	per, extra := runes/n, runes%n
	rest := text
	for i := range n {
		size := per
		if i < extra {
			size++
		}
		cut := 0
		for range size {
			_, w := utf8.DecodeRuneInString(rest[cut:])
			cut += w
		}
		out = append(out, rest[:cut])
		rest = rest[cut:]
	}
	return out
}

// truncateTokens keeps the prefix of text that fits in max tokens.
func truncateTokens(text string, max int) string {
	if EstimateTokens(text) <= max {
		return text
	}
	var b strings.Builder
	for _, r := range text {
		if EstimateTokens(b.String()+string(r)) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
