package tgmd

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireParts checks the contract of Split: valid, non-empty parts within
// the limit and the raw size cap.
func requireParts(t *testing.T, parts []string, limit int) {
	t.Helper()
	for i, p := range parts {
		require.NoError(t, Validate(p), "part %d: %q", i, p)
		n, err := VisibleLen(p)
		require.NoError(t, err)
		require.LessOrEqual(t, n, limit, "part %d: %q", i, p)
		require.LessOrEqual(t, len(p), rawPerUnit*limit+rawSlack, "part %d", i)
	}
}

// visible returns the visible text of Telegram HTML.
func visible(t *testing.T, html string) string {
	t.Helper()
	var b strings.Builder
	l := lexer{s: html}
	for {
		tok, ok, err := l.next()
		require.Nil(t, err)
		if !ok {
			return b.String()
		}
		switch tok.kind {
		case tokText:
			b.WriteString(html[tok.start:tok.end])
		case tokEntity:
			b.WriteRune(tok.r)
		}
	}
}

func TestSplitShortIsUnchanged(t *testing.T) {
	html := "<b>a</b>\n\nb"
	assert.Equal(t, []string{html}, Split(html, 0))
	assert.Equal(t, []string{html}, Split(html, 4))
	assert.Nil(t, Split("", 10))
	assert.Nil(t, Split(" <b>\n</b> ", 10))
}

func TestSplitPrefersBlocksThenLinesThenWords(t *testing.T) {
	para := strings.Repeat("word ", 20) // 100 units
	html := para + "\n\n" + para + "\n" + para
	parts := Split(html, 180)
	requireParts(t, parts, 180)
	require.Len(t, parts, 3)
	assert.Equal(t, strings.TrimSpace(para), parts[0], "cut at the blank line")
	// A blank line less than half way in loses to a later line break.
	parts = Split(html, 250)
	requireParts(t, parts, 250)
	require.Len(t, parts, 2)
	assert.Equal(t, strings.TrimSpace(para), parts[1], "cut at the line break")

	parts = Split(para+"\n"+para, 150)
	requireParts(t, parts, 150)
	require.Len(t, parts, 2)
	assert.Equal(t, para, parts[0]+" ", "cut at the line break")

	parts = Split(para, 42)
	requireParts(t, parts, 42)
	for _, p := range parts {
		assert.False(t, strings.HasPrefix(p, "ord"), "cut between words: %q", p)
		assert.NotContains(t, []string{"w", "wo", "wor", "ord"}, p)
	}
	assert.Equal(t, strings.Join(strings.Fields(para), " "), strings.Join(parts, " "))
}

func TestSplitKeepsHeadingWithBlock(t *testing.T) {
	html := strings.Repeat("x", 60) + "\n\n<b>Heading</b>\n\n" + strings.Repeat("y", 60)
	parts := Split(html, 100)
	requireParts(t, parts, 100)
	require.Len(t, parts, 2)
	assert.True(t, strings.HasPrefix(parts[1], "<b>Heading</b>"), "%q", parts)
}

func TestSplitReopensTags(t *testing.T) {
	html := "<b>bold <i>" + strings.Repeat("both ", 30) + "</i> end</b>"
	parts := Split(html, 50)
	requireParts(t, parts, 50)
	require.Greater(t, len(parts), 2)
	for _, p := range parts[1 : len(parts)-1] {
		assert.True(t, strings.HasPrefix(p, "<b><i>"), "%q", p)
		assert.True(t, strings.HasSuffix(p, "</i></b>"), "%q", p)
	}
	var all []string
	for _, p := range parts {
		all = append(all, visible(t, p))
	}
	assert.Equal(t, strings.Fields(visible(t, html)), strings.Fields(strings.Join(all, " ")))
}

func TestSplitLongCodeBlockStaysCode(t *testing.T) {
	var md strings.Builder
	md.WriteString("Intro.\n\n```python\n")
	for i := range 2000 {
		md.WriteString("    x = a < b and c > d  # line ")
		md.WriteString(strings.Repeat("ü", i%7))
		md.WriteString("\n")
	}
	md.WriteString("```\n\nDone.")
	parts := RenderParts(md.String(), MaxMessageLen)
	requireParts(t, parts, MaxMessageLen)
	require.Greater(t, len(parts), 10)
	for i, p := range parts[1 : len(parts)-1] {
		assert.True(t, strings.HasPrefix(p, `<pre><code class="language-python">`), "part %d starts %q", i+1, p[:min(60, len(p))])
		assert.True(t, strings.HasSuffix(p, "</code></pre>"), "part %d", i+1)
		body := strings.TrimSuffix(strings.TrimPrefix(p, `<pre><code class="language-python">`), "</code></pre>")
		assert.True(t, strings.HasPrefix(body, "    x = "), "cut at a line break, indentation kept: %q", body[:20])
	}
	// Nothing is lost: the code lines of all parts are the original ones.
	var lines int
	for _, p := range parts {
		lines += strings.Count(visible(t, p), "# line")
	}
	assert.Equal(t, 2000, lines)
}

func TestSplitNeverBreaksCharacters(t *testing.T) {
	cases := map[string]string{
		"emoji":     strings.Repeat("😀", 50),
		"entities":  strings.Repeat("&lt;&amp;&gt;&quot;&#x1F600;", 20),
		"cjk":       strings.Repeat("中文字", 40),
		"zwj":       strings.Repeat("👨‍👩‍👧", 20),
		"skin":      strings.Repeat("👍🏽", 30),
		"flags":     strings.Repeat("🇺🇦", 30),
		"combining": strings.Repeat("e\u0301", 60),
	}
	for name, html := range cases {
		t.Run(name, func(t *testing.T) {
			for _, limit := range []int{9, 10, 17} {
				parts := Split(html, limit)
				requireParts(t, parts, limit)
				var all strings.Builder
				for _, p := range parts {
					v := visible(t, p)
					require.True(t, utf8.ValidString(v))
					all.WriteString(v)
					if name != "entities" && name != "cjk" && name != "emoji" {
						first, _ := utf8.DecodeRuneInString(v)
						assert.False(t, extendsGrapheme(first, 0, 0), "part starts with an extender: %q", v)
					}
				}
				assert.Equal(t, visible(t, html), all.String())
			}
		})
	}
}

func TestSplitTinyLimits(t *testing.T) {
	html := `<pre><code class="language-go">` + strings.Repeat("😀a", 10) + "</code></pre>"
	for _, limit := range []int{-1, 0, 1, 2, 3} {
		eff := limit
		if eff <= 0 {
			eff = MaxMessageLen
		}
		eff = max(eff, 2)
		parts := Split(html, limit)
		require.NotEmpty(t, parts)
		for _, p := range parts {
			require.NoError(t, Validate(p))
			n, _ := VisibleLen(p)
			assert.LessOrEqual(t, n, eff)
		}
	}
}

func TestSplitRawCap(t *testing.T) {
	html := "<b>" + strings.Repeat("&quot;", 1000) + "</b>"
	parts := Split(html, 100)
	requireParts(t, parts, 100)
	for _, p := range parts {
		assert.LessOrEqual(t, len(p), rawPerUnit*100+rawSlack)
	}
	// Tags fit the visible limit but not the raw cap.
	html = strings.Repeat("<b><i>x</i></b>", 600)
	parts = Split(html, 600)
	requireParts(t, parts, 600)
	assert.Equal(t, 2, len(parts))
}

func TestSplitInvalidHTMLIsText(t *testing.T) {
	parts := Split("<script>x</script> & <b>"+strings.Repeat("y", 30), 20)
	requireParts(t, parts, 20)
	assert.Equal(t, "&lt;script&gt;x&lt;/script&gt; &amp;", parts[0])
	parts = Split("a\xffb <", 10)
	assert.Equal(t, []string{"a\uFFFDb &lt;"}, parts)
}

func TestSplitPlain(t *testing.T) {
	text := strings.Repeat("a < b & c > d ", 40)
	parts := SplitPlain(text, 50)
	require.Greater(t, len(parts), 1)
	for _, p := range parts {
		assert.LessOrEqual(t, UTF16Len(p), 50)
		assert.NotContains(t, p, "&lt;")
	}
	assert.Equal(t, strings.Fields(text), strings.Fields(strings.Join(parts, " ")))
	assert.Nil(t, SplitPlain(" \n ", 10))
}
