package botkit

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const internalSecret = "AAHsecret-Token_0123456789abcdefXYZ"

// TestRedactGoTelegramErrors takes the errors go-telegram/bot gives when it
// cannot build a request URL (a token with a trailing "\r" is quoted with
// the escape) and checks what botkit passes on. getMe has no parameters,
// so the library's request builder leaves no goroutine behind.
func TestRedactGoTelegramErrors(t *testing.T) {
	for name, c := range map[string]struct{ token, server string }{
		"CR in token":    {"987654:" + internalSecret + "\r", "http://127.0.0.1:1"},
		"LF in token":    {"987654:" + internalSecret + "\n", "http://127.0.0.1:1"},
		"bad server URL": {"987654:" + internalSecret, "http://bad host"},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := bot.New(c.token, bot.WithServerURL(c.server), bot.WithSkipGetMe())
			require.NoError(t, err)
			_, raw := b.GetMe(context.Background())
			require.Error(t, raw)
			require.Contains(t, raw.Error(), internalSecret, "the library's error shows the token")

			for _, err := range []error{newRedactor(c.token).redact(raw), wrapAPI(b, "getMe", raw)} {
				assert.NotContains(t, err.Error(), internalSecret)
				assert.Contains(t, err.Error(), "***")
				var ue *url.Error
				require.ErrorAs(t, err, &ue)
				assert.Equal(t, "parse", ue.Op)
				assert.NotContains(t, ue.URL, internalSecret)
				assert.True(t, unbuildable(err))
			}
		})
	}
}

func TestRedactLeavesCleanErrorsAlone(t *testing.T) {
	clean := errors.New("connection reset")
	assert.Same(t, clean, newRedactor("1:"+internalSecret).redact(clean))
	assert.Nil(t, newRedactor("1:"+internalSecret).redact(nil))
	assert.Same(t, clean, newRedactor("").redact(clean))
}

func TestRedactShortSecretsOnlyWhole(t *testing.T) {
	r := newRedactor("123456:TEST")
	assert.Equal(t, "a TEST of *** and TEST", r.text("a TEST of 123456:TEST and TEST"),
		"a short secret alone is an ordinary word")
	r = newRedactor("1:" + internalSecret)
	assert.Equal(t, "*** and ***", r.text("1:"+internalSecret+" and "+internalSecret))
}

func FuzzRedact(f *testing.F) {
	f.Add("987654:"+internalSecret, "parse %s: bad", 0)
	f.Add("987654:"+internalSecret+"\r", "parse %s: bad", 1)
	f.Add("1:abcdefgh", "%s%s", 2)
	f.Add("1:a/b c?d", "GET %s", 3)
	f.Fuzz(func(t *testing.T, token, layout string, form int) {
		_, secret, ok := strings.Cut(token, ":")
		if !ok || len(secret) < minSecretLen {
			return
		}
		forms := tokenForms(token)
		shown := forms[uint(form)%uint(len(forms))]
		if q := strconv.Quote(token); shown == q[1:len(q)-1] && strings.ContainsAny(layout, `\`) {
			// A layout ending in a backslash could make a quoted form of
			// its own around the token; that is not a form errors take.
			return
		}
		text := strings.ReplaceAll(layout, "%s", shown) + " " + shown
		got := newRedactor(token).text(text)
		for _, f := range tokenForms(token) {
			if strings.Contains(got, f) {
				t.Fatalf("redact(%q) = %q still shows the token", text, got)
			}
		}
	})
}
