package tgmd

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// RenderPartial renders Markdown that may be cut off mid-stream, as while a
// model's answer is still arriving. Besides what Render already does (an
// unclosed code fence runs to the end and is closed), it closes emphasis,
// strikethrough, spoilers and inline code that are open at the end of the
// last paragraph, so that "**Impor" shows as bold rather than as asterisks,
// and drops a dangling opener with nothing after it.
//
// RenderPartial is safe for concurrent use.
func RenderPartial(md string) string {
	return Render(closeInlines(md))
}

// closeInlines appends closers for the inline delimiters left open at the
// end of the last paragraph of md.
func closeInlines(md string) string {
	tail, inFence := lastParagraph(md)
	if inFence || tail == "" {
		return md
	}
	type opener struct {
		tok string
		end int // byte offset in tail just after the opener
	}
	var stack []opener
	code := 0 // length of the open code span's backtick run, 0 if none
	for i := 0; i < len(tail); {
		c := tail[i]
		if c == '\\' && i+1 < len(tail) {
			i += 2
			continue
		}
		if c != '`' && c != '*' && c != '_' && c != '~' && c != '|' {
			i++
			continue
		}
		j := i
		for j < len(tail) && tail[j] == c {
			j++
		}
		run := j - i
		if c == '`' {
			switch {
			case code == 0:
				code = run
				stack = append(stack, opener{strings.Repeat("`", run), j})
			case code == run:
				code = 0
				stack = stack[:len(stack)-1]
			}
			i = j
			continue
		}
		if code > 0 {
			i = j
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(tail[:i])
		next, _ := utf8.DecodeRuneInString(tail[j:])
		canOpen := j < len(tail) && !unicode.IsSpace(next)
		canClose := i > 0 && !unicode.IsSpace(prev)
		if c == '_' {
			canOpen = canOpen && (i == 0 || !isWordRune(prev))
			canClose = canClose && (j == len(tail) || !isWordRune(next))
		}
		var toks []string
		switch {
		case (c == '~' || c == '|') && run == 2:
			toks = []string{tail[i:j]}
		case (c == '*' || c == '_') && run <= 3:
			if run >= 2 {
				toks = append(toks, string([]byte{c, c}))
			}
			if run != 2 {
				toks = append(toks, string(c))
			}
		}
		for _, tok := range toks {
			if n := len(stack); canClose && n > 0 && stack[n-1].tok == tok {
				stack = stack[:n-1]
			} else if canOpen || j == len(tail) && !canClose && i > 0 {
				stack = append(stack, opener{tok, j})
			}
		}
		i = j
	}
	if len(stack) == 0 {
		return md
	}
	trimmed := strings.TrimRight(tail, " \t\n")
	var b strings.Builder
	b.WriteString(md[:len(md)-len(tail)])
	// An opener with nothing after it is dropped rather than closed.
	for len(stack) > 0 && stack[len(stack)-1].end >= len(trimmed) {
		top := stack[len(stack)-1]
		trimmed = strings.TrimRight(trimmed[:top.end-len(top.tok)], " \t")
		stack = stack[:len(stack)-1]
	}
	b.WriteString(trimmed)
	for i := len(stack) - 1; i >= 0; i-- {
		b.WriteString(stack[i].tok)
	}
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// lastParagraph returns the text after the last blank line of md that is
// not inside a fenced code block, and whether md ends inside a fence.
func lastParagraph(md string) (tail string, inFence bool) {
	start := 0
	fence := ""
	for off := 0; off < len(md); {
		end := strings.IndexByte(md[off:], '\n')
		line := md[off:]
		if end >= 0 {
			line = md[off : off+end]
		}
		trim := strings.TrimLeft(line, " ")
		switch {
		case fence != "":
			if len(line)-len(trim) <= 3 && strings.HasPrefix(trim, fence) && strings.TrimSpace(strings.TrimLeft(trim, fence[:1])) == "" {
				fence = ""
				start = off + len(line) + 1
			}
		case len(line)-len(trim) <= 3 && (strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~")):
			n := len(trim) - len(strings.TrimLeft(trim, trim[:1]))
			fence = trim[:n]
		case strings.TrimSpace(line) == "":
			start = off + len(line) + 1
		}
		if end < 0 {
			break
		}
		off += end + 1
	}
	if fence != "" {
		return "", true
	}
	if start >= len(md) {
		return "", false
	}
	return md[start:], false
}
