package telegramtest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

func TestFaultServerErrorNextN(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "sendMessage", Times: 2, Status: 502})
	ctx := testCtx(t)
	for i := 0; i < 2; i++ {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: user, Text: "x"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "502 Bad Gateway")
	}
	_, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: user, Action: "typing"})
	require.NoError(t, err, "other methods are not disturbed")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: user, Text: "x"})
	require.NoError(t, err, "the fault is used up")
	calls := srv.Calls()
	assert.Equal(t, "server_error", calls[0].Fault)
	assert.Equal(t, 502, calls[0].Status)
}

func TestFaultSlowAndDrop(t *testing.T) {
	srv, _ := chatWithUser(t, telegramtest.Options{})
	impatient := newBot(t, srv, bot.WithHTTPClient(time.Minute, &http.Client{Timeout: 50 * time.Millisecond}))
	remove := srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultSlow, ChatID: user})
	_, err := impatient.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "x"})
	require.Error(t, err)
	var netErr interface{ Timeout() bool }
	require.True(t, errors.As(err, &netErr) && netErr.Timeout(), "%v", err)
	remove()

	// A slow answer with a delay is served after it.
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultSlow, Delay: time.Millisecond, Times: 1})
	b := newBot(t, srv)
	_, err = b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "late"})
	require.NoError(t, err)

	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultDrop, Times: 1})
	_, err = b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "x"})
	require.Error(t, err)
	assert.NotErrorIs(t, err, bot.ErrorBadRequest)
	_, err = b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "x"})
	require.NoError(t, err)
}

func TestFaultTooManyRequestsStorm(t *testing.T) {
	clock := newClock()
	srv, b := chatWithUser(t, telegramtest.Options{Now: clock.Now})
	_, err := srv.SendText(user+1, "hi")
	require.NoError(t, err)
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, ChatID: user, RetryAfter: 7, For: 20 * time.Second})

	require.Equal(t, 7, send(t, b, user))
	require.Zero(t, send(t, b, user+1), "only the chat is in the storm")
	clock.Advance(7 * time.Second)
	require.Equal(t, 7, send(t, b, user), "still storming, but waited: not early")
	assert.Zero(t, srv.EarlyRetries())
	clock.Advance(time.Second)
	require.Equal(t, 7, send(t, b, user))
	assert.Equal(t, 1, srv.EarlyRetries())
	clock.Advance(20 * time.Second)
	require.Zero(t, send(t, b, user), "the storm is over")
	limits := srv.RateLimits()
	require.Len(t, limits, 3)
	assert.Equal(t, "fault", limits[0].Scope)
}

func TestFaultGlobalStormSparesGetUpdates(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, RetryAfter: 3})
	_, err := b.GetMe(testCtx(t))
	var tooMany *bot.TooManyRequestsError
	require.True(t, errors.As(err, &tooMany), "%v", err)
	assert.Equal(t, 3, tooMany.RetryAfter)
	assert.Len(t, getUpdates(t, srv, nil), 1)

	srv.ClearFaults()
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "getUpdates", Times: 1})
	a := rawCall(t, srv, "getUpdates", nil)
	assert.Equal(t, 500, a.ErrorCode)
	assert.Len(t, getUpdates(t, srv, nil), 1)
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	failures := func(seed int64) int {
		srv, b := chatWithUser(t, telegramtest.Options{Seed: seed})
		srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Probability: 0.3})
		n := 0
		for i := 0; i < 40; i++ {
			if _, err := b.SendChatAction(context.Background(), &bot.SendChatActionParams{ChatID: user, Action: "typing"}); err != nil {
				n++
			}
		}
		return n
	}
	first := failures(5)
	assert.Equal(t, first, failures(5), "the same seed disturbs the same calls")
	assert.Greater(t, first, 2)
	assert.Less(t, first, 38)
}

func TestStormOnChatActionsIsNotEarly(t *testing.T) {
	clock := newClock()
	srv, b := chatWithUser(t, telegramtest.Options{Now: clock.Now})
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, ChatID: user, RetryAfter: 4, For: time.Minute})
	for i := 0; i < 3; i++ {
		_, err := b.SendChatAction(testCtx(t), &bot.SendChatActionParams{ChatID: user, Action: "typing"})
		require.True(t, bot.IsTooManyRequestsError(err), "%v", err)
	}
	assert.Zero(t, srv.EarlyRetries())
	require.Equal(t, 4, send(t, b, user))
	assert.Equal(t, 1, srv.EarlyRetries(), "a message inside the chat's retry_after is early")
}

func TestFaultCustomRefusal(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "sendMessage", Times: 1,
		Status: 400, Description: "Bad Request: can't parse entities: odd"})
	_, err := b.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: user, Text: "x"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "can't parse entities: odd")
}
