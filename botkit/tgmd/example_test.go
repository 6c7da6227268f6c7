package tgmd_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
)

func ExampleRender() {
	answer := "## Result\n\n" +
		"Use **`go test -race`** and check:\n\n" +
		"- the *exit code*\n" +
		"- the ~~logs~~ output\n\n" +
		"```go\nif a < b && ok {\n\treturn\n}\n```\n\n" +
		"| Flag | Meaning |\n|---|---|\n| `-v` | verbose |\n\n" +
		"Raw <script>alert(1)</script>, a ||spoiler|| and [docs](https://go.dev/doc)."
	fmt.Println(tgmd.Render(answer))
	// Output:
	// <b>Result</b>
	//
	// Use <b><code>go test -race</code></b> and check:
	//
	// • the <i>exit code</i>
	// • the <s>logs</s> output
	//
	// <pre><code class="language-go">if a &lt; b &amp;&amp; ok {
	// 	return
	// }</code></pre>
	//
	// <pre>Flag | Meaning
	// -----+--------
	// -v   | verbose</pre>
	//
	// Raw &lt;script&gt;alert(1)&lt;/script&gt;, a <tg-spoiler>spoiler</tg-spoiler> and <a href="https://go.dev/doc">docs</a>.
}

func ExampleSplit() {
	html := tgmd.Render("Intro paragraph.\n\n```python\nprint(1)\nprint(2)\nprint(3)\n```")
	for _, part := range tgmd.Split(html, 30) {
		fmt.Printf("%q\n", part)
	}
	// Output:
	// "Intro paragraph."
	// "<pre><code class=\"language-python\">print(1)\nprint(2)\nprint(3)</code></pre>"
}

func ExampleSplit_codeContinues() {
	html := tgmd.Render("```go\n" + strings.Repeat("x++\n", 6) + "```")
	for _, part := range tgmd.Split(html, 10) {
		fmt.Printf("%q\n", part)
	}
	// Output:
	// "<pre><code class=\"language-go\">x++\nx++</code></pre>"
	// "<pre><code class=\"language-go\">x++\nx++</code></pre>"
	// "<pre><code class=\"language-go\">x++\nx++</code></pre>"
}

func ExampleRenderPartial() {
	// A streamed answer, cut off mid-word.
	fmt.Println(tgmd.RenderPartial("The **impor"))
	fmt.Println(tgmd.RenderPartial("```go\nfunc main() {"))
	// Output:
	// The <b>impor</b>
	// <pre><code class="language-go">func main() {</code></pre>
}

func ExampleValidate() {
	err := tgmd.Validate("<b>bold <i>both</b></i>")
	fmt.Println(err)
	fmt.Println(errors.Is(err, tgmd.ErrInvalidHTML))

	var he *tgmd.HTMLError
	if errors.As(tgmd.Validate(strings.Repeat("😀", 2049)), &he) {
		fmt.Println(errors.Is(he, tgmd.ErrTooLong), he.Offset)
	}
	fmt.Println(tgmd.Validate(`<a href="https://go.dev">Go</a> &amp; <code>x &lt; y</code>`))
	// Output:
	// tgmd: invalid Telegram HTML at byte 15: unmatched end tag </b>, expected </i>
	// true
	// true 8192
	// <nil>
}

func ExampleUTF16Len() {
	fmt.Println(tgmd.UTF16Len("hi"), tgmd.UTF16Len("中文"), tgmd.UTF16Len("👍"))
	n, _ := tgmd.VisibleLen("<b>a &lt; b</b>")
	fmt.Println(n)
	// Output:
	// 2 2 2
	// 5
}

func ExamplePlainText() {
	md := "**Note:** see [the docs](https://go.dev/doc) and run `go vet`."
	text := tgmd.PlainText(md)
	fmt.Println(text)
	fmt.Println(tgmd.SplitPlain(text, 20))
	// Output:
	// Note: see the docs (https://go.dev/doc) and run go vet.
	// [Note: see the docs (https://go.dev/doc) and run go vet.]
}
