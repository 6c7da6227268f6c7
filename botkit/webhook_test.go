package botkit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

func TestWebhookStatusCodes(t *testing.T) {
	var handled atomic.Int64
	st := memstore.New(memstore.Options{})
	defer st.Close()
	d := botkit.NewDispatcher(func(context.Context, *models.Update) error { handled.Add(1); return nil },
		botkit.DispatcherOptions{Logger: quietLogger(), Dedup: botkit.NewDedup(st, botkit.DedupOptions{})})
	h := botkit.NewWebhook(d, botkit.WebhookOptions{Secret: "s3cret_-X", MaxBodyBytes: 256, Logger: quietLogger()})
	update := `{"update_id":5,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"hi"}}`
	tests := []struct {
		name, method, secret, body string
		want                       int
	}{
		{"accepted", http.MethodPost, "s3cret_-X", update, http.StatusOK},
		{"redelivery accepted", http.MethodPost, "s3cret_-X", update, http.StatusOK},
		{"get", http.MethodGet, "s3cret_-X", "", http.StatusMethodNotAllowed},
		{"put", http.MethodPut, "s3cret_-X", update, http.StatusMethodNotAllowed},
		{"wrong secret", http.MethodPost, "s3cret_-Y", update, http.StatusUnauthorized},
		{"no secret", http.MethodPost, "", update, http.StatusUnauthorized},
		{"prefix of the secret", http.MethodPost, "s3cret", update, http.StatusUnauthorized},
		{"too large", http.MethodPost, "s3cret_-X", `{"update_id":6,"message":{"text":"` + strings.Repeat("a", 300) + `"}}`, http.StatusRequestEntityTooLarge},
		{"malformed JSON", http.MethodPost, "s3cret_-X", `{"update_id":`, http.StatusBadRequest},
		{"not an update", http.MethodPost, "s3cret_-X", `[1,2]`, http.StatusBadRequest},
		{"no update ID", http.MethodPost, "s3cret_-X", `{"message":{}}`, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/hook", strings.NewReader(tc.body))
			if tc.secret != "" {
				req.Header.Set(botkit.SecretHeader, tc.secret)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tc.want, rec.Code)
		})
	}
	t.Run("too large without Content-Length", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(strings.Repeat(" ", 300)+update))
		req.ContentLength = -1
		req.Header.Set(botkit.SecretHeader, "s3cret_-X")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	})
	require.NoError(t, d.Shutdown(context.Background()))
	assert.Equal(t, int64(1), handled.Load(), "the redelivery is dropped")
	t.Run("after shutdown", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(strings.Replace(update, `"update_id":5`, `"update_id":7`, 1)))
		req.Header.Set(botkit.SecretHeader, "s3cret_-X")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "Telegram must retry later")
	})
}

func TestWebhookEndToEnd(t *testing.T) {
	clock := newFakeClock(true)
	srv := newServer(t, telegramtest.Options{Now: clock.Now})
	b := newBot(t, srv)
	s := botkit.NewSender(b, botkit.SenderOptions{Clock: clock, Logger: quietLogger()})
	got := make(chan string, 10)
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		err := replyHandler(s)(ctx, upd)
		got <- upd.Message.Text
		return err
	}, botkit.DispatcherOptions{Logger: quietLogger()})
	hook := httptest.NewServer(botkit.NewWebhook(d, botkit.WebhookOptions{Secret: "abc_DEF-123", Logger: quietLogger()}))
	defer hook.Close()
	ctx := testCtx(t)

	require.Error(t, botkit.SetWebhook(ctx, b, botkit.WebhookConfig{URL: hook.URL, Secret: "bad secret!"}))
	require.Error(t, botkit.SetWebhook(ctx, b, botkit.WebhookConfig{Secret: "ok"}))
	require.NoError(t, botkit.SetWebhook(ctx, b, botkit.WebhookConfig{URL: hook.URL, Secret: "abc_DEF-123"}))
	for _, text := range []string{"one", "two", "three"} {
		_, err := srv.SendText(1, text)
		require.NoError(t, err)
	}
	for _, want := range []string{"one", "two", "three"} {
		assert.Equal(t, want, <-got)
	}
	_, err := srv.WaitReplies(ctx, 1, 1)
	require.NoError(t, err)
	for _, dl := range srv.WebhookDeliveries() {
		assert.Equal(t, http.StatusOK, dl.Status)
	}
	require.NoError(t, botkit.DeleteWebhook(ctx, b, false))
	require.NoError(t, d.Shutdown(ctx))
	assert.Equal(t, []string{"re:one", "re:two", "re:three"}, botTexts(srv, 1))
}

func TestValidSecret(t *testing.T) {
	assert.True(t, botkit.ValidSecret("a"))
	assert.True(t, botkit.ValidSecret(strings.Repeat("Z", 256)))
	assert.False(t, botkit.ValidSecret(""))
	assert.False(t, botkit.ValidSecret(strings.Repeat("Z", 257)))
	assert.False(t, botkit.ValidSecret("no spaces"))
	assert.False(t, botkit.ValidSecret("ünïcode"))
}

func FuzzWebhookBody(f *testing.F) {
	f.Add(`{"update_id":5,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"hi"}}`)
	f.Add(`{"update_id":-1}`)
	f.Add(`{"update_id":1,"callback_query":{"message":{"message_id":0,"date":0,"chat":{"id":3}}}}`)
	f.Add(`null`)
	f.Add(`{"update_id":1e400}`)
	d := botkit.NewDispatcher(func(context.Context, *models.Update) error { return nil },
		botkit.DispatcherOptions{Logger: quietLogger()})
	defer d.Shutdown(context.Background())
	h := botkit.NewWebhook(d, botkit.WebhookOptions{Logger: quietLogger()})
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}

func TestWebhookAwaitHandled(t *testing.T) {
	started := make(chan struct{})
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		if upd.ID == 1 {
			return nil
		}
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}, botkit.DispatcherOptions{Logger: quietLogger()})
	h := botkit.NewWebhook(d, botkit.WebhookOptions{AwaitHandled: true, Logger: quietLogger()})
	post := func(id string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"update_id":`+id+`,"message":{"chat":{"id":1}}}`)))
		return rec.Code
	}
	assert.Equal(t, http.StatusOK, post("1"), "answered once handled")
	code := make(chan int)
	go func() { code <- post("2") }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, d.Shutdown(ctx), context.Canceled)
	assert.Equal(t, http.StatusServiceUnavailable, <-code, "a cancelled update is left for Telegram to deliver again")
}
