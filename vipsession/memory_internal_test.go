package vipsession

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		text string
		want int64
	}{
		{"", 0},
		{"a", 1},
		{"abcd", 1},
		{"abcde", 2},
		{"hello world, how are you?", 7},     // 25 bytes
		{"你好世界", 4},                          // one per Han character
		{"こんにちは", 5},                         // hiragana
		{"カタカナ", 4},                          // katakana
		{"안녕하세요", 5},                         // Hangul
		{"你好，世界。", 6},                        // CJK punctuation, full-width comma
		{"Go语言", 3},                          // "Go" rounds up to 1, plus 2
		{"é", 1},                             // 2 bytes of non-CJK text
		{"🙂🙂", 2},                            // 8 bytes
		{strings.Repeat("token ", 100), 150}, // 600 bytes
		{strings.Repeat("中文", 50) + "abcd", 101}, // 100 + 1
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			assert.Equal(t, tt.want, EstimateTokens(tt.text))
		})
	}
}

func turnsOf(spec string, text string) []store.Turn {
	turns := make([]store.Turn, 0, len(spec))
	for i, c := range spec {
		role := store.RoleUser
		if c == 'm' {
			role = store.RoleModel
		}
		turns = append(turns, store.Turn{Role: role, Text: text + string(rune('0'+i))})
	}
	return turns
}

func roles(turns []store.Turn) string {
	var b strings.Builder
	for _, t := range turns {
		b.WriteByte(string(t.Role)[0])
	}
	return b.String()
}

func TestTrimHistoryShape(t *testing.T) {
	tests := []struct {
		name, in  string
		maxRounds int
		want      string
	}{
		{"empty", "", 3, ""},
		{"whole rounds", "umumum", 3, "umumum"},
		{"newest kept", "umumumum", 2, "umum"},
		{"leading model turn dropped", "mumum", 3, "umum"},
		{"two user turns in a row", "uumum", 3, "umum"},
		{"dangling user turn", "umumu", 3, "umum"},
		{"model turns in a row", "ummum", 3, "umum"},
		{"nothing whole", "mmuu", 3, ""},
		{"zero rounds", "umum", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := trimHistory(turnsOf(tt.in, "x"), tt.maxRounds, Unlimited, EstimateTokens)
			assert.Equal(t, tt.want, roles(got))
			for i := 1; i < len(got); i++ {
				assert.NotEqual(t, got[i-1].Role, got[i].Role)
			}
		})
	}
}

func TestTrimHistoryTokens(t *testing.T) {
	cjk := strings.Repeat("记忆", 50)   // 100 tokens a turn
	en := strings.Repeat("word", 100) // 100 tokens a turn
	for _, text := range []string{cjk, en} {
		turns := make([]store.Turn, 0, 8)
		for range 4 {
			turns = append(turns, store.Turn{Role: store.RoleUser, Text: text}, store.Turn{Role: store.RoleModel, Text: text})
		}
		for _, tt := range []struct {
			budget int64
			rounds int
		}{{0, 0}, {199, 0}, {200, 1}, {599, 2}, {600, 3}, {10_000, 4}, {Unlimited, 4}} {
			got, tokens := trimHistory(turns, 10, tt.budget, EstimateTokens)
			assert.Len(t, got, 2*tt.rounds, "budget %d", tt.budget)
			assert.Equal(t, int64(200*tt.rounds), tokens)
		}
	}
	// Stored token counts win over the estimate.
	turns := []store.Turn{
		{Role: store.RoleUser, Text: "old", Tokens: 500}, {Role: store.RoleModel, Text: "old", Tokens: 500},
		{Role: store.RoleUser, Text: "new", Tokens: 5}, {Role: store.RoleModel, Text: "new", Tokens: 5},
	}
	got, tokens := trimHistory(turns, 10, 100, EstimateTokens)
	assert.Equal(t, "new", got[0].Text)
	assert.Equal(t, int64(10), tokens)
	// A big old round stops the walk: memory never has a gap.
	turns = append([]store.Turn{{Role: store.RoleUser, Text: "oldest", Tokens: 1}, {Role: store.RoleModel, Text: "oldest", Tokens: 1}}, turns...)
	got, _ = trimHistory(turns, 10, 100, EstimateTokens)
	assert.Len(t, got, 2)
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, "round limit", ResetRoundLimit.String())
	assert.Equal(t, "ResetReason(9)", ResetReason(9).String())
	assert.Equal(t, "grant", SourceGrant.String())
	assert.Equal(t, "Source(-1)", Source(-1).String())
	assert.Equal(t, "admin", RoleAdmin.String())
}
