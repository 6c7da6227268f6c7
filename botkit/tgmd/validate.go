package tgmd

import (
	"strconv"
	"unicode/utf8"
)

// MaxMessageLen is the longest message text Telegram accepts, in UTF-16 code
// units of visible text (after tags are removed and entities decoded).
const MaxMessageLen = 4096

// Validate reports whether Telegram would accept html as a message text in
// HTML parse mode. It returns nil or an *HTMLError that unwraps to
// ErrInvalidHTML (and to ErrTooLong or ErrEmpty for length problems).
//
// Validate follows Telegram's documented rules and is meant to be at least
// as strict as Telegram, so that what it accepts, Telegram accepts. It also
// rejects a few things that Telegram tolerates but its documentation
// forbids, so that a renderer checked against it stays safe as Telegram
// evolves: a bare '&' or '>' in text, unknown attributes, language classes
// on a <code> outside <pre>, links other than http, https and tg, tags
// inside <code> and <pre>, <pre> or <blockquote> inside inline tags, nested
// links and nested block quotations.
func Validate(html string) error {
	n, blank, over, err := scan(html, MaxMessageLen)
	if err != nil {
		return err
	}
	if blank {
		return &HTMLError{Offset: 0, Problem: "text is empty", Err: ErrEmpty}
	}
	if n > MaxMessageLen {
		return &HTMLError{Offset: over, Err: ErrTooLong,
			Problem: "text is " + strconv.Itoa(n) + " UTF-16 code units long, the limit is " + strconv.Itoa(MaxMessageLen)}
	}
	return nil
}

// VisibleLen returns the length in UTF-16 code units of the text that
// Telegram shows for html: tags removed, entities decoded. It returns an
// error if html is not valid Telegram HTML, ignoring length limits.
func VisibleLen(html string) (int, error) {
	n, _, _, err := scan(html, -1)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// frame is an open tag.
type frame struct {
	tag tag
	off int
	// state of a <pre>: 0 empty, 1 holds text, 2 holds an open <code>,
	// 3 holds a closed <code> (nothing may follow).
	pre uint8
}

// scan checks the syntax and nesting of html and measures its visible text.
// over is the byte offset where the text first grew past limit (limit < 0:
// never); blank reports that the text is empty or only white space.
func scan(html string, limit int) (units int, blank bool, over int, err error) {
	var buf [16]frame
	stack := buf[:0]
	blank, over = true, -1
	l := lexer{s: html}
	for {
		tok, ok, lerr := l.next()
		if lerr != nil {
			return 0, false, 0, lerr
		}
		if !ok {
			break
		}
		switch tok.kind {
		case tokText, tokEntity:
			if n := len(stack); n > 0 && stack[n-1].tag == tagPre {
				if stack[n-1].pre == 3 {
					return 0, false, 0, htmlErr(tok.start, "text after </code> inside <pre>")
				}
				stack[n-1].pre = 1
			}
			if tok.kind == tokEntity {
				units += runeUnits(tok.r)
				if blank && !isBlankRune(tok.r) {
					blank = false
				}
			} else {
				for i := tok.start; i < tok.end; {
					c := html[i]
					if c < utf8.RuneSelf {
						units++
						if blank && !isBlankRune(rune(c)) {
							blank = false
						}
						if units > limit && limit >= 0 && over < 0 {
							over = i
						}
						i++
						continue
					}
					r, size := utf8.DecodeRuneInString(html[i:])
					if r == utf8.RuneError && size == 1 {
						return 0, false, 0, htmlErr(i, "invalid UTF-8")
					}
					units += runeUnits(r)
					if blank && !isBlankRune(r) {
						blank = false
					}
					if units > limit && limit >= 0 && over < 0 {
						over = i
					}
					i += size
				}
				continue
			}
			if units > limit && limit >= 0 && over < 0 {
				over = tok.start
			}
		case tokStart:
			if e := checkNesting(stack, tok); e != nil {
				return 0, false, 0, e
			}
			if tok.tag == tagCode && len(stack) > 0 && stack[len(stack)-1].tag == tagPre {
				stack[len(stack)-1].pre = 2
			}
			stack = append(stack, frame{tag: tok.tag, off: tok.start})
		case tokEnd:
			if len(stack) == 0 {
				return 0, false, 0, htmlErr(tok.start, "unexpected end tag </"+tok.tag.String()+">")
			}
			top := stack[len(stack)-1]
			if top.tag != tok.tag {
				return 0, false, 0, htmlErr(tok.start, "unmatched end tag </"+tok.tag.String()+">, expected </"+top.tag.String()+">")
			}
			stack = stack[:len(stack)-1]
			if tok.tag == tagCode && len(stack) > 0 && stack[len(stack)-1].tag == tagPre {
				stack[len(stack)-1].pre = 3
			}
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return 0, false, 0, htmlErr(top.off, "unclosed tag <"+top.tag.String()+">")
	}
	return units, blank, max(over, 0), nil
}

// checkNesting applies Telegram's rules for entities inside entities to a
// start tag.
func checkNesting(stack []frame, tok token) *HTMLError {
	t := tok.tag
	if n := len(stack); n > 0 {
		top := stack[n-1]
		if top.tag == tagPre {
			if t != tagCode || top.pre != 0 {
				return htmlErr(tok.start, "<pre> may hold only text or one <code>")
			}
			return nil
		}
		if top.tag == tagCode {
			return htmlErr(tok.start, "tags are not allowed inside <code>")
		}
	}
	if tok.lang && t == tagCode {
		return htmlErr(tok.start, "a language class is allowed only on <code> inside <pre>")
	}
	for _, f := range stack {
		switch {
		case f.tag == tagEmoji:
			return htmlErr(tok.start, "tags are not allowed inside <tg-emoji>")
		case t == tagBlockquote:
			return htmlErr(tok.start, "<blockquote> must not be nested in another tag")
		case t == tagPre && f.tag != tagBlockquote:
			return htmlErr(tok.start, "<pre> may be nested only in <blockquote>")
		case f.tag == tagA && (t == tagA || t == tagCode || t == tagPre):
			return htmlErr(tok.start, "<"+t.String()+"> is not allowed inside a link")
		}
	}
	return nil
}
