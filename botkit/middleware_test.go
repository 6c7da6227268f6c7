package botkit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
)

func TestRecover(t *testing.T) {
	var buf bytes.Buffer
	h := botkit.Chain(func(context.Context, *models.Update) error { panic("kaboom") },
		botkit.Recover(slog.New(slog.NewTextHandler(&buf, nil))))
	err := h(context.Background(), msgUpdate(77, 1, ""))
	require.ErrorIs(t, err, botkit.ErrPanic)
	assert.Contains(t, err.Error(), "kaboom")
	assert.Contains(t, buf.String(), "update_id=77")
}

func TestLogging(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fail := errors.New("nope")
	h := botkit.Chain(func(ctx context.Context, upd *models.Update) error {
		if upd.ID == 2 {
			return fail
		}
		return nil
	}, botkit.Logging(log))
	require.NoError(t, h(context.Background(), msgUpdate(1, 5, "secret text")))
	require.ErrorIs(t, h(context.Background(), msgUpdate(2, 6, "")), fail)
	out := buf.String()
	assert.Contains(t, out, "update_id=1 ")
	assert.Contains(t, out, "chat_id=5")
	assert.Contains(t, out, "user_id=5")
	assert.Contains(t, out, "level=ERROR")
	assert.Contains(t, out, "err=nope")
	assert.NotContains(t, out, "secret text", "message text is not logged")
}

func TestAllowList(t *testing.T) {
	var got []int64
	h := botkit.Chain(func(ctx context.Context, upd *models.Update) error {
		got = append(got, upd.ID)
		return nil
	}, botkit.AllowList(10, -500))
	group := msgUpdate(3, -500, "")
	group.Message.From = &models.User{ID: 99}
	for _, u := range []*models.Update{msgUpdate(1, 10, ""), msgUpdate(2, 11, ""), group, {ID: 4}} {
		require.NoError(t, h(context.Background(), u))
	}
	assert.Equal(t, []int64{1, 3}, got)
}

func TestRateLimitPerUser(t *testing.T) {
	clock := newFakeClock(false)
	var mu sync.Mutex
	passed := map[int64]int{}
	limited := 0
	h := botkit.Chain(func(ctx context.Context, upd *models.Update) error {
		mu.Lock()
		passed[botkit.UserFrom(ctx).ID]++
		mu.Unlock()
		return nil
	}, func(next botkit.Handler) botkit.Handler {
		return func(ctx context.Context, upd *models.Update) error {
			return next(botkit.WithUpdate(ctx, upd), upd)
		}
	}, botkit.RateLimit(botkit.RateLimitOptions{
		Rate: rate.Every(10 * time.Second), Burst: 2, Clock: clock,
		Limited: func(context.Context, *models.Update) error { limited++; return nil },
	}))
	for i := int64(1); i <= 5; i++ {
		require.NoError(t, h(context.Background(), msgUpdate(i, 1, "")))
	}
	require.NoError(t, h(context.Background(), msgUpdate(6, 2, "")))
	assert.Equal(t, 2, passed[1], "burst of 2 for user 1")
	assert.Equal(t, 1, passed[2], "users are limited apart")
	assert.Equal(t, 3, limited)
	clock.Advance(10 * time.Second)
	require.NoError(t, h(context.Background(), msgUpdate(7, 1, "")))
	assert.Equal(t, 3, passed[1], "a token comes back after 10 s")
	// Updates without a user pass.
	require.NoError(t, botkit.RateLimit(botkit.RateLimitOptions{Clock: clock})(func(context.Context, *models.Update) error { return nil })(context.Background(), &models.Update{ID: 9}))
}

func TestChainOrder(t *testing.T) {
	var trace []string
	mw := func(name string) botkit.Middleware {
		return func(next botkit.Handler) botkit.Handler {
			return func(ctx context.Context, upd *models.Update) error {
				trace = append(trace, name)
				return next(ctx, upd)
			}
		}
	}
	h := botkit.Chain(func(context.Context, *models.Update) error { trace = append(trace, "h"); return nil }, mw("a"), mw("b"))
	require.NoError(t, h(context.Background(), &models.Update{}))
	assert.Equal(t, []string{"a", "b", "h"}, trace)
}

func TestContextAccessors(t *testing.T) {
	ctx := context.Background()
	assert.Nil(t, botkit.UpdateFrom(ctx))
	assert.Nil(t, botkit.UserFrom(ctx))
	assert.Nil(t, botkit.ChatFrom(ctx))
	cb := &models.Update{ID: 3, CallbackQuery: &models.CallbackQuery{
		From:    models.User{ID: 8},
		Message: models.MaybeInaccessibleMessage{Message: &models.Message{Chat: models.Chat{ID: -9}}},
	}}
	tests := []struct {
		name         string
		upd          *models.Update
		user, chatID int64
	}{
		{"message", msgUpdate(1, 4, ""), 4, 4},
		{"callback", cb, 8, -9},
		{"inline query", &models.Update{ID: 4, InlineQuery: &models.InlineQuery{From: &models.User{ID: 6}}}, 6, 0},
		{"channel post", &models.Update{ID: 5, ChannelPost: &models.Message{Chat: models.Chat{ID: -100}}}, 0, -100},
		{"member", &models.Update{ID: 6, MyChatMember: &models.ChatMemberUpdated{Chat: models.Chat{ID: -7}, From: models.User{ID: 2}}}, 2, -7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := botkit.WithUpdate(ctx, tc.upd)
			assert.Same(t, tc.upd, botkit.UpdateFrom(ctx))
			if tc.user == 0 {
				assert.Nil(t, botkit.UserFrom(ctx))
			} else {
				assert.Equal(t, tc.user, botkit.UserFrom(ctx).ID)
			}
			if tc.chatID == 0 {
				assert.Nil(t, botkit.ChatFrom(ctx))
			} else {
				assert.Equal(t, tc.chatID, botkit.ChatFrom(ctx).ID)
			}
		})
	}
}
