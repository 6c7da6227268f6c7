package telegramtest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
)

var htmlSeeds = []string{
	"", "plain", "<b>bold</b>", "a &lt; b &amp;&amp; c &gt; d &quot;q&quot;",
	`<a href="https://x.y/?a=1&amp;b=2">link</a>`, "<pre><code class=\"language-go\">x := 1</code></pre>",
	"<blockquote expandable>q</blockquote>", "&#128512; &#x1F600;", "<b>unclosed", "<div>x</div>",
	"😀<i>😀</i>", `<span class="tg-spoiler">s</span>`, "a > b", "x & y",
}

// FuzzHTMLVisible checks that the visible text the server stores for an
// accepted HTML message is as long as tgmd measures it and that its
// entities lie within it.
func FuzzHTMLVisible(f *testing.F) {
	for _, s := range htmlSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		visible, ents := parseHTML(s)
		n, err := tgmd.VisibleLen(s)
		if err != nil {
			return
		}
		if got := tgmd.UTF16Len(visible); got != n {
			t.Fatalf("parseHTML(%q) = %q: %d units, tgmd counts %d", s, visible, got, n)
		}
		for _, e := range ents {
			if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n || e.Type == "" {
				t.Fatalf("parseHTML(%q): bad entity %+v in %d units", s, e, n)
			}
		}
	})
}

// FuzzSendMessage checks that any text and parse mode gets a Bot API
// answer, never a server error, and that HTML is refused exactly when tgmd
// refuses it.
func FuzzSendMessage(f *testing.F) {
	for _, s := range htmlSeeds {
		f.Add(s, "HTML")
		f.Add(s, "")
	}
	f.Add("x", "Markdown")
	f.Add("x", "nope")
	srv := New(Options{Pacing: Pacing{Disabled: true}})
	defer srv.Close()
	if _, err := srv.SendText(1, "hi"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, mode string) {
		form := url.Values{"chat_id": {"1"}, "text": {text}, "parse_mode": {mode}}
		req := httptest.NewRequest(http.MethodPost, "/bot"+srv.Token()+"/sendMessage", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		srv.serveHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if strings.EqualFold(mode, "html") {
			err := tgmd.Validate(text)
			parseErr := err != nil && !errors.Is(err, tgmd.ErrTooLong) && !errors.Is(err, tgmd.ErrEmpty)
			if parseErr != strings.Contains(rec.Body.String(), "can't parse entities") {
				t.Fatalf("tgmd says %v, server says %s", err, rec.Body)
			}
		}
	})
}
