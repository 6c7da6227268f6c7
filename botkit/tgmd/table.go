package tgmd

import (
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"
)

// table writes a GFM table as aligned monospaced text in <pre>: Telegram has
// no tables, and a fixed-width font is the only way to keep columns lined up.
func (r *renderer) table(t *east.Table, tight bool) {
	var rows [][]string
	header := -1
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		if row.Kind() == east.KindTableHeader && header < 0 {
			header = len(rows)
		}
		var cells []string
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, r.cellText(c))
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		return
	}
	cols := len(t.Alignments)
	for _, row := range rows {
		cols = max(cols, len(row))
	}
	widths := make([]int, cols)
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	r.open(tight)
	r.tag("pre")
	for ri, row := range rows {
		if ri > 0 {
			r.b.WriteByte('\n')
		}
		r.tableRow(row, widths, t.Alignments)
		if ri == header {
			r.b.WriteByte('\n')
			for i, w := range widths {
				if i > 0 {
					r.b.WriteString("-+-")
				}
				r.b.WriteString(strings.Repeat("-", w))
			}
		}
	}
	r.endTag("pre")
}

func (r *renderer) tableRow(row []string, widths []int, align []east.Alignment) {
	var line strings.Builder
	for i, w := range widths {
		if i > 0 {
			line.WriteString(" | ")
		}
		cell := ""
		if i < len(row) {
			cell = row[i]
		}
		pad := w - displayWidth(cell)
		a := east.AlignNone
		if i < len(align) {
			a = align[i]
		}
		left := 0
		switch a {
		case east.AlignRight:
			left = pad
		case east.AlignCenter:
			left = pad / 2
		}
		line.WriteString(strings.Repeat(" ", left))
		line.WriteString(cell)
		if i < len(widths)-1 || a == east.AlignCenter {
			line.WriteString(strings.Repeat(" ", pad-left))
		}
	}
	r.escaped(strings.TrimRight(line.String(), " "))
}

// cellText renders a table cell as plain text on one line.
func (r *renderer) cellText(cell ast.Node) string {
	sub := &renderer{src: r.src, plain: true, link: 1}
	sub.inlines(cell)
	return strings.Join(strings.Fields(strings.ReplaceAll(sub.b.String(), "\n", " ")), " ")
}

// displayWidth estimates how many columns s takes in a monospaced font: wide
// East Asian characters and emoji take two, combining marks none.
func displayWidth(s string) int {
	w := 0
	for _, c := range s {
		switch {
		case unicode.Is(unicode.Mn, c) || unicode.Is(unicode.Me, c) || c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F):
		case util.IsEastAsianWideRune(c) || c >= 0x1F300 && c <= 0x1FAFF:
			w += 2
		default:
			w++
		}
	}
	return w
}
