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

func TestMaxCallLogAndOnCall(t *testing.T) {
	for _, tc := range []struct {
		name     string
		max      int
		wantSeqs []int
	}{
		{"unlimited", 0, []int{1, 2, 3, 4, 5, 6, 7}},
		{"capped", 3, []int{5, 6, 7}},
		{"none", -1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []int
			srv, b := chatWithUser(t, telegramtest.Options{
				Pacing:     telegramtest.Pacing{Disabled: true},
				MaxCallLog: tc.max,
				OnCall:     func(c telegramtest.Call) { seen = append(seen, c.Seq) },
			})
			for i := range 7 {
				_, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: strconv.Itoa(i)})
				require.NoError(t, err)
			}
			var seqs []int
			for _, c := range srv.Calls() {
				seqs = append(seqs, c.Seq)
			}
			assert.Equal(t, tc.wantSeqs, seqs)
			assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7}, seen, "OnCall sees every call")

			if tc.max < 0 {
				return
			}
			// WaitFor finds a call made after the log was trimmed.
			go func() {
				_, _ = b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "last"})
			}()
			c, err := srv.WaitFor(testCtx(t), func(c telegramtest.Call) bool { return c.Text == "last" })
			require.NoError(t, err)
			assert.Equal(t, 8, c.Seq)
		})
	}
}

func TestMaxChatHistory(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{MaxChatHistory: 3})
	var sent []*models.Message
	for i := range 9 {
		m, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: strconv.Itoa(i)})
		require.NoError(t, err)
		sent = append(sent, m)
	}
	kept := srv.Messages(user)
	assert.GreaterOrEqual(t, len(kept), 3)
	assert.Less(t, len(kept), 6)
	assert.Equal(t, "8", kept[len(kept)-1].Text, "the newest messages are kept")

	_, err := b.EditMessageText(testCtx(t), &bot.EditMessageTextParams{ChatID: user, MessageID: sent[0].ID, Text: "x"})
	require.ErrorIs(t, err, bot.ErrorBadRequest, "a forgotten message cannot be edited")
	_, err = b.EditMessageText(testCtx(t), &bot.EditMessageTextParams{ChatID: user, MessageID: sent[8].ID, Text: "x"})
	require.NoError(t, err)

	// Replies are still counted from the last user message.
	_, err = srv.SendText(user, "again")
	require.NoError(t, err)
	_, err = b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "reply"})
	require.NoError(t, err)
	got, err := srv.WaitReplies(testCtx(t), user, 1)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "reply", got[0].Text)
}
