package tgmd

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// markdown is the one goldmark instance of the package. goldmark parsers are
// safe for concurrent use; rendering is done by renderer, not by goldmark.
var markdown = goldmark.New(goldmark.WithExtensions(
	extension.Table,
	extension.Strikethrough,
	extension.TaskList,
	spoilerExtension{},
))

// Render converts Markdown, as language models write it, to Telegram HTML
// that Validate accepts (apart from its length, which Split takes care of).
//
// Headings become bold lines, lists become bullet or numbered lines (nested
// lists indented), tables become aligned text in <pre>, fenced code becomes
// <pre><code class="language-x">, and links, images (as links), block
// quotations, strikethrough and ||spoilers|| map to their Telegram tags.
// Raw HTML in the Markdown is shown as text. Render never fails: Markdown cut
// off in the middle, as during streaming, still renders to balanced HTML.
// White space around the result is trimmed; an input with nothing visible
// renders to "".
//
// Render is safe for concurrent use.
func Render(md string) string {
	r := newRenderer(md, false)
	r.blocks(r.doc)
	return strings.TrimSpace(r.b.String())
}

// PlainText converts Markdown to plain text with the same layout as Render
// (bullets, numbers, aligned tables, link targets after their text) but no
// markup, for when Telegram refuses a formatted message. Send it without a
// parse mode; split it with SplitPlain.
func PlainText(md string) string {
	r := newRenderer(md, true)
	r.blocks(r.doc)
	return strings.TrimSpace(r.b.String())
}

// RenderParts renders Markdown with Render and splits the result with Split:
// every part is valid Telegram HTML of at most limit UTF-16 code units of
// visible text (limit <= 0 means MaxMessageLen). It returns no parts for
// Markdown with nothing visible.
func RenderParts(md string, limit int) []string {
	return Split(Render(md), limit)
}

// renderer writes one goldmark document as Telegram HTML or as plain text.
type renderer struct {
	src    []byte
	doc    ast.Node
	b      strings.Builder
	plain  bool   // plain text: no tags, no escaping
	indent string // written after every line break inside a list item
	wrote  bool   // the current block container has written a block
	quote  int    // depth of block quotations
	link   int    // depth of links
	depth  int    // depth of inline tags
}

func newRenderer(md string, plain bool) *renderer {
	if !utf8.ValidString(md) {
		md = strings.ToValidUTF8(md, "\uFFFD")
	}
	if strings.IndexByte(md, 0) >= 0 {
		md = strings.ReplaceAll(md, "\x00", "\uFFFD") // as CommonMark says
	}
	src := []byte(md)
	r := &renderer{src: src, plain: plain, doc: markdown.Parser().Parse(text.NewReader(src))}
	r.b.Grow(len(md) + len(md)/4)
	return r
}

// open starts a new block, separated from the one before it by a blank
// line (or a line break in tight lists).
func (r *renderer) open(tight bool) {
	if r.wrote {
		if tight {
			r.b.WriteByte('\n')
		} else {
			r.b.WriteString("\n\n")
		}
		r.b.WriteString(r.indent)
	}
	r.wrote = true
}

func (r *renderer) tag(name string) {
	if !r.plain {
		r.b.WriteByte('<')
		r.b.WriteString(name)
		r.b.WriteByte('>')
	}
}

func (r *renderer) endTag(name string) {
	if !r.plain {
		r.b.WriteString("</")
		r.b.WriteString(name)
		r.b.WriteByte('>')
	}
}

// blocks renders the block children of n.
func (r *renderer) blocks(n ast.Node) {
	tight := false
	if l, ok := n.Parent().(*ast.List); ok && n.Kind() == ast.KindListItem {
		tight = l.IsTight
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.block(c, tight)
	}
}

func (r *renderer) block(n ast.Node, tight bool) {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		if n.HasChildren() {
			r.open(tight)
			r.inlines(n)
		}
	case *ast.Heading:
		r.open(tight)
		r.span("b", n)
	case *ast.ThematicBreak:
		r.open(tight)
		r.b.WriteString("——————")
	case *ast.FencedCodeBlock:
		r.code(n, string(n.Language(r.src)), tight)
	case *ast.CodeBlock:
		r.code(n, "", tight)
	case *ast.HTMLBlock:
		var sb strings.Builder
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			sb.Write(seg.Value(r.src))
		}
		if n.HasClosure() {
			sb.Write(n.ClosureLine.Value(r.src))
		}
		if s := strings.TrimRight(sb.String(), " \t\r\n"); s != "" {
			r.open(tight)
			r.lines(s)
		}
	case *ast.Blockquote:
		if r.quote > 0 || r.plain {
			r.quote++
			r.blocks(n)
			r.quote--
			return
		}
		r.open(tight)
		r.tag("blockquote")
		r.quote++
		r.wrote = false
		r.blocks(n)
		r.quote--
		r.wrote = true
		r.endTag("blockquote")
	case *ast.List:
		r.list(n, tight)
	case *east.Table:
		r.table(n, tight)
	default:
		if n.HasChildren() {
			r.blocks(n)
		}
	}
}

// lines writes literal text that may span lines, keeping list indentation.
func (r *renderer) lines(s string) {
	for {
		line, rest, more := strings.Cut(s, "\n")
		r.escaped(line)
		if !more {
			return
		}
		r.b.WriteByte('\n')
		r.b.WriteString(r.indent)
		s = rest
	}
}

// escaped writes literal text, escaped for HTML unless in plain mode.
func (r *renderer) escaped(s string) {
	if r.plain {
		r.b.WriteString(s)
		return
	}
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '&':
			rep = "&amp;"
		case 0:
			rep = "\uFFFD"
		default:
			continue
		}
		r.b.WriteString(s[last:i])
		r.b.WriteString(rep)
		last = i + 1
	}
	r.b.WriteString(s[last:])
}

// code writes a code block as <pre>, with its language when it has one.
func (r *renderer) code(n ast.Node, lang string, tight bool) {
	var sb strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		sb.Write(seg.Value(r.src))
	}
	body := strings.TrimRight(sb.String(), "\n")
	if strings.TrimSpace(body) == "" {
		return
	}
	r.open(tight)
	lang = cleanLanguage(lang)
	switch {
	case r.plain:
	case lang != "":
		r.b.WriteString(`<pre><code class="language-`)
		r.b.WriteString(lang)
		r.b.WriteString(`">`)
	default:
		r.b.WriteString("<pre>")
	}
	r.escaped(body)
	switch {
	case r.plain:
	case lang != "":
		r.b.WriteString("</code></pre>")
	default:
		r.b.WriteString("</pre>")
	}
}

// cleanLanguage keeps the characters of a fence's language name that are
// safe in a class attribute ("c++", "objective-c", "c#", "shell").
func cleanLanguage(lang string) string {
	lang = strings.TrimSpace(lang)
	if len(lang) > 32 {
		return ""
	}
	for i := 0; i < len(lang); i++ {
		c := lang[i]
		if !(isNameByte(c) || c == '+' || c == '#' || c == '.') {
			return ""
		}
	}
	return lang
}

// list writes a list, one item per line, with bullets or numbers.
func (r *renderer) list(l *ast.List, tight bool) {
	depth := strings.Count(r.indent, "  ")
	num := l.Start
	first := true
	for item := l.FirstChild(); item != nil; item = item.NextSibling() {
		if first {
			r.open(tight)
			first = false
		} else {
			r.open(l.IsTight)
		}
		if l.IsOrdered() {
			r.b.WriteString(strconv.Itoa(num))
			r.b.WriteString(". ")
			num++
		} else {
			r.b.WriteString(bullets[min(depth, len(bullets)-1)])
		}
		saved := r.indent
		r.indent += "  "
		// A nested list or code block that starts an item goes on a
		// line of its own.
		fc := item.FirstChild()
		r.wrote = fc != nil && fc.Kind() != ast.KindParagraph && fc.Kind() != ast.KindTextBlock && fc.Kind() != ast.KindHeading
		r.blocks(item)
		r.wrote = true
		r.indent = saved
	}
}

var bullets = [...]string{"• ", "◦ ", "▪ "}
