package botkit

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatermark(t *testing.T) {
	w := newWatermark(10)
	assert.Equal(t, int64(10), w.confirmed())
	for id := int64(10); id <= 14; id++ {
		require.True(t, w.receive(id))
	}
	assert.False(t, w.receive(12), "already received")
	assert.Equal(t, int64(10), w.confirmed())
	w.finish(11, OutcomeHandled)
	w.finish(13, OutcomeDuplicate)
	assert.Equal(t, int64(10), w.confirmed(), "10 is still in flight")
	w.finish(10, OutcomeHandled)
	assert.Equal(t, int64(12), w.confirmed())
	w.finish(12, OutcomeCancelled)
	w.finish(14, OutcomeHandled)
	assert.Equal(t, int64(12), w.confirmed(), "a cancelled update holds the watermark")

	w2 := newWatermark(0)
	require.True(t, w2.receive(5))
	w2.forget(5)
	assert.Equal(t, int64(5), w2.confirmed(), "only updates below 5 are confirmed")
	require.True(t, w2.receive(5), "a forgotten update is taken again")
	w2.finish(5, OutcomeHandled)
	assert.Equal(t, int64(6), w2.confirmed())

	// Long runs compact their queue.
	w3 := newWatermark(1)
	for id := int64(1); id <= 1000; id++ {
		w3.receive(id)
	}
	for id := int64(2); id <= 1000; id++ {
		w3.finish(id, OutcomeHandled)
	}
	assert.Equal(t, int64(1), w3.confirmed())
	w3.finish(1, OutcomeHandled)
	assert.Equal(t, int64(1001), w3.confirmed())
	assert.Empty(t, w3.done)
}

func TestKeyedLimitersEvictIdle(t *testing.T) {
	k := newKeyedLimiters(1, 1, time.Minute)
	t0 := time.Unix(1000, 0)
	for id := int64(1); id <= 100; id++ {
		k.reserve(id, t0)
	}
	assert.Equal(t, 100, k.len())
	k.block(5, t0, t0.Add(10*time.Minute))
	k.reserve(200, t0.Add(2*time.Minute))
	assert.Equal(t, 2, k.len(), "idle keys are dropped, blocked ones kept")
	assert.Equal(t, 8*time.Minute, k.blockedFor(5, t0.Add(2*time.Minute)))
	assert.Equal(t, t0, k.lastLimited(5))
	assert.Zero(t, k.blockedFor(300, t0))
}

func TestAsAPIError(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     int
		sentinel error
		retry    time.Duration
		migrate  int64
	}{
		{"429", &bot.TooManyRequestsError{Message: "too many requests, Too Many Requests: retry after 5", RetryAfter: 5}, 429, ErrTooManyRequests, 5 * time.Second, 0},
		{"migrate", &bot.MigrateError{Message: "bad request: Bad Request: group chat was upgraded", MigrateToChatID: -100123}, 400, ErrChatMigrated, 0, -100123},
		{"blocked", fmt.Errorf("%w, %s", bot.ErrorForbidden, "Forbidden: bot was blocked by the user"), 403, ErrBlocked, 0, 0},
		{"kicked", fmt.Errorf("%w, %s", bot.ErrorForbidden, "Forbidden: bot was kicked from the group chat"), 403, ErrForbidden, 0, 0},
		{"not modified", fmt.Errorf("%w, %s", bot.ErrorBadRequest, "Bad Request: message is not modified: specified new message content is the same"), 400, ErrNotModified, 0, 0},
		{"entities", fmt.Errorf("%w, %s", bot.ErrorBadRequest, "Bad Request: can't parse entities: Unsupported start tag"), 400, ErrBadFormatting, 0, 0},
		{"too big", fmt.Errorf("%w, %s", bot.ErrorBadRequest, "Bad Request: file is too big"), 400, ErrFileTooLarge, 0, 0},
		{"unauthorized", fmt.Errorf("%w, %s", bot.ErrorUnauthorized, "Unauthorized"), 401, ErrUnauthorized, 0, 0},
		{"conflict", fmt.Errorf("%w, %s", bot.ErrorConflict, "Conflict: terminated by other getUpdates request"), 409, ErrConflict, 0, 0},
		{"5xx", errors.New("error response from telegram for method sendMessage, 502 Bad Gateway"), 502, ErrServer, 0, 0},
		{"wrapped", fmt.Errorf("outer: %w", &bot.TooManyRequestsError{Message: "x", RetryAfter: 1}), 429, ErrTooManyRequests, time.Second, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ae := AsAPIError("m", tc.err)
			require.NotNil(t, ae)
			assert.Equal(t, tc.code, ae.Code)
			assert.ErrorIs(t, fmt.Errorf("ctx: %w", ae), tc.sentinel)
			assert.Equal(t, tc.retry, ae.RetryAfter)
			assert.Equal(t, tc.migrate, ae.MigrateTo)
			assert.NotEmpty(t, ae.Error())
			assert.Same(t, ae, AsAPIError("m", fmt.Errorf("again: %w", ae)))
		})
	}
	assert.Nil(t, AsAPIError("m", nil))
	assert.Nil(t, AsAPIError("m", errors.New("dial tcp: connection refused")))
}

func FuzzAsAPIError(f *testing.F) {
	f.Add("error response from telegram for method sendMessage, 502 Bad Gateway")
	f.Add("error response from telegram for method x, ")
	f.Add("error response from telegram for method x, abc")
	f.Add("bad request, Bad Request: message is not modified")
	f.Fuzz(func(t *testing.T, msg string) {
		ae := AsAPIError("m", errors.New(msg))
		if ae != nil && ae.Unwrap() == nil {
			t.Fatalf("unclassified API error %v", ae)
		}
		ae = AsAPIError("m", fmt.Errorf("%w, %s", bot.ErrorBadRequest, msg))
		require.NotNil(t, ae)
		require.Equal(t, 400, ae.Code)
	})
}
