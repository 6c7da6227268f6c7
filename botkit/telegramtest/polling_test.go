package telegramtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

func TestEchoThroughRealClient(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	b := newBot(t, srv, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
		if u.Message == nil {
			return
		}
		_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "echo: " + u.Message.Text})
	}))
	startBot(t, b)
	ctx := testCtx(t)

	_, err := srv.SendText(42, "hello")
	require.NoError(t, err)
	replies, err := srv.WaitReplies(ctx, 42, 1)
	require.NoError(t, err)
	assert.Equal(t, "echo: hello", replies[0].Text)

	_, err = srv.SendText(42, "again")
	require.NoError(t, err)
	replies, err = srv.WaitReplies(ctx, 42, 1)
	require.NoError(t, err)
	require.Len(t, replies, 1)
	assert.Equal(t, "echo: again", replies[0].Text)
	assert.Len(t, srv.Messages(42), 4)
}

func TestGetUpdatesOffsets(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	for _, text := range []string{"a", "b", "c"} {
		_, err := srv.SendText(7, text)
		require.NoError(t, err)
	}

	ups := getUpdates(t, srv, url.Values{})
	assert.Equal(t, []int64{1, 2, 3}, updateIDs(ups))
	assert.Equal(t, "a", ups[0].Message.Text)

	// Unconfirmed updates come again.
	assert.Equal(t, []int64{1, 2, 3}, updateIDs(getUpdates(t, srv, url.Values{"offset": {"1"}})))
	// An offset confirms everything below it, for good.
	assert.Equal(t, []int64{3}, updateIDs(getUpdates(t, srv, url.Values{"offset": {"3"}})))
	assert.Equal(t, []int64{3}, updateIDs(getUpdates(t, srv, url.Values{"offset": {"1"}})))
	assert.Equal(t, 1, srv.PendingUpdates())
	// limit
	_, err := srv.SendText(7, "d")
	require.NoError(t, err)
	assert.Equal(t, []int64{3}, updateIDs(getUpdates(t, srv, url.Values{"limit": {"1"}})))
	// A negative offset keeps the last updates only.
	assert.Equal(t, []int64{4}, updateIDs(getUpdates(t, srv, url.Values{"offset": {"-1"}})))
	assert.Empty(t, getUpdates(t, srv, url.Values{"offset": {"5"}}))
	assert.Equal(t, 0, srv.PendingUpdates())
}

func TestGetUpdatesAllowedUpdates(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	b := newBot(t, srv)
	_, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: 7, Text: "x"})
	require.ErrorIs(t, err, bot.ErrorBadRequest, "the chat does not exist before the user writes")
	_, err = srv.SendText(7, "hi")
	require.NoError(t, err)
	sent, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: 7, Text: "pick"})
	require.NoError(t, err)
	_, err = srv.SendCallback(7, sent.ID, "yes")
	require.NoError(t, err)

	ups := getUpdates(t, srv, url.Values{"allowed_updates": {`["callback_query"]`}})
	require.Len(t, ups, 1)
	assert.Equal(t, "yes", ups[0].CallbackQuery.Data)
	assert.Equal(t, sent.ID, ups[0].CallbackQuery.Message.Message.ID)
}

func TestLongPollWakesOnUpdate(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	got := make(chan []models.Update, 1)
	go func() {
		resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/getUpdates", url.Values{"timeout": {"50"}})
		if err != nil {
			got <- nil
			return
		}
		defer resp.Body.Close()
		var a struct {
			Result []models.Update `json:"result"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&a)
		got <- a.Result
	}()
	// Once the poll waits, a second poll is refused; that tells us the
	// first one is parked.
	waitPolling(t, srv)
	_, err := srv.SendText(9, "wake up")
	require.NoError(t, err)
	select {
	case ups := <-got:
		require.Len(t, ups, 1)
		assert.Equal(t, "wake up", ups[0].Message.Text)
	case <-testCtx(t).Done():
		t.Fatal("long poll did not wake")
	}
}

// waitPolling returns once a long poll is parked on the server.
func waitPolling(t *testing.T, srv *telegramtest.Server) {
	t.Helper()
	ctx := testCtx(t)
	for ctx.Err() == nil {
		a := rawCall(t, srv, "getUpdates", url.Values{})
		if !a.OK {
			require.Equal(t, http.StatusConflict, a.ErrorCode)
			assert.Equal(t, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", a.Description)
			return
		}
		runtime.Gosched()
	}
	t.Fatal("no long poll parked")
}

func TestLongPollTimesOut(t *testing.T) {
	srv := newServer(t, telegramtest.Options{MaxLongPoll: 20 * time.Millisecond})
	start := time.Now()
	ups := getUpdates(t, srv, url.Values{"timeout": {"30"}})
	assert.Empty(t, ups)
	assert.Less(t, time.Since(start), 5*time.Second, "MaxLongPoll caps the timeout")
}

func TestCloseEndsLongPoll(t *testing.T) {
	srv := telegramtest.New(telegramtest.Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/getUpdates", url.Values{"timeout": {"50"}})
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitPolling(t, srv)
	srv.Close()
	<-done
	srv.Close() // twice is fine
}
