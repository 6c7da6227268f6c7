package tgmd

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRender(t *testing.T) {
	cases := []struct{ name, md, want string }{
		{"empty", "", ""},
		{"blank", " \n\n \t", ""},
		{"paragraphs", "a\n\nb", "a\n\nb"},
		{"soft break kept", "a\nb", "a\nb"},
		{"hard break", "a  \nb", "a\nb"},
		{"heading", "# Title *x*", "<b>Title <i>x</i></b>"},
		{"setext heading", "Title\n===", "<b>Title</b>"},
		{"emphasis", "*i* _i_ **b** __b__ ***bi***", "<i>i</i> <i>i</i> <b>b</b> <b>b</b> <i><b>bi</b></i>"},
		{"strikethrough", "~~s~~ ~t~", "<s>s</s> <s>t</s>"},
		{"spoiler", "||hidden|| and ||**bold**||", "<tg-spoiler>hidden</tg-spoiler> and <tg-spoiler><b>bold</b></tg-spoiler>"},
		{"single bars", "a | b || c", "a | b || c"},
		{"triple bars", "|||x|||", "|||x|||"},
		{"inline code", "use `a < b && c`", "use <code>a &lt; b &amp;&amp; c</code>"},
		{"code with backticks", "`` a`b ``", "<code>a`b</code>"},
		{"escapes", `\*not\* \<b\> 1 \& 2`, "*not* &lt;b&gt; 1 &amp; 2"},
		{"entities", "&amp; &lt;tag&gt; &copy; &#65; &#x1F600; &bogus; & ;", "&amp; &lt;tag&gt; © A 😀 &amp;bogus; &amp; ;"},
		{"bad numeric", "&#0; &#xD800;", "\uFFFD \uFFFD"},
		{"inline html", "a <script>alert(1)</script> <b>x</b>", "a &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;x&lt;/b&gt;"},
		{"html block", "<div>\n<p>x & y</p>\n</div>", "&lt;div&gt;\n&lt;p&gt;x &amp; y&lt;/p&gt;\n&lt;/div&gt;"},
		{"html comment", "<!-- note -->", "&lt;!-- note --&gt;"},
		{"link", "[site](https://example.com/a?b=1&c=2)", `<a href="https://example.com/a?b=1&amp;c=2">site</a>`},
		{"link quote in url", `[q](https://e.com/"x")`, `<a href="https://e.com/%22x%22">q</a>`},
		{"link with code", "[`x`](https://e.com)", `<a href="https://e.com">x</a>`},
		{"link formatting", "[**b**](https://e.com)", `<a href="https://e.com"><b>b</b></a>`},
		{"empty link text", "[](https://e.com)", `<a href="https://e.com">https://e.com</a>`},
		{"tg link", "[me](tg://user?id=1)", `<a href="tg://user?id=1">me</a>`},
		{"relative link", "[rel](/docs)", "rel"},
		{"javascript link", "[x](javascript:alert(1))", "x"},
		{"mailto link", "[mail](mailto:a@b.c)", "mail"},
		{"reference link", "[a][r]\n\n[r]: https://r.io", `<a href="https://r.io">a</a>`},
		{"autolink", "<https://a.io/x>", `<a href="https://a.io/x">https://a.io/x</a>`},
		{"email autolink", "<a@b.io>", "a@b.io"},
		{"bare url", "see https://a.io", "see https://a.io"},
		{"image", "![cat](https://a.io/c.png)", `<a href="https://a.io/c.png">cat</a>`},
		{"image no alt", "![](https://a.io/c.png)", `<a href="https://a.io/c.png">image</a>`},
		{"image relative", "![cat](c.png)", "cat"},
		{"image in link", "[![cat](https://a.io/c.png)](https://a.io)", `<a href="https://a.io">cat</a>`},
		{"bullets", "- a\n- b\n* c", "• a\n• b\n\n• c"},
		{"nested bullets", "- a\n  - b\n    - c\n      - d", "• a\n  ◦ b\n    ▪ c\n      ▪ d"},
		{"ordered", "3. a\n4. b\n   1. c", "3. a\n4. b\n  1. c"},
		{"loose list", "- a\n\n- b", "• a\n\n• b"},
		{"list paragraphs", "- a\n\n  more\n- b", "• a\n\n  more\n\n• b"},
		{"list soft break", "- a\n  b", "• a\n  b"},
		{"tasks", "- [ ] todo\n- [x] done", "• ☐ todo\n• ☑ done"},
		{"list code", "- a\n\n  ```\n  x\n  ```", "• a\n\n  <pre>x</pre>"},
		{"list starting with code", "- ```\n  x\n  ```", "• \n  <pre>x</pre>"},
		{"fence", "```python\nprint('<hi>')\n```", `<pre><code class="language-python">print('&lt;hi&gt;')</code></pre>`},
		{"fence info words", "```go linenos\nx\n```", `<pre><code class="language-go">x</code></pre>`},
		{"fence odd language", "```c++\nx\n```", `<pre><code class="language-c++">x</code></pre>`},
		{"fence bad language", "```\"><script>\nx\n```", "<pre>x</pre>"},
		{"fence no language", "```\nx\n\ny\n```", "<pre>x\n\ny</pre>"},
		{"empty fence", "```\n```", ""},
		{"unclosed fence", "```go\nfunc f() {", `<pre><code class="language-go">func f() {</code></pre>`},
		{"indented code", "    a < b", "<pre>a &lt; b</pre>"},
		{"quote", "> a\n> b\n\n> c", "<blockquote>a\nb</blockquote>\n\n<blockquote>c</blockquote>"},
		{"nested quote", "> a\n>> b", "<blockquote>a\n\nb</blockquote>"},
		{"quote with code", "> ```\n> x\n> ```", "<blockquote><pre>x</pre></blockquote>"},
		{"quote with list", "> - a\n> - b", "<blockquote>• a\n• b</blockquote>"},
		{"thematic break", "a\n\n---\n\nb", "a\n\n——————\n\nb"},
		{"table", "| a | bb |\n|---|:--:|\n| ccc | d |", "<pre>a   | bb\n----+---\nccc | d</pre>"},
		{"table align", "| n | v |\n|:-|-:|\n| x | 10 |\n| yy | 2 |", "<pre>n  |  v\n---+---\nx  | 10\nyy |  2</pre>"},
		{"table pipes in code", "| c |\n|---|\n| `a\\|b` |", "<pre>c\n---\na|b</pre>"},
		{"table escapes", "| h |\n|---|\n| <b> & **x** |", "<pre>h\n-------\n&lt;b&gt; &amp; x</pre>"},
		{"table cjk", "| k | v |\n|---|---|\n| 中文 | 1 |\n| ab | 2 |", "<pre>k    | v\n-----+--\n中文 | 1\nab   | 2</pre>"},
		{"nul", "a\x00b", "a\uFFFDb"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"cjk emoji", "中文 **粗体** 👍🏽", "中文 <b>粗体</b> 👍🏽"},
		{"unclosed emphasis", "**bold", "**bold"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Render(tc.md)
			assert.Equal(t, tc.want, got)
			if got != "" {
				assert.NoError(t, Validate(got))
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	md := "# Title\n\n**b** `c` ||s|| <i>x</i> & [l](https://a.io) [r](/rel)\n\n- a\n  - b\n\n> q\n\n```go\nx < y\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
	want := "Title\n\nb c s <i>x</i> & l (https://a.io) r\n\n• a\n  ◦ b\n\nq\n\nx < y\n\na | b\n--+--\n1 | 2"
	assert.Equal(t, want, PlainText(md))
}

func TestRenderConcurrent(t *testing.T) {
	md := strings.Repeat("# H\n\n- **a** `b`\n\n```go\nx\n```\n\n", 20)
	want := Render(md)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got := Render(md); got != want {
					t.Error("concurrent Render differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestRenderPartsValid(t *testing.T) {
	md := answer4K()
	for _, limit := range []int{0, 4096, 1000, 200, 50, 7, 2} {
		parts := RenderParts(md, limit)
		require.NotEmpty(t, parts)
		eff := limit
		if eff <= 0 {
			eff = MaxMessageLen
		}
		for i, p := range parts {
			require.NoError(t, Validate(p), "limit %d part %d: %q", limit, i, p)
			n, err := VisibleLen(p)
			require.NoError(t, err)
			assert.LessOrEqual(t, n, eff, "limit %d part %d", limit, i)
		}
	}
}
