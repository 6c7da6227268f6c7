package gemini

import (
	"context"
	"unicode"
	"unicode/utf8"

	"google.golang.org/genai"
)

// imageTokens is what Gemini bills for an image of up to 384x384 pixels; larger
// images cost more (tiles of 768x768 at 258 tokens each).
const imageTokens = 258

// EstimateTokens is a fast local estimate of the tokens of text, for budgets
// and routing, not billing (use Client.CountTokens for the exact figure):
// about four bytes of ASCII per token, one token per Chinese, Japanese or
// Korean character, and one per two runes of other scripts (Cyrillic, Greek,
// accented Latin, ...). It never returns less than 1 for non-empty text.
func EstimateTokens(text string) int {
	ascii, wide, other := 0, 0, 0
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			ascii++
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		if isWide(r) {
			wide++
		} else {
			other++
		}
	}
	t := (ascii+3)/4 + wide + (other+1)/2
	return t
}

// isWide reports runes that tokenizers count about one per token: CJK
// ideographs, kana, hangul, fullwidth forms and emoji.
func isWide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x11FF, // hangul jamo
		r >= 0x2E80 && r <= 0x9FFF,   // CJK radicals .. unified ideographs, kana, bopomofo
		r >= 0xAC00 && r <= 0xD7AF,   // hangul syllables
		r >= 0xF900 && r <= 0xFAFF,   // CJK compatibility ideographs
		r >= 0xFF00 && r <= 0xFFEF,   // fullwidth forms
		r >= 0x1F000 && r <= 0x1FAFF, // emoji and symbols
		r >= 0x20000 && r <= 0x3FFFF: // CJK extensions
		return true
	}
	return unicode.Is(unicode.Han, r)
}

// CountTokens asks the API how many tokens req's prompt takes on its first
// model, through a key from the router. The Gemini API counts contents only,
// so the system instruction is counted as one more user turn.
func (c *Client) CountTokens(ctx context.Context, req *Request) (int, error) {
	if err := req.validate(); err != nil {
		return 0, err
	}
	contents := req.contents()
	if req.System != "" {
		contents = append([]*genai.Content{content(genai.RoleUser, req.System, nil)}, contents...)
	}
	var total int
	err := c.failover(ctx, req, func(ctx context.Context, a *attempt) error {
		resp, err := a.client.Models.CountTokens(ctx, a.model, contents, nil)
		if err != nil {
			return err
		}
		total = int(resp.TotalTokens)
		return nil
	})
	return total, err
}
