package tgmd

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A part holds at most rawPerUnit bytes of HTML per UTF-16 unit of the
// limit, plus rawSlack for the tags it reopens and closes, so that a text
// full of entities and tags still makes requests of a sane size.
const (
	rawPerUnit = 8
	rawSlack   = 2048
)

// Split cuts Telegram HTML into parts that each have at most limit UTF-16
// code units of visible text (limit <= 0 means MaxMessageLen; limits below 2
// are raised to 2, the width of one emoji) and at most 8 bytes of HTML per
// unit of the limit plus 2 KiB for tags reopened at a cut (a bound that
// Render's output always meets; HTML with tags nested deeper than that
// allows gets parts of at least one character each). It cuts at a blank line between blocks if it can, else
// at a line break, else between words, else between characters; never
// inside a tag, an entity, a UTF-16 surrogate pair or (as far as it can
// tell) a grapheme cluster. Tags open at a cut are closed at the end of the
// part and opened again, with the same attributes, at the start of the next,
// so a long code block goes on as code in the same language.
//
// Every part is valid Telegram HTML when html is; parts with nothing visible
// are dropped. If html is not valid Telegram HTML, Split treats it as plain
// text and returns it escaped. Split is safe for concurrent use.
func Split(html string, limit int) []string {
	if limit <= 0 {
		limit = MaxMessageLen
	}
	limit = max(limit, 2)
	n, blank, _, err := scan(html, -1)
	if err != nil {
		return Split(escapeText(html), limit)
	}
	if blank {
		return nil
	}
	if n <= limit && len(html) <= rawPerUnit*limit+rawSlack {
		return []string{html}
	}
	s := splitter{html: html, limit: limit, rawCap: rawPerUnit*limit + rawSlack}
	return s.run()
}

// SplitPlain cuts plain text (as from PlainText) into parts of at most limit
// UTF-16 code units, at the same boundaries as Split. Parts with nothing
// visible are dropped.
func SplitPlain(text string, limit int) []string {
	parts := Split(escapeText(text), limit)
	for i, p := range parts {
		parts[i] = unescaper.Replace(p)
	}
	return parts
}

var (
	escaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	unescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
)

// escapeText makes any string valid as the text of Telegram HTML.
func escapeText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return escaper.Replace(s)
}

// Cut ranks, best last.
const (
	rankChar = iota
	rankWord
	rankLine
	rankBlock
	numRanks
)

// openTag is a tag open at some point of the input, with its source text so
// that it can be opened again with the same attributes.
type openTag struct {
	tag tag
	raw string
}

// cut is a place where a part may end: the part ends at end, the next one
// starts at next with stack open.
type cut struct {
	ok        bool
	end, next int
	units     int
	stack     []openTag
	gen       int
}

type splitter struct {
	html   string
	limit  int
	rawCap int
	parts  []string
	cuts   [numRanks]cut
	stack  []openTag // open at the scan position
	gen    int       // bumped whenever stack changes
}

func (s *splitter) run() []string {
	pos := 0
	var open []openTag // open at pos
	for pos < len(s.html) {
		c, done := s.scanPart(pos, open)
		var b strings.Builder
		for _, t := range open {
			b.WriteString(t.raw)
		}
		if done {
			b.WriteString(strings.TrimRight(s.html[pos:], " \t\n"))
			s.emit(b.String())
			break
		}
		b.WriteString(strings.TrimRight(s.html[pos:c.end], " \t\n"))
		for i := len(c.stack) - 1; i >= 0; i-- {
			b.WriteString("</")
			b.WriteString(c.stack[i].tag.String())
			b.WriteByte('>')
		}
		s.emit(b.String())
		pos = c.next
		open = append([]openTag(nil), c.stack...)
	}
	return s.parts
}

// emit keeps a part unless it has nothing visible.
func (s *splitter) emit(part string) {
	if _, blank, _, err := scan(part, -1); err == nil && !blank {
		s.parts = append(s.parts, part)
	}
}

// scanPart scans forward from pos with open tags open and returns where
// the part should end, or done if the rest of the input fits.
func (s *splitter) scanPart(pos int, open []openTag) (c cut, done bool) {
	s.stack = append(s.stack[:0], open...)
	s.gen++
	for i := range s.cuts {
		s.cuts[i].ok = false
	}
	raw := 0 // bytes of reopened and closing tags
	for _, t := range open {
		raw += len(t.raw) + len(t.tag.String()) + 3
	}
	units, nonBlank := 0, false
	block := pos // where the current block starts
	var prev rune
	ri := 0 // regional indicators in a row
	l := lexer{s: s.html, pos: pos}
	for {
		tok, ok, _ := l.next() // Split checked the input already
		if !ok {
			return cut{}, true
		}
		if units > 0 && tok.start-pos+raw > s.rawCap {
			return s.best(tok.start), false
		}
		switch tok.kind {
		case tokStart:
			s.stack = append(s.stack, openTag{tag: tok.tag, raw: s.html[tok.start:tok.end]})
			s.gen++
			raw += len(tok.tag.String()) + 3
			continue
		case tokEnd:
			s.stack = s.stack[:len(s.stack)-1]
			s.gen++
			raw -= len(tok.tag.String()) + 3
			continue
		case tokEntity:
			u := runeUnits(tok.r)
			if nonBlank {
				s.record(rankChar, tok.start, tok.start, units)
			}
			if units+u > s.limit {
				return s.best(tok.start), false
			}
			units += u
			nonBlank = nonBlank || !isBlankRune(tok.r)
			prev, ri = tok.r, 0
			continue
		}
		for i := tok.start; i < tok.end; {
			r, size := utf8.DecodeRuneInString(s.html[i:])
			u := runeUnits(r)
			if nonBlank {
				switch {
				case r == '\n' && i+1 < tok.end && s.html[i+1] == '\n' && !s.inCode():
					// Keep a heading (a line that is all bold) with what
					// follows it.
					if block > i || !isHeadingLine(s.html[block:i]) {
						s.record(rankBlock, i, i+2, units)
					}
					block = i + 2
				case r == '\n':
					s.record(rankLine, i, i+1, units)
				case r == ' ':
					s.record(rankWord, i, i+1, units)
				case !extendsGrapheme(r, prev, ri):
					s.record(rankChar, i, i, units)
				}
			}
			if units+u > s.limit || (units > 0 && i+size-pos+raw > s.rawCap) {
				return s.best(i), false
			}
			if r >= 0x1F1E6 && r <= 0x1F1FF {
				ri++
			} else {
				ri = 0
			}
			units += u
			nonBlank = nonBlank || !isBlankRune(r)
			prev = r
			i += size
		}
	}
}

// record remembers a possible cut; later cuts of a rank replace earlier ones.
func (s *splitter) record(rank, end, next, units int) {
	c := &s.cuts[rank]
	c.ok, c.end, c.next, c.units = true, end, next, units
	if c.gen != s.gen {
		c.stack = append(c.stack[:0], s.stack...)
		c.gen = s.gen
	}
}

// best picks the cut for a part that cannot grow past at: the best-ranked
// cut that keeps at least half of the limit, else the best-ranked one at
// all, else a cut right at at.
func (s *splitter) best(at int) cut {
	for _, half := range [...]bool{true, false} {
		for rank := numRanks - 1; rank >= 0; rank-- {
			c := s.cuts[rank]
			if c.ok && (!half || 2*c.units >= s.limit) {
				return c
			}
		}
	}
	return cut{end: at, next: at, stack: s.stack}
}

// isHeadingLine reports whether a block is one line of bold text, as
// Render writes headings.
func isHeadingLine(b string) bool {
	return strings.HasPrefix(b, "<b>") && strings.Index(b, "</b>") == len(b)-4 && !strings.Contains(b, "\n")
}

func (s *splitter) inCode() bool {
	for _, t := range s.stack {
		if t.tag == tagPre || t.tag == tagCode {
			return true
		}
	}
	return false
}

// extendsGrapheme reports whether a cut before r would split a grapheme
// cluster: r is a combining mark, a joiner, a variation selector or emoji
// modifier, follows a zero-width joiner, or completes a flag.
func extendsGrapheme(r, prev rune, ri int) bool {
	switch {
	case prev == 0x200D, r == 0x200D, r == 0x200C:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0x1F3FB && r <= 0x1F3FF, r >= 0xE0020 && r <= 0xE007F:
		return true
	case r >= 0x1F1E6 && r <= 0x1F1FF:
		return ri%2 == 1
	case prev == '\r' && r == '\n':
		return true
	}
	return r >= 0x300 && (unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Mc, r))
}
