package tgmd

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateAccepts(t *testing.T) {
	cases := map[string]string{
		"plain":          "hello",
		"all tags":       `<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>`,
		"spoilers":       `<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>`,
		"docs nesting":   `<b>bold <i>italic bold <s>italic bold strikethrough <span class="tg-spoiler">italic bold strikethrough spoiler</span></s> <u>underline italic bold</u></i> bold</b>`,
		"link":           `<a href="http://www.example.com/">inline URL</a>`,
		"mention":        `<a href="tg://user?id=123456789">inline mention of a user</a>`,
		"link entities":  `<a href="https://x.io/?a=1&amp;b=&quot;2&quot;">q</a>`,
		"single quotes":  `<a href='https://x.io/'>q</a>`,
		"upper case":     `<B>bold</B><A HREF="https://x.io">l</A>`,
		"emoji":          `<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`,
		"code":           `<code>inline fixed-width code</code>`,
		"pre":            `<pre>pre-formatted fixed-width code block</pre>`,
		"pre code lang":  `<pre><code class="language-python">print("x")</code></pre>`,
		"pre code":       `<pre><code>x</code></pre>`,
		"quote":          "<blockquote>Block quotation started\nBlock quotation continued</blockquote>",
		"expandable":     "<blockquote expandable>Expandable</blockquote>",
		"pre in quote":   "<blockquote>q<pre>code</pre></blockquote>",
		"entities":       "&lt;script&gt; &amp;amp; &quot; &#65; &#x1F600; &#X41;",
		"code in bold":   "<b>x <code>y</code></b>",
		"bold in link":   `<a href="https://a.b">x <b>y</b></a>`,
		"empty element":  "<b></b>x",
		"spaces in tag":  "<b >x</b >",
		"cjk and emoji":  "中文 👍🏽 👨‍👩‍👧",
		"lone quotes":    `he said "hi" 'there'`,
		"at limit":       strings.Repeat("a", MaxMessageLen),
		"emoji at limit": strings.Repeat("😀", MaxMessageLen/2),
		"tags uncounted": "<b>" + strings.Repeat("a", MaxMessageLen) + "</b>",
		"entity counted": strings.Repeat("&lt;", MaxMessageLen),
	}
	for name, html := range cases {
		t.Run(name, func(t *testing.T) {
			assert.NoError(t, Validate(html))
		})
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name, html string
		offset     int
		is         error
	}{
		{"script tag", "<script>alert(1)</script>", 0, nil},
		{"br", "a<br>b", 1, nil},
		{"p", "<p>a</p>", 0, nil},
		{"bare lt", "a < b", 2, nil},
		{"bare lt at end", "a <", 2, nil},
		{"bare gt", "a > b", 2, nil},
		{"bare amp", "fish & chips", 5, nil},
		{"unknown named entity", "&nbsp;x", 0, nil},
		{"upper named entity", "&AMP;x", 0, nil},
		{"entity without semicolon", "&amp x", 0, nil},
		{"zero entity", "&#0;x", 0, nil},
		{"surrogate entity", "&#xD800;x", 0, nil},
		{"too big entity", "&#x110000;x", 0, nil},
		{"bad digit", "&#12a;x", 0, nil},
		{"unclosed", "<b>x", 0, nil},
		{"unclosed inner", "<b><i>x</b>", 7, nil},
		{"unexpected end", "x</b>", 1, nil},
		{"mismatched synonyms", "<b>x</strong>", 4, nil},
		{"unclosed start tag", "<b x", 3, nil},
		{"unclosed start tag no attr", "<b", 0, nil},
		{"self closing", "<b/>x", 2, nil},
		{"span without class", "<span>x</span>", 0, nil},
		{"span other class", `<span class="red">x</span>`, 6, nil},
		{"unknown attribute", `<b style="x">y</b>`, 3, nil},
		{"duplicate href", `<a href="https://a" href="https://b">x</a>`, 20, nil},
		{"a without href", "<a>x</a>", 0, nil},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, 3, nil},
		{"relative href", `<a href="/x">x</a>`, 3, nil},
		{"href with space", `<a href="https://a b">x</a>`, 3, nil},
		{"unclosed attribute", `<a href="https://a>x</a>`, 8, nil},
		{"lang on bare code", `<code class="language-go">x</code>`, 0, nil},
		{"bad code class", `<pre><code class="go">x</code></pre>`, 11, nil},
		{"tag in code", "<code><b>x</b></code>", 6, nil},
		{"tag in pre", "<pre><b>x</b></pre>", 5, nil},
		{"text then code in pre", "<pre>x<code>y</code></pre>", 6, nil},
		{"text after code in pre", "<pre><code>y</code>x</pre>", 19, nil},
		{"nested link", `<a href="https://a"><a href="https://b">x</a></a>`, 20, nil},
		{"code in link", `<a href="https://a"><code>x</code></a>`, 20, nil},
		{"nested quote", "<blockquote><blockquote>x</blockquote></blockquote>", 12, nil},
		{"pre in bold", "<b><pre>x</pre></b>", 3, nil},
		{"quote in bold", "<b><blockquote>x</blockquote></b>", 3, nil},
		{"emoji without id", "<tg-emoji>x</tg-emoji>", 0, nil},
		{"invalid utf8", "a\xffb", 1, nil},
		{"comment", "<!-- x -->y", 0, nil},
		{"empty", "", 0, ErrEmpty},
		{"only tags", "<b></b>", 0, ErrEmpty},
		{"only spaces", " \n\t&#32;<i> </i>", 0, ErrEmpty},
		{"too long", strings.Repeat("a", MaxMessageLen+1), MaxMessageLen, ErrTooLong},
		{"too long emoji", "x" + strings.Repeat("😀", MaxMessageLen/2), 1 + 4*(MaxMessageLen/2-1), ErrTooLong},
		{"too long entities", "<b>" + strings.Repeat("&amp;", MaxMessageLen) + "</b>!", 3 + 5*MaxMessageLen + 4, ErrTooLong},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.html)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidHTML)
			var he *HTMLError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tc.offset, he.Offset, "offset; error: %v", err)
			assert.NotEmpty(t, he.Problem)
			assert.Contains(t, err.Error(), "tgmd: ")
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			} else {
				assert.False(t, errors.Is(err, ErrTooLong) || errors.Is(err, ErrEmpty))
			}
		})
	}
}

func TestValidateErrorWrapping(t *testing.T) {
	err := fmt.Errorf("send: %w", Validate("<b>"+strings.Repeat("x", MaxMessageLen+1)+"</b>"))
	assert.ErrorIs(t, err, ErrInvalidHTML)
	assert.ErrorIs(t, err, ErrTooLong)
	assert.NotErrorIs(t, err, ErrEmpty)
	var he *HTMLError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 3+MaxMessageLen, he.Offset)
	assert.Equal(t, "tgmd: invalid Telegram HTML at byte 3: unsupported tag <p>", Validate("ab <p>").Error())
}

func TestVisibleLen(t *testing.T) {
	cases := map[string]int{
		"":                             0,
		"abc":                          3,
		"<b>abc</b>":                   3,
		"&lt;&#x1F600;":                3,
		"😀":                            2,
		"中文":                           2,
		`<a href="https://a.b">l</a>`:  1,
		"<pre><code>x\ny</code></pre>": 3,
	}
	for html, want := range cases {
		n, err := VisibleLen(html)
		require.NoError(t, err, html)
		assert.Equal(t, want, n, html)
	}
	_, err := VisibleLen("<b>")
	assert.ErrorIs(t, err, ErrInvalidHTML)
	n, err := VisibleLen(strings.Repeat("a", 5000))
	require.NoError(t, err)
	assert.Equal(t, 5000, n)
}

func TestUTF16Len(t *testing.T) {
	cases := map[string]int{
		"":             0,
		"abc":          3,
		"é":            1,
		"中文":           2,
		"😀":            2,
		"👍🏽":           4,
		"👨‍👩‍👧":        8,
		"\xff\xfe":     2,
		"a\U0010FFFFb": 4,
	}
	for s, want := range cases {
		assert.Equal(t, want, UTF16Len(s), "%q", s)
	}
}
