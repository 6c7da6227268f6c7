package telegramtest

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
)

// openTag is a start tag waiting for its end tag.
type openTag struct {
	name  string
	attrs map[string]string
	start int // UTF-16 offset in the visible text
}

// parseHTML turns an HTML message that tgmd.Validate accepted into the text
// a reader sees (tags removed, entities decoded) and its formatting
// entities, with UTF-16 offsets as Telegram reports them.
func parseHTML(s string) (string, []models.MessageEntity) {
	if !strings.ContainsAny(s, "<&") {
		return s, nil
	}
	var out strings.Builder
	out.Grow(len(s))
	units := 0
	var open []openTag
	var ents []models.MessageEntity
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := skipTag(s, i)
			name, attrs, closing := readTag(strings.TrimSuffix(s[i+1:end], ">"))
			i = end
			if !closing {
				open = append(open, openTag{name: name, attrs: attrs, start: units})
				continue
			}
			for k := len(open) - 1; k >= 0; k-- {
				if open[k].name != name {
					continue
				}
				t := open[k]
				open = append(open[:k], open[k+1:]...)
				if e, ok := entityOf(t, open, units); ok {
					ents = append(ents, e)
				}
				break
			}
		case '&':
			r, n := readEntity(s[i:])
			out.WriteRune(r)
			units += tgmd.UTF16Len(string(r))
			i += n
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			out.WriteString(s[i : i+size])
			units += tgmd.UTF16Len(s[i : i+size])
			i += size
		}
	}
	sort.SliceStable(ents, func(a, b int) bool { return ents[a].Offset < ents[b].Offset })
	return out.String(), ents
}

// entityOf makes the entity of a closed tag; a <code> inside <pre> gives its
// language to the pre entity instead.
func entityOf(t openTag, outer []openTag, end int) (models.MessageEntity, bool) {
	e := models.MessageEntity{Offset: t.start, Length: end - t.start}
	if e.Length == 0 {
		return e, false
	}
	switch t.name {
	case "b", "strong":
		e.Type = models.MessageEntityTypeBold
	case "i", "em":
		e.Type = models.MessageEntityTypeItalic
	case "u", "ins":
		e.Type = models.MessageEntityTypeUnderline
	case "s", "strike", "del":
		e.Type = models.MessageEntityTypeStrikethrough
	case "tg-spoiler", "span":
		e.Type = models.MessageEntityTypeSpoiler
	case "a":
		e.Type, e.URL = models.MessageEntityTypeTextLink, t.attrs["href"]
	case "tg-emoji":
		e.Type, e.CustomEmojiID = models.MessageEntityTypeCustomEmoji, t.attrs["emoji-id"]
	case "blockquote":
		e.Type = models.MessageEntityTypeBlockquote
		if _, ok := t.attrs["expandable"]; ok {
			e.Type = models.MessageEntityTypeExpandableBlockquote
		}
	case "pre":
		e.Type, e.Language = models.MessageEntityTypePre, t.attrs["\x00language"]
	case "code":
		if len(outer) > 0 && outer[len(outer)-1].name == "pre" {
			if lang, ok := strings.CutPrefix(t.attrs["class"], "language-"); ok {
				outer[len(outer)-1].attrs["\x00language"] = lang
			}
			return e, false
		}
		e.Type = models.MessageEntityTypeCode
	default:
		return e, false
	}
	return e, true
}

// readTag splits the inside of a tag into its name and attributes.
func readTag(t string) (name string, attrs map[string]string, closing bool) {
	t, closing = strings.CutPrefix(t, "/")
	n := strings.IndexAny(t, " \t\r\n")
	if n < 0 {
		n = len(t)
	}
	name, rest := strings.ToLower(t[:n]), t[n:]
	attrs = map[string]string{}
	for {
		rest = strings.TrimLeft(rest, " \t\r\n")
		if rest == "" {
			return name, attrs, closing
		}
		k := strings.IndexAny(rest, " \t\r\n=")
		if k < 0 {
			attrs[strings.ToLower(rest)] = ""
			return name, attrs, closing
		}
		key := strings.ToLower(rest[:k])
		rest = strings.TrimLeft(rest[k:], " \t\r\n")
		if !strings.HasPrefix(rest, "=") {
			attrs[key] = ""
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		var val string
		if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
			q := strings.IndexByte(rest[1:], rest[0])
			if q < 0 {
				q = len(rest) - 1
			}
			val, rest = rest[1:1+q], rest[min(len(rest), q+2):]
		} else {
			v := strings.IndexAny(rest, " \t\r\n")
			if v < 0 {
				v = len(rest)
			}
			val, rest = rest[:v], rest[v:]
		}
		attrs[key] = decodeAll(val)
	}
}

// decodeAll decodes the character references of an attribute value.
func decodeAll(v string) string {
	if !strings.Contains(v, "&") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		if v[i] == '&' {
			r, n := readEntity(v[i:])
			b.WriteRune(r)
			i += n
			continue
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String()
}

// readEntity decodes the character reference at the start of s, or takes
// a lone '&' as itself.
func readEntity(s string) (rune, int) {
	end := strings.IndexByte(s, ';')
	if end < 0 || end > 12 {
		return '&', 1
	}
	r, ok := decodeEntity(s[1:end])
	if !ok {
		return '&', 1
	}
	return r, end + 1
}

// skipTag returns the offset just past the tag that starts at s[i], minding
// quoted attribute values.
func skipTag(s string, i int) int {
	var quote byte
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1
		}
	}
	return len(s)
}

func decodeEntity(name string) (rune, bool) { return tgmd.DecodeEntity(name) }
