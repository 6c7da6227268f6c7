package tgmd

import (
	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// kindSpoiler is the goldmark node kind of a ||spoiler||.
var kindSpoiler = gast.NewNodeKind("TelegramSpoiler")

// spoilerNode is an inline ||spoiler|| span.
type spoilerNode struct {
	gast.BaseInline
}

// Kind implements ast.Node.
func (n *spoilerNode) Kind() gast.NodeKind { return kindSpoiler }

// Dump implements ast.Node.
func (n *spoilerNode) Dump(source []byte, level int) { gast.DumpHelper(n, source, level, nil, nil) }

// spoilerDelimiters pairs "||" runs like goldmark pairs "~~".
type spoilerDelimiters struct{}

func (spoilerDelimiters) IsDelimiter(b byte) bool { return b == '|' }

func (spoilerDelimiters) CanOpenCloser(opener, closer *parser.Delimiter) bool {
	return opener.Char == closer.Char
}

func (spoilerDelimiters) OnMatch(consumes int) gast.Node { return &spoilerNode{} }

// spoilerParser finds "||" delimiter runs of exactly two bars.
type spoilerParser struct{}

func (spoilerParser) Trigger() []byte { return []byte{'|'} }

func (spoilerParser) Parse(parent gast.Node, block text.Reader, pc parser.Context) gast.Node {
	before := block.PrecendingCharacter()
	line, segment := block.PeekLine()
	d := parser.ScanDelimiter(line, before, 2, spoilerDelimiters{})
	if d == nil || d.OriginalLength != 2 || before == '|' {
		return nil
	}
	d.Segment = segment.WithStop(segment.Start + d.OriginalLength)
	block.Advance(d.OriginalLength)
	pc.PushDelimiter(d)
	return d
}

// spoilerExtension adds ||spoiler|| to a goldmark parser. Rendering is done
// by this package's own renderer, so no goldmark renderer is registered.
type spoilerExtension struct{}

func (spoilerExtension) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(parser.WithInlineParsers(util.Prioritized(spoilerParser{}, 500)))
}
