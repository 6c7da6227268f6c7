package botkit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// testToken is a token shaped like a real one, with a secret long enough
// to be looked for in texts.
const (
	testToken  = "987654:AAHsecret-Token_0123456789abcdefXYZ"
	testSecret = "AAHsecret-Token_0123456789abcdefXYZ"
)

var tokenShape = regexp.MustCompile(`^\d+:[A-Za-z0-9_-]+$`)

func TestValidToken(t *testing.T) {
	tests := []struct {
		name, token string
		ok          bool
	}{
		{"real shape", testToken, true},
		{"test server", telegramtest.DefaultToken, true},
		{"all secret characters", "1:azAZ09_-", true},
		{"trailing CR", testToken + "\r", false},
		{"trailing LF", testToken + "\n", false},
		{"trailing CRLF", testToken + "\r\n", false},
		{"leading space", " " + testToken, false},
		{"trailing space", testToken + " ", false},
		{"tab inside", "987654:AAH\tsecret", false},
		{"empty", "", false},
		{"no colon", "987654AAHsecret", false},
		{"no ID", ":AAHsecret", false},
		{"no secret", "987654:", false},
		{"letters in ID", "98x654:AAHsecret", false},
		{"negative ID", "-987654:AAHsecret", false},
		{"second colon", "987654:AAH:secret", false},
		{"slash", "987654:AAH/secret", false},
		{"question mark", "987654:AAH?secret", false},
		{"non-ASCII", "987654:AAHsécret", false},
		{"NUL", "987654:AAH\x00secret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := botkit.ValidToken(tt.token)
			assert.Equal(t, tokenShape.MatchString(tt.token), err == nil, "agrees with %s", tokenShape)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, botkit.ErrMalformedToken)
			if _, secret, ok := strings.Cut(tt.token, ":"); ok && len(secret) > 3 {
				assert.NotContains(t, err.Error(), strings.TrimSpace(secret))
			}
		})
	}
	err := botkit.ValidToken(testToken + "\r\n")
	assert.Contains(t, err.Error(), "line break", "the error says what is wrong")
}

func ExampleValidToken() {
	// A token read from a .env file written on Windows.
	err := botkit.ValidToken("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11\r")
	fmt.Println(errors.Is(err, botkit.ErrMalformedToken))
	fmt.Println(err)
	// Output:
	// true
	// botkit: malformed bot token (want <bot ID>:<secret>): a line break (check for a trailing \r or \n, as from a file with CRLF line endings) in the secret (byte 35 of 35 after the colon)
}

func FuzzValidToken(f *testing.F) {
	for _, s := range []string{testToken, testToken + "\r", "1:a", ":", "", "1:a:b", "x:y", "12:ab cd", "1:\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		err := botkit.ValidToken(token)
		if tokenShape.MatchString(token) != (err == nil) {
			t.Fatalf("ValidToken(%q) = %v, want the verdict of %s", token, err, tokenShape)
		}
		if err == nil {
			return
		}
		if !errors.Is(err, botkit.ErrMalformedToken) {
			t.Fatalf("ValidToken(%q) = %v, not ErrMalformedToken", token, err)
		}
		if _, secret, ok := strings.Cut(token, ":"); ok && len(secret) >= 8 && strings.Contains(err.Error(), secret) {
			t.Fatalf("the error of ValidToken(%q) shows the secret: %v", token, err)
		}
	})
}

// logBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// tokenWitness collects everything a Sender says (errors returned, logs,
// OnError) to check that the token is nowhere in it.
type tokenWitness struct {
	logs logBuffer
	mu   sync.Mutex
	errs []string
}

func (w *tokenWitness) options(clock *fakeClock) botkit.SenderOptions {
	return botkit.SenderOptions{
		Clock:  clock,
		Logger: slog.New(slog.NewTextHandler(&w.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnError: func(method string, err error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.errs = append(w.errs, method+": "+err.Error())
		},
	}
}

func (w *tokenWitness) add(err error) {
	if err != nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.errs = append(w.errs, err.Error())
	}
}

// assertNoSecret checks every text for the secret, raw and in the forms
// it takes in quoted or escaped URLs.
func (w *tokenWitness) assertNoSecret(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	texts := append([]string{w.logs.String()}, w.errs...)
	w.mu.Unlock()
	for _, txt := range texts {
		for _, form := range []string{testSecret, strconv.Quote(testSecret + "\r"), url.PathEscape(testSecret)} {
			assert.NotContains(t, txt, strings.Trim(form, `"`))
		}
	}
}

// TestSenderNeverShowsAMalformedToken sends with a token that ends in
// "\r", as read from a CRLF .env file: go-telegram/bot cannot build the
// request URL, and its error would quote the URL with the token.
func TestSenderNeverShowsAMalformedToken(t *testing.T) {
	clock := newFakeClock(true)
	srv := newServer(t, telegramtest.Options{Token: testToken, Now: clock.Now})
	addChats(srv, 1)
	b, err := bot.New(testToken+"\r", bot.WithServerURL(srv.URL()), bot.WithSkipGetMe(),
		bot.WithHTTPClient(time.Minute, newClient(t, 30*time.Second)))
	require.NoError(t, err)
	var w tokenWitness
	s := botkit.NewSender(b, w.options(clock))
	ctx := testCtx(t)

	var errs []error
	_, err = send(ctx, s, 1, "hello")
	errs = append(errs, err)
	_, _, err = s.DownloadFile(ctx, "some-file")
	errs = append(errs, err)
	errs = append(errs, botkit.SetWebhook(ctx, b, botkit.WebhookConfig{URL: "https://example.org/hook", Secret: "s3cret"}))
	errs = append(errs, botkit.DeleteWebhook(ctx, b, false))
	for i, err := range errs {
		w.add(err)
		assert.ErrorIs(t, err, botkit.ErrMalformedToken, "call %d", i)
	}
	w.assertNoSecret(t)
	assert.Empty(t, srv.Calls(), "no call can succeed with this token")
	assert.Empty(t, clock.Waits(), "a malformed token is not retried")
}

// TestSenderRedactsTheTokenFromRequestErrors makes go-telegram/bot fail to
// build its request with a valid token (a server URL that does not parse):
// the error quotes the URL, token and all.
func TestSenderRedactsTheTokenFromRequestErrors(t *testing.T) {
	clock := newFakeClock(true)
	b, err := bot.New(testToken, bot.WithServerURL("http://bad host"), bot.WithSkipGetMe())
	require.NoError(t, err)
	var w tokenWitness
	s := botkit.NewSender(b, w.options(clock))
	attempts := 0
	// getMe has no parameters: go-telegram/bot leaks a goroutine when it
	// cannot build a request that has some.
	err = s.Do(testCtx(t), "getMe", 0, botkit.Unpaced, func(ctx context.Context, _ int64) error {
		attempts++
		_, err := s.Bot().GetMe(ctx)
		return err
	})
	require.Error(t, err)
	w.add(err)
	w.assertNoSecret(t)
	assert.Contains(t, err.Error(), "***", "the token's place is marked")
	assert.Nil(t, botkit.AsAPIError("getMe", err))
	var ue *url.Error
	require.ErrorAs(t, err, &ue, "the class of the error is kept")
	assert.Equal(t, "parse", ue.Op)
	assert.NotContains(t, ue.Error(), testSecret)
	assert.Equal(t, 1, attempts, "a request that cannot be built is not retried")
	w.mu.Lock()
	assert.Len(t, w.errs, 2, "OnError was told")
	w.mu.Unlock()
}

var errRefused = errors.New("refused")

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDownloadFileRedactsTheToken downloads through an HTTP client whose
// transport names the URL (with the token) in its error, as some proxies
// and instrumented transports do.
func TestDownloadFileRedactsTheToken(t *testing.T) {
	clock := newFakeClock(true)
	srv := newServer(t, telegramtest.Options{Token: testToken, Now: clock.Now})
	var w tokenWitness
	opts := w.options(clock)
	opts.FileClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("%w: no route to %s", errRefused, r.URL)
	})}
	s := botkit.NewSender(newBot(t, srv), opts)
	m, err := srv.Send(telegramtest.Incoming{ChatID: 1, Media: telegramtest.MediaDocument, File: []byte("data"), FileName: "a.txt"})
	require.NoError(t, err)
	_, _, err = s.DownloadFile(testCtx(t), m.Document.FileID)
	require.ErrorIs(t, err, errRefused, "the cause is kept")
	w.add(err)
	w.assertNoSecret(t)
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	assert.NotContains(t, ue.Error(), testSecret)
}

func TestNewPollerRejectsMalformedTokens(t *testing.T) {
	d := botkit.NewDispatcher(func(context.Context, *models.Update) error { return nil }, botkit.DispatcherOptions{Logger: quietLogger()})
	defer func() { require.NoError(t, d.Shutdown(context.Background())) }()
	for _, token := range []string{testToken + "\r", testToken + "\n", testToken + " ", "987654:AAH/secret"} {
		p, err := botkit.NewPoller(token, d, botkit.PollerOptions{Logger: quietLogger()})
		assert.Nil(t, p)
		require.ErrorIs(t, err, botkit.ErrMalformedToken, "%q", token)
		assert.NotContains(t, err.Error(), testSecret)
	}
	p, err := botkit.NewPoller(testToken, d, botkit.PollerOptions{Logger: quietLogger()})
	require.NoError(t, err)
	assert.NotNil(t, p)
}

// BenchmarkValidToken measures the check every Sender call makes, against
// the regular expression it implements as a baseline.
func BenchmarkValidToken(b *testing.B) {
	b.Run("ValidToken", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if botkit.ValidToken(testToken) != nil {
				b.Fatal("refused")
			}
		}
	})
	b.Run("regexp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !tokenShape.MatchString(testToken) {
				b.Fatal("refused")
			}
		}
	})
}
