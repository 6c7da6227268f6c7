package vipsession

import (
	"unicode"
	"unicode/utf8"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// EstimateTokens is the default token estimate: one token per CJK
// character (Han, kana, Hangul, CJK punctuation and full-width forms) and
// one per four bytes, rounded up, of all other text. It is a budget
// figure, not the model's own count.
func EstimateTokens(text string) int64 {
	var cjk, other int64
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			other++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if isCJK(r) {
			cjk++
		} else {
			other += int64(size)
		}
	}
	return cjk + (other+3)/4
}

func isCJK(r rune) bool {
	switch {
	case r < 0x2E80:
		return false
	case r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF:
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// turnTokens is the stored token count of a turn, or an estimate of its
// text when none was stored.
func turnTokens(t *store.Turn, estimate func(string) int64) int64 {
	if t.Tokens > 0 {
		return t.Tokens
	}
	return estimate(t.Text)
}

// rounds splits turns into whole rounds, a user turn followed by a model
// turn, and returns the index of each round's user turn. Turns that do not
// form a round (a model turn first, two user turns in a row) are skipped.
func rounds(turns []store.Turn) []int {
	starts := make([]int, 0, len(turns)/2)
	for i := 0; i+1 < len(turns); {
		if turns[i].Role == store.RoleUser && turns[i+1].Role == store.RoleModel {
			starts = append(starts, i)
			i += 2
			continue
		}
		i++
	}
	return starts
}

// trimHistory returns the newest whole rounds of turns that fit within
// maxRounds and maxTokens (Unlimited for no token cap), oldest first, and
// their token total. The result never starts with a model turn and never
// holds two user turns in a row.
func trimHistory(turns []store.Turn, maxRounds int, maxTokens int64, estimate func(string) int64) ([]store.Turn, int64) {
	starts := rounds(turns)
	keep, total := 0, int64(0)
	for j := len(starts) - 1; j >= 0 && keep < maxRounds; j-- {
		i := starts[j]
		cost := turnTokens(&turns[i], estimate) + turnTokens(&turns[i+1], estimate)
		if maxTokens != Unlimited && total+cost > maxTokens {
			break
		}
		total += cost
		keep++
	}
	if keep == 0 {
		return nil, 0
	}
	out := make([]store.Turn, 0, 2*keep)
	for _, i := range starts[len(starts)-keep:] {
		out = append(out, turns[i], turns[i+1])
	}
	return out, total
}
