package tgmd

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are Markdown inputs that have broken Markdown-to-Telegram
// converters: nesting, unclosed constructs, HTML injection, entity
// variants, wide characters and very long blocks.
func fuzzSeeds() []string {
	return []string{
		"",
		"plain",
		"***bold italic*** **b *i* b** *i **b** i* ~~**s**~~ ||*x*||",
		"**a *b ~~c ||d `e` d|| c~~ b* a**",
		"*a **b* c**",
		"```go\nfunc main() {\n",
		"```\n```\n```",
		"~~~\ncode\n~~~~",
		"    indented\n\t\ttabs",
		"<script>alert('x')</script><b onclick=x>y</b><!-- c --><br/>",
		"<a href=\"javascript:alert(1)\">x</a> [x](javascript:alert(1)) [y](<https://a.b/ c>)",
		"&amp; &amp;amp; &lt;b&gt; &#38; &#x26; &#0; &#xD800; &#99999999; &nbsp; &copy &bogus; & ;",
		"\\&amp; \\<b\\> \\\\ \\* \\|\\|",
		"中文 **粗体** 👍🏽 👨‍👩‍👧 🇺🇦 e\u0301 \u200b\u200d",
		"```python\n" + strings.Repeat("x = '<&>' * 10  # 😀 comment\n", 400) + "```",
		"| a | `b\\|c` |\n|---|:-:|\n| `\\|` | **x** |\n| ||s|| | [l](https://a.io) |",
		"| a |\n|---|\n| " + strings.Repeat("w", 5000) + " |",
		"> quote\n>> nested\n>>> deeper\n> ```\n> code\n> ```",
		"- a\n  - b\n    - c\n      1. d\n         ```\n         e\n         ```",
		"# H1\n## H2 [link](https://a.io)\nSetext\n---",
		"![img](https://a.io/i.png) ![](x.png) [![i](https://a.io/i.png)](https://b.io)",
		"<https://auto.io> <mail@x.io> https://bare.io",
		"a\x00b\xff\xfe",
		"||||||| || | ||a|||",
		"- [ ] todo\n- [x] done",
		strings.Repeat("😀", 3000),
		strings.Repeat("word ", 2000),
		strings.Repeat("&lt;", 5000),
		strings.Repeat("*", 100) + "x" + strings.Repeat("*", 100),
		strings.Repeat("> ", 200) + "deep",
		strings.Repeat("- ", 200) + "deep",
		strings.Repeat("[", 100) + "x" + strings.Repeat("](https://a.io)", 100),
	}
}

// checkParts fails unless every part is valid, non-empty Telegram HTML
// within limit.
func checkParts(t *testing.T, what string, parts []string, limit int) {
	t.Helper()
	for i, p := range parts {
		if err := Validate(p); err != nil {
			t.Fatalf("%s part %d invalid: %v\n%q", what, i, err, p)
		}
		n, err := VisibleLen(p)
		if err != nil || n > limit || n == 0 {
			t.Fatalf("%s part %d: %d units (limit %d), err %v", what, i, n, limit, err)
		}
		if len(p) > rawPerUnit*limit+rawSlack {
			t.Fatalf("%s part %d: %d bytes (cap %d)", what, i, len(p), rawPerUnit*limit+rawSlack)
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, uint16(4096))
		f.Add(s, uint16(37))
	}
	f.Fuzz(func(t *testing.T, md string, l uint16) {
		limit := max(2, min(int(l), MaxMessageLen))
		checkParts(t, "RenderParts", RenderParts(md, limit), limit)
		checkParts(t, "RenderPartial", Split(RenderPartial(md), limit), limit)
		for _, p := range SplitPlain(PlainText(md), limit) {
			if n := UTF16Len(p); n > limit || strings.TrimSpace(p) == "" || !utf8.ValidString(p) {
				t.Fatalf("SplitPlain part of %d units (limit %d): %q", n, limit, p)
			}
		}
	})
}

func FuzzValidate(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
		f.Add(Render(s))
	}
	f.Add(`<a href="tg://user?id=1">x</a><pre><code class="language-go">y</code></pre>`)
	f.Add(`<span class="tg-spoiler">a</span><tg-emoji emoji-id="1">👍</tg-emoji><blockquote expandable>q</blockquote>`)
	f.Add(`<a href='https://x' >`)
	f.Add(`<a href=https://x>y</a>`)
	f.Fuzz(func(t *testing.T, html string) {
		err := Validate(html)
		n, lerr := VisibleLen(html)
		if err == nil && (lerr != nil || n > MaxMessageLen || n == 0) {
			t.Fatalf("Validate accepted %q but VisibleLen = %d, %v", html, n, lerr)
		}
		if lerr == nil && n <= MaxMessageLen && err != nil && !isEmptyErr(err) {
			t.Fatalf("VisibleLen accepted %q but Validate: %v", html, err)
		}
	})
}

func isEmptyErr(err error) bool {
	he, ok := err.(*HTMLError)
	return ok && he.Err == ErrEmpty
}

func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(Render(s), uint16(50))
		f.Add(s, uint16(50))
	}
	f.Fuzz(func(t *testing.T, html string, l uint16) {
		limit := max(2, min(int(l), MaxMessageLen))
		parts := Split(html, limit)
		checkParts(t, "Split", parts, limit)
		if _, err := VisibleLen(html); err == nil {
			// Valid input loses no visible text except white space at cuts.
			var got strings.Builder
			for _, p := range parts {
				got.WriteString(visibleText(p))
			}
			if strip(got.String()) != strip(visibleText(html)) {
				t.Fatalf("Split lost text:\n%q\n%q", strip(visibleText(html)), strip(got.String()))
			}
		}
	})
}

func strip(s string) string {
	return strings.Map(func(r rune) rune {
		if isBlankRune(r) {
			return -1
		}
		return r
	}, s)
}

// visibleText returns the visible text of valid Telegram HTML.
func visibleText(html string) string {
	var b strings.Builder
	l := lexer{s: html}
	for {
		tok, ok, err := l.next()
		if err != nil || !ok {
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
