package telegramtest_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

func TestWaitFor(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	found := make(chan telegramtest.Call, 1)
	errs := make(chan error, 1)
	go func() {
		c, err := srv.WaitFor(testCtx(t), func(c telegramtest.Call) bool {
			return c.Method == "editMessageText" && c.OK()
		})
		found <- c
		errs <- err
	}()
	msg, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "a"})
	require.NoError(t, err)
	_, err = b.EditMessageText(testCtx(t), &bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: "b"})
	require.NoError(t, err)
	c := <-found
	require.NoError(t, <-errs)
	assert.Equal(t, msg.ID, c.MessageID)
	assert.Equal(t, "b", c.Text)
	assert.Equal(t, 2, c.Seq)

	// Calls already in the log match at once.
	again, err := srv.WaitFor(testCtx(t), func(c telegramtest.Call) bool { return c.Method == "sendMessage" })
	require.NoError(t, err)
	assert.Equal(t, 1, again.Seq)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = srv.WaitFor(ctx, func(telegramtest.Call) bool { return false })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = srv.WaitReplies(ctx, user, 5)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestWaitEndsOnClose(t *testing.T) {
	srv := telegramtest.New(telegramtest.Options{})
	errs := make(chan error, 1)
	go func() {
		_, err := srv.WaitReplies(context.Background(), user, 1)
		errs <- err
	}()
	srv.Close()
	require.ErrorIs(t, <-errs, telegramtest.ErrClosed)
}

func TestManyChatsConcurrently(t *testing.T) {
	srv := newServer(t, telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
	b := newBot(t, srv, bot.WithWorkers(4), bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "re: " + u.Message.Text})
	}))
	startBot(t, b)
	const chats = 20
	var wg sync.WaitGroup
	for i := int64(1); i <= chats; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := srv.SendText(i, strconv.FormatInt(i, 10))
			assert.NoError(t, err)
			replies, err := srv.WaitReplies(testCtx(t), i, 1)
			if assert.NoError(t, err) {
				assert.Equal(t, "re: "+strconv.FormatInt(i, 10), replies[0].Text)
			}
		}()
	}
	wg.Wait()
	assert.Len(t, srv.Calls(), chats)
	assert.Positive(t, srv.Polls())
}
