package tgmd

import (
	"strings"
	"unicode/utf8"
)

// tag is one of the tags that Telegram's HTML parse mode accepts.
type tag uint8

const (
	tagNone tag = iota
	tagB
	tagStrong
	tagI
	tagEm
	tagU
	tagIns
	tagS
	tagStrike
	tagDel
	tagSpan
	tagSpoiler
	tagA
	tagCode
	tagPre
	tagBlockquote
	tagEmoji
)

var tagNames = [...]string{
	tagB: "b", tagStrong: "strong", tagI: "i", tagEm: "em", tagU: "u", tagIns: "ins",
	tagS: "s", tagStrike: "strike", tagDel: "del", tagSpan: "span",
	tagSpoiler: "tg-spoiler", tagA: "a", tagCode: "code", tagPre: "pre",
	tagBlockquote: "blockquote", tagEmoji: "tg-emoji",
}

func (t tag) String() string { return tagNames[t] }

// lookupTag finds a tag by name, ignoring ASCII case as Telegram does.
func lookupTag(name string) tag {
	for t := tagB; t <= tagEmoji; t++ {
		if strings.EqualFold(name, tagNames[t]) {
			return t
		}
	}
	return tagNone
}

type tokenKind uint8

const (
	tokText   tokenKind = iota // a run of literal text, html[start:end]
	tokEntity                  // one character reference, decoded into r
	tokStart                   // a start tag
	tokEnd                     // an end tag
)

// token is one lexical item of Telegram HTML.
type token struct {
	kind       tokenKind
	tag        tag
	lang       bool // a <code> start tag with a language class
	start, end int  // byte range in the input
	r          rune // the character of a tokEntity
}

// lexer splits Telegram HTML into tokens, rejecting what Telegram rejects
// (and, where Telegram is lenient, what its documentation forbids: bare
// '&' and '>', unknown attributes).
type lexer struct {
	s   string
	pos int
}

// next returns the next token; ok is false at the end of the input.
func (l *lexer) next() (tok token, ok bool, err *HTMLError) {
	s, i := l.s, l.pos
	if i >= len(s) {
		return token{}, false, nil
	}
	switch s[i] {
	case '<':
		tok, err = l.tag()
	case '&':
		tok, err = l.entity()
	case '>':
		return token{}, false, htmlErr(i, "unescaped '>' in text (use &gt;)")
	default:
		j := i + 1
		for j < len(s) && s[j] != '<' && s[j] != '&' && s[j] != '>' {
			j++
		}
		tok = token{kind: tokText, start: i, end: j}
	}
	if err != nil {
		return token{}, false, err
	}
	l.pos = tok.end
	return tok, true, nil
}

// entity reads a character reference at l.pos.
func (l *lexer) entity() (token, *HTMLError) {
	s, i := l.s, l.pos
	semi := strings.IndexByte(s[i:min(len(s), i+12)], ';')
	if semi < 0 {
		return token{}, htmlErr(i, "unescaped '&' in text (use &amp;)")
	}
	body := s[i+1 : i+semi]
	r, ok := decodeEntity(body)
	if !ok {
		return token{}, htmlErr(i, "unsupported character reference &"+body+"; (only &lt; &gt; &amp; &quot; and numeric ones)")
	}
	return token{kind: tokEntity, start: i, end: i + semi + 1, r: r}, nil
}

// DecodeEntity decodes the body of a character reference (between '&' and
// ';'), as Telegram reads HTML: only the four named references of its
// documentation (lt, gt, amp, quot) and valid numeric references are
// accepted.
func DecodeEntity(body string) (rune, bool) { return decodeEntity(body) }

func decodeEntity(body string) (rune, bool) {
	switch body {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	}
	if len(body) < 2 || body[0] != '#' {
		return 0, false
	}
	digits, base := body[1:], rune(10)
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	if digits == "" || len(digits) > 8 {
		return 0, false
	}
	var r rune
	for k := 0; k < len(digits); k++ {
		d := hexVal(digits[k])
		if d < 0 || rune(d) >= base {
			return 0, false
		}
		r = r*base + rune(d)
	}
	if r == 0 || r > utf8.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
		return 0, false
	}
	return r, true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func isTagSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// tag reads a start or end tag at l.pos and checks its attributes.
func (l *lexer) tag() (token, *HTMLError) {
	s, start := l.s, l.pos
	i := start + 1
	end := false
	if i < len(s) && s[i] == '/' {
		end = true
		i++
	}
	nameStart := i
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == nameStart {
		return token{}, htmlErr(start, "unescaped '<' in text (use &lt;)")
	}
	t := lookupTag(s[nameStart:i])
	if t == tagNone {
		return token{}, htmlErr(start, "unsupported tag <"+s[nameStart:i]+">")
	}
	if end {
		for i < len(s) && isTagSpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '>' {
			return token{}, htmlErr(start, "unclosed end tag </"+t.String()+">")
		}
		return token{kind: tokEnd, tag: t, start: start, end: i + 1}, nil
	}
	tok := token{kind: tokStart, tag: t, start: start}
	var seen uint8 // attributes seen, one bit each
	for {
		sp := i
		for i < len(s) && isTagSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return token{}, htmlErr(start, "unclosed start tag <"+t.String()+">")
		}
		if s[i] == '>' {
			tok.end = i + 1
			break
		}
		if s[i] == '/' {
			return token{}, htmlErr(i, "self-closing tags are not supported")
		}
		if i == sp {
			return token{}, htmlErr(i, "expected white space before an attribute")
		}
		an := i
		for i < len(s) && isNameByte(s[i]) {
			i++
		}
		if i == an {
			return token{}, htmlErr(i, "malformed attribute in <"+t.String()+">")
		}
		name := s[an:i]
		value, hasValue := "", false
		j := i
		for j < len(s) && isTagSpace(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '=' {
			j++
			for j < len(s) && isTagSpace(s[j]) {
				j++
			}
			if j >= len(s) {
				return token{}, htmlErr(start, "unclosed start tag <"+t.String()+">")
			}
			if q := s[j]; q == '"' || q == '\'' {
				k := strings.IndexByte(s[j+1:], q)
				if k < 0 {
					return token{}, htmlErr(j, "unclosed attribute value")
				}
				value, j = s[j+1:j+1+k], j+k+2
			} else {
				k := j
				for k < len(s) && !isTagSpace(s[k]) && s[k] != '>' && s[k] != '"' && s[k] != '\'' && s[k] != '<' && s[k] != '=' && s[k] != '`' {
					k++
				}
				if k == j {
					return token{}, htmlErr(j, "empty attribute value")
				}
				value, j = s[j:k], k
			}
			hasValue = true
			i = j
		}
		bit, problem := checkAttr(t, name, value, hasValue, &tok)
		if problem != "" {
			return token{}, htmlErr(an, problem)
		}
		if seen&bit != 0 {
			return token{}, htmlErr(an, "duplicate attribute "+name)
		}
		seen |= bit
	}
	switch {
	case t == tagA && seen == 0:
		return token{}, htmlErr(start, "<a> needs an href attribute")
	case t == tagSpan && seen == 0:
		return token{}, htmlErr(start, `<span> needs class="tg-spoiler"`)
	case t == tagEmoji && seen == 0:
		return token{}, htmlErr(start, "<tg-emoji> needs an emoji-id attribute")
	}
	return tok, nil
}

// checkAttr validates one attribute of a start tag. It returns a bit that
// identifies the attribute (to catch duplicates), or a problem.
func checkAttr(t tag, name, raw string, hasValue bool, tok *token) (uint8, string) {
	value, ok := decodeAttr(raw)
	if !ok {
		return 0, "malformed character reference in attribute " + name
	}
	switch {
	case t == tagA && strings.EqualFold(name, "href"):
		if !hasValue || !allowedURL(value) {
			return 0, "href must be an http, https or tg URL"
		}
		return 1, ""
	case t == tagSpan && strings.EqualFold(name, "class"):
		if value != "tg-spoiler" {
			return 0, `<span> supports only class="tg-spoiler"`
		}
		return 1, ""
	case t == tagCode && strings.EqualFold(name, "class"):
		if lang, ok := strings.CutPrefix(value, "language-"); !ok || lang == "" {
			return 0, `<code> supports only class="language-NAME"`
		}
		tok.lang = true
		return 1, ""
	case t == tagBlockquote && strings.EqualFold(name, "expandable"):
		return 1, ""
	case t == tagEmoji && strings.EqualFold(name, "emoji-id"):
		if value == "" || strings.Trim(value, "0123456789") != "" {
			return 0, "emoji-id must be a number"
		}
		return 1, ""
	}
	return 0, "unsupported attribute " + name + " in <" + t.String() + ">"
}

// decodeAttr decodes the character references of an attribute value.
func decodeAttr(raw string) (string, bool) {
	if strings.IndexByte(raw, '&') < 0 {
		return raw, strings.IndexByte(raw, '<') < 0
	}
	var b strings.Builder
	l := lexer{s: raw}
	for l.pos < len(raw) {
		c := raw[l.pos]
		switch c {
		case '<':
			return "", false
		case '&':
			tok, err := l.entity()
			if err != nil {
				return "", false
			}
			b.WriteRune(tok.r)
			l.pos = tok.end
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return b.String(), true
}

// allowedURL reports whether Telegram accepts u as a link target.
func allowedURL(u string) bool {
	for _, p := range [...]string{"http://", "https://", "tg://"} {
		if len(u) > len(p) && strings.EqualFold(u[:len(p)], p) {
			return strings.IndexFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f }) < 0
		}
	}
	return false
}
