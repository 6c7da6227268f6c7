package tgmd

import (
	"os"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// answer4K returns a realistic model answer of about 4 KB: headings, lists,
// a table, code blocks, a quotation, links and a spoiler.
func answer4K() string {
	b, err := os.ReadFile("testdata/answer.md")
	if err != nil {
		panic(err)
	}
	return string(b)
}

func BenchmarkRenderParts4K(b *testing.B) {
	md := answer4K()
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	parts := 0
	for b.Loop() {
		parts = len(RenderParts(md, MaxMessageLen))
	}
	b.ReportMetric(float64(parts), "parts")
}

// BenchmarkRenderParts4KLimit1000 forces several cuts, to measure Split.
func BenchmarkRenderParts4KLimit1000(b *testing.B) {
	md := answer4K()
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	parts := 0
	for b.Loop() {
		parts = len(RenderParts(md, 1000))
	}
	b.ReportMetric(float64(parts), "parts")
}

func BenchmarkRender4K(b *testing.B) {
	md := answer4K()
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	for b.Loop() {
		Render(md)
	}
}

// BenchmarkGoldmarkHTML4K is the baseline: goldmark's own HTML renderer on
// the same input, with the same GFM extensions (its renderer has no
// spoilers, so the baseline parses "||" as text).
func BenchmarkGoldmarkHTML4K(b *testing.B) {
	gm := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList))
	md := []byte(answer4K())
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	var sb strings.Builder
	for b.Loop() {
		sb.Reset()
		if err := gm.Convert(md, &sb); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	html := Render(answer4K())
	b.SetBytes(int64(len(html)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(html); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitLongCode(b *testing.B) {
	html := Render("```go\n" + strings.Repeat("\tfmt.Println(\"<hello>\", x && y)\n", 400) + "```")
	b.SetBytes(int64(len(html)))
	b.ReportAllocs()
	parts := 0
	for b.Loop() {
		parts = len(Split(html, MaxMessageLen))
	}
	b.ReportMetric(float64(parts), "parts")
}
