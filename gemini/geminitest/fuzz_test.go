package geminitest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzSplitChunks(f *testing.F) {
	for _, s := range []string{"", "a", "hello world", "你好世界", "\xff\xfe", "mixed 混合"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n%64 + 1
		if n < 1 {
			n += 64
		}
		chunks := splitChunks(s, n)
		if strings.Join(chunks, "") != s {
			t.Fatalf("splitChunks(%q, %d) lost text: %q", s, n, chunks)
		}
		if len(chunks) > n {
			t.Fatalf("splitChunks(%q, %d) made %d chunks", s, n, len(chunks))
		}
		if utf8.ValidString(s) {
			for _, c := range chunks {
				if !utf8.ValidString(c) {
					t.Fatalf("chunk %q of %q splits a rune", c, s)
				}
			}
		}
	})
}

// FuzzRequest posts arbitrary bodies and paths: the server answers with a
// status, never panics, and never answers a 5xx it was not asked for.
func FuzzRequest(f *testing.F) {
	f.Add("m:generateContent", `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`)
	f.Add("m:streamGenerateContent", `{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"AAEC"}}]}],"generationConfig":{"maxOutputTokens":1}}`)
	f.Add("m:countTokens", `{"contents":[]}`)
	f.Add("m:generateContent", `{"contents":[{"parts":[{"inlineData":{"data":"!!"}}]}]}`)
	f.Add("x", `not json`)
	f.Fuzz(func(t *testing.T, path, body string) {
		s := New(Options{Chunks: 3})
		s.AddKey("k", "secret", "")
		defer s.srv.Close()
		req := httptest.NewRequest(http.MethodPost, "/v1beta/models/x", strings.NewReader(body))
		req.URL.Path = "/v1beta/models/" + path
		req.Header.Set("x-goog-api-key", "secret")
		w := httptest.NewRecorder()
		s.serveHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("POST %q %q: %d %s", path, body, w.Code, w.Body)
		}
	})
}
