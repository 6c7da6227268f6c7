package tgmd

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRenderPartial(t *testing.T) {
	cases := []struct{ name, md, want string }{
		{"complete", "**a** b", "<b>a</b> b"},
		{"open bold", "say **Impor", "say <b>Impor</b>"},
		{"open italic", "say *it", "say <i>it</i>"},
		{"open underscore", "say _it", "say <i>it</i>"},
		{"snake case", "call my_func", "call my_func"},
		{"open strike", "a ~~gone", "a <s>gone</s>"},
		{"open spoiler", "a ||secret", "a <tg-spoiler>secret</tg-spoiler>"},
		{"open code", "run `go te", "run <code>go te</code>"},
		{"open double code", "run ``a ` b", "run <code>a ` b</code>"},
		{"nested open", "**bold *both", "<b>bold <i>both</i></b>"},
		{"dangling opener", "text **", "text"},
		{"dangling bullet", "- a\n*", "• a"},
		{"closed then open", "**a** and *b", "<b>a</b> and <i>b</i>"},
		{"star in code", "`a*b` **c", "<code>a*b</code> <b>c</b>"},
		{"escaped", `a \*b`, "a *b"},
		{"only last paragraph", "**a\n\nb *c", "**a\n\nb <i>c</i>"},
		{"open fence", "text\n\n```go\nfunc f() {", "text\n\n<pre><code class=\"language-go\">func f() {</code></pre>"},
		{"open fence with stars", "```\n**x", "<pre>**x</pre>"},
		{"closed fence then open bold", "```\nx\n```\n**y", "<pre>x</pre>\n\n<b>y</b>"},
		{"tilde fence", "~~~\n~~x", "<pre>~~x</pre>"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := RenderPartial(tc.md)
			assert.Equal(t, tc.want, got)
			if got != "" {
				assert.NoError(t, Validate(got))
			}
		})
	}
}

// TestRenderPartialEveryPrefix renders an answer as it streams in, one
// chunk at a time: every intermediate rendering is valid Telegram HTML.
func TestRenderPartialEveryPrefix(t *testing.T) {
	md := answer4K()
	for n := 1; n <= len(md); n += 7 {
		for _, p := range Split(RenderPartial(md[:n]), MaxMessageLen) {
			if err := Validate(p); err != nil {
				t.Fatalf("prefix of %d bytes: %v\n%q", n, err, p)
			}
		}
	}
}
