package tgmd

import "unicode/utf8"

// UTF16Len reports how many UTF-16 code units s takes, which is how Telegram
// measures message length. Runes outside the Basic Multilingual Plane (most
// emoji) take two units; every other rune, and every byte of invalid UTF-8,
// takes one.
func UTF16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += runeUnits(r)
		i += size
	}
	return n
}

// runeUnits is the number of UTF-16 code units r takes.
func runeUnits(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// isBlankRune reports whether r counts as nothing when Telegram decides that
// a message is empty: white space and the invisible format characters that
// Telegram strips from both ends of a text.
func isBlankRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0, 0x1680, 0x2028, 0x2029,
		0x202F, 0x205F, 0x3000, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F,
		0x2060, 0xFEFF, 0x00AD, 0x180E:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}
