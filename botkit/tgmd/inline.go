package tgmd

import (
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"
)

// inlines renders the inline children of n.
func (r *renderer) inlines(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.inline(c)
	}
}

func (r *renderer) inline(n ast.Node) {
	switch n := n.(type) {
	case *ast.Text:
		if n.IsRaw() {
			r.escaped(string(n.Value(r.src)))
		} else {
			r.markdownText(n.Value(r.src))
		}
		if n.SoftLineBreak() || n.HardLineBreak() {
			r.b.WriteByte('\n')
			r.b.WriteString(r.indent)
		}
	case *ast.String:
		r.escaped(string(n.Value))
	case *ast.CodeSpan:
		code := r.codeSpanText(n)
		if r.link > 0 {
			r.escaped(code)
			return
		}
		r.tag("code")
		r.escaped(code)
		r.endTag("code")
	case *ast.Emphasis:
		name := "i"
		if n.Level >= 2 {
			name = "b"
		}
		r.span(name, n)
	case *east.Strikethrough:
		r.span("s", n)
	case *spoilerNode:
		r.span("tg-spoiler", n)
	case *ast.Link:
		r.writeLink(n, n.Destination, false)
	case *ast.Image:
		r.writeLink(n, n.Destination, true)
	case *ast.AutoLink:
		label := string(n.Label(r.src))
		url := string(util.URLEscape(n.URL(r.src), false))
		if n.AutoLinkType != ast.AutoLinkURL || r.plain || r.link > 0 || !r.linkable(url) {
			r.escaped(label)
			return
		}
		r.openLink(url)
		r.escaped(label)
		r.b.WriteString("</a>")
	case *ast.RawHTML:
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			r.lines(string(seg.Value(r.src)))
		}
	case *east.TaskCheckBox:
		if n.IsChecked {
			r.b.WriteString("☑ ")
		} else {
			r.b.WriteString("☐ ")
		}
	default:
		r.inlines(n)
	}
}

// codeSpanText is the literal text of an inline code span.
func (r *renderer) codeSpanText(n ast.Node) string {
	var sb strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			v := c.Value(r.src)
			if len(v) > 0 && v[len(v)-1] == '\n' {
				sb.Write(v[:len(v)-1])
				sb.WriteByte(' ')
			} else {
				sb.Write(v)
			}
		case *ast.String:
			sb.Write(c.Value)
		}
	}
	return sb.String()
}

// writeLink writes a link or an image (as a link to the image). A target that
// Telegram would refuse (relative, mailto:, javascript:) leaves only the text.
func (r *renderer) writeLink(n ast.Node, dest []byte, image bool) {
	url := string(util.URLEscape(dest, true))
	ok := r.linkable(url)
	if r.plain || r.link > 0 || !ok {
		r.link++
		r.inlines(n)
		r.link--
		if r.plain && ok && r.link == 0 {
			r.b.WriteString(" (")
			r.b.WriteString(url)
			r.b.WriteByte(')')
		}
		return
	}
	r.openLink(url)
	r.link++
	r.depth++
	switch {
	case n.HasChildren():
		r.inlines(n)
	case image:
		r.b.WriteString("image")
	default:
		r.escaped(url)
	}
	r.depth--
	r.link--
	r.b.WriteString("</a>")
}

// Limits that keep the tags open at any point short, so that a part of a
// split message has room for its text after the tags it must reopen.
const (
	maxInlineDepth = 8   // deeper emphasis is rendered without tags
	maxURLLen      = 512 // longer link targets are left out
)

// span writes an inline formatting tag around the children of n.
func (r *renderer) span(name string, n ast.Node) {
	if r.depth >= maxInlineDepth {
		r.inlines(n)
		return
	}
	r.depth++
	r.tag(name)
	r.inlines(n)
	r.endTag(name)
	r.depth--
}

// linkable reports whether url can be the target of a link here.
func (r *renderer) linkable(url string) bool {
	return len(url) <= maxURLLen && r.depth < maxInlineDepth && allowedURL(url)
}

func (r *renderer) openLink(url string) {
	r.b.WriteString(`<a href="`)
	for i := 0; i < len(url); i++ {
		switch c := url[i]; c {
		case '&':
			r.b.WriteString("&amp;")
		case '"':
			r.b.WriteString("&quot;")
		case '<':
			r.b.WriteString("&lt;")
		case '>':
			r.b.WriteString("&gt;")
		default:
			r.b.WriteByte(c)
		}
	}
	r.b.WriteString(`">`)
}

// markdownText writes Markdown text: backslash escapes and entity
// references resolved, then escaped again for Telegram.
func (r *renderer) markdownText(v []byte) {
	last := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v) && util.IsPunct(v[i+1]):
			r.escaped(string(v[last:i]))
			r.escaped(string(v[i+1 : i+2]))
			i++
			last = i + 1
		case c == '&':
			dec, n := resolveReference(v[i:])
			if n == 0 {
				continue
			}
			r.escaped(string(v[last:i]))
			r.escaped(dec)
			i += n - 1
			last = i + 1
		}
	}
	r.escaped(string(v[last:]))
}

// resolveReference decodes a Markdown entity or numeric character reference
// at the start of v and returns its text and length, or n == 0.
func resolveReference(v []byte) (string, int) {
	end := 1
	for end < len(v) && end < 40 && v[end] != ';' {
		end++
	}
	if end >= len(v) || v[end] != ';' || end < 2 {
		return "", 0
	}
	body := v[1:end]
	if body[0] == '#' {
		rn, ok := decodeEntity(string(body))
		if !ok {
			if len(body) > 1 && len(body) <= 9 {
				// CommonMark maps invalid code points to U+FFFD.
				if isNumericBody(body[1:]) {
					return "\uFFFD", end + 1
				}
			}
			return "", 0
		}
		return string(rn), end + 1
	}
	e, ok := util.LookUpHTML5EntityByName(string(body))
	if !ok || !utf8.Valid(e.Characters) {
		return "", 0
	}
	return string(e.Characters), end + 1
}

// isNumericBody reports whether digits is a well-formed decimal or hex
// reference body, to tell a bad code point from plain text.
func isNumericBody(digits []byte) bool {
	base := 10
	if len(digits) > 0 && (digits[0] == 'x' || digits[0] == 'X') {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return false
	}
	for _, c := range digits {
		if d := hexVal(c); d < 0 || d >= base {
			return false
		}
	}
	return true
}
