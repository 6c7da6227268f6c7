package telegramtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// hookRecorder is a webhook that fails its first answers.
type hookRecorder struct {
	mu      sync.Mutex
	fail    int
	secrets []string
	got     []models.Update
	seen    chan struct{}
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secrets = append(h.secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
	if h.fail > 0 {
		h.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var u models.Update
	if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.got = append(h.got, u)
	h.seen <- struct{}{}
}

func TestWebhookDelivery(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	hook := &hookRecorder{fail: 2, seen: make(chan struct{}, 10)}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	b := newBot(t, srv)
	ctx := testCtx(t)

	_, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hs.URL, SecretToken: "bad secret!"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "secret token contains unallowed characters")

	ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hs.URL, SecretToken: "s3cret_-X"})
	require.NoError(t, err)
	require.True(t, ok)

	a := rawCall(t, srv, "getUpdates", nil)
	assert.Equal(t, http.StatusConflict, a.ErrorCode)
	assert.Contains(t, a.Description, "can't use getUpdates method while webhook is active")

	_, err = srv.SendText(user, "one")
	require.NoError(t, err)
	_, err = srv.SendText(user, "two")
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		select {
		case <-hook.seen:
		case <-ctx.Done():
			t.Fatal("webhook not called")
		}
	}
	hook.mu.Lock()
	assert.Equal(t, []string{"s3cret_-X", "s3cret_-X", "s3cret_-X", "s3cret_-X"}, hook.secrets)
	require.Len(t, hook.got, 2)
	assert.Equal(t, "one", hook.got[0].Message.Text)
	assert.Equal(t, "two", hook.got[1].Message.Text)
	hook.mu.Unlock()

	d, err := srv.WaitDelivered(ctx, 2)
	require.NoError(t, err)
	require.Len(t, d, 4)
	assert.Equal(t, d, srv.WebhookDeliveries())
	assert.Equal(t, []int{503, 503, 200, 200}, []int{d[0].Status, d[1].Status, d[2].Status, d[3].Status})
	assert.Equal(t, d[0].UpdateID, d[2].UpdateID, "a failed update is delivered again")
	assert.Equal(t, 0, srv.PendingUpdates())

	info, err := b.GetWebhookInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, hs.URL, info.URL)
	assert.Contains(t, info.LastErrorMessage, "503")

	ok, err = b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{})
	require.NoError(t, err)
	require.True(t, ok)
	_, err = srv.SendText(user, "three")
	require.NoError(t, err)
	ups := getUpdates(t, srv, nil)
	require.Len(t, ups, 1)
	assert.Equal(t, "three", ups[0].Message.Text)
}

func TestWebhookWithRealHandler(t *testing.T) {
	srv := newServer(t, telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
	b := newBot(t, srv, bot.WithWebhookSecretToken("tok"), bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "got " + u.Message.Text})
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.StartWebhook(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	hs := httptest.NewServer(b.WebhookHandler())
	defer hs.Close()
	_, err := b.SetWebhook(testCtx(t), &bot.SetWebhookParams{URL: hs.URL, SecretToken: "tok", DropPendingUpdates: true})
	require.NoError(t, err)
	_, err = srv.SendText(user, "ping")
	require.NoError(t, err)
	replies, err := srv.WaitReplies(testCtx(t), user, 1)
	require.NoError(t, err)
	assert.Equal(t, "got ping", replies[0].Text)
	_, err = b.DeleteWebhook(testCtx(t), &bot.DeleteWebhookParams{})
	require.NoError(t, err)
}
