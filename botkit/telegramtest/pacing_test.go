package telegramtest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// send sends one message and returns the retry_after of a 429, or 0.
func send(t *testing.T, b *bot.Bot, chatID int64) int {
	t.Helper()
	_, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: chatID, Text: "x"})
	if err == nil {
		return 0
	}
	var tooMany *bot.TooManyRequestsError
	require.True(t, errors.As(err, &tooMany), "%v", err)
	assert.Contains(t, tooMany.Message, "Too Many Requests: retry after")
	return tooMany.RetryAfter
}

func TestPacingPerChat(t *testing.T) {
	clock := newClock()
	srv := newServer(t, telegramtest.Options{Now: clock.Now})
	_, err := srv.SendText(user, "hi")
	require.NoError(t, err)
	b := newBot(t, srv)

	for i := 0; i < 3; i++ {
		require.Zero(t, send(t, b, user), "burst of 3")
	}
	require.Equal(t, 1, send(t, b, user))
	limits := srv.RateLimits()
	require.Len(t, limits, 1)
	assert.Equal(t, telegramtest.RateLimit{At: clock.Now(), Method: "sendMessage", ChatID: user, RetryAfter: 1, Scope: "chat"}, limits[0])

	// Retrying before retry_after has passed is refused again and counted.
	clock.Advance(500 * time.Millisecond)
	require.Equal(t, 1, send(t, b, user))
	assert.Equal(t, 1, srv.EarlyRetries())
	assert.Equal(t, "early", srv.RateLimits()[1].Scope)

	// Once it has passed, the chat may send again, at about one a second.
	clock.Advance(time.Second)
	require.Zero(t, send(t, b, user))
	require.Equal(t, 1, send(t, b, user))
	clock.Advance(time.Second)
	require.Zero(t, send(t, b, user))
	assert.Equal(t, 1, srv.EarlyRetries())

	// Edits and drafts count.
	clock.Advance(10 * time.Second)
	msg, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "a"})
	require.NoError(t, err)
	_, err = b.EditMessageText(testCtx(t), &bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: "b"})
	require.NoError(t, err)
	_, err = b.SendMessageDraft(testCtx(t), &bot.SendMessageDraftParams{ChatID: user, DraftID: "1", Text: "c"})
	require.NoError(t, err)
	_, err = b.EditMessageText(testCtx(t), &bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: "d"})
	var tooMany *bot.TooManyRequestsError
	require.True(t, errors.As(err, &tooMany), "%v", err)
	_, err = b.SendChatAction(testCtx(t), &bot.SendChatActionParams{ChatID: user, Action: "typing"})
	require.NoError(t, err, "chat actions are not paced")

	// Other chats are not affected by one chat's limit.
	_, err = srv.SendText(user+1, "hi")
	require.NoError(t, err)
	require.Zero(t, send(t, b, user+1))
}

func TestPacingPerGroup(t *testing.T) {
	clock := newClock()
	srv := newServer(t, telegramtest.Options{Now: clock.Now, Pacing: telegramtest.Pacing{PerChat: 100, PerChatBurst: 100}})
	const group = int64(-300)
	_, err := srv.SendText(group, "hi")
	require.NoError(t, err)
	b := newBot(t, srv)
	for i := 0; i < 20; i++ {
		require.Zero(t, send(t, b, group), "message %d", i)
	}
	require.Equal(t, 3, send(t, b, group), "20 a minute: the next one in 3 s")
	assert.Equal(t, "group", srv.RateLimits()[0].Scope)
	clock.Advance(3 * time.Second)
	require.Zero(t, send(t, b, group))
	assert.Zero(t, srv.EarlyRetries())
}

func TestPacingGlobal(t *testing.T) {
	clock := newClock()
	srv := newServer(t, telegramtest.Options{Now: clock.Now, Pacing: telegramtest.Pacing{Global: 5}})
	b := newBot(t, srv)
	for i := int64(1); i <= 6; i++ {
		_, err := srv.SendText(i, "hi")
		require.NoError(t, err)
	}
	for i := int64(1); i <= 5; i++ {
		require.Zero(t, send(t, b, i))
	}
	require.Equal(t, 1, send(t, b, 6))
	assert.Equal(t, "global", srv.RateLimits()[0].Scope)
	clock.Advance(time.Second)
	require.Zero(t, send(t, b, 6))
}

func TestPacingDisabled(t *testing.T) {
	srv := newServer(t, telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
	_, err := srv.SendText(user, "hi")
	require.NoError(t, err)
	b := newBot(t, srv)
	for i := 0; i < 50; i++ {
		require.Zero(t, send(t, b, user))
	}
	assert.Empty(t, srv.RateLimits())
}
