package vipsession_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// expectRefused checks that a turn is refused by quota q, resetting at resets.
func expectRefused(t *testing.T, m *vipsession.Manager, q vipsession.Quota, resets time.Time) {
	t.Helper()
	_, err := m.Begin(context.Background(), user(1), vipsession.BeginOptions{})
	var qe *vipsession.QuotaError
	require.ErrorAs(t, err, &qe)
	assert.Equal(t, q, qe.Quota)
	assert.True(t, resets.Equal(qe.Resets), "resets %v, want %v", qe.Resets, resets)
}

func TestDayRolloverInShanghai(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.RequestsPerDay = 2
		// 23:30 in Shanghai is 15:30 UTC: the UTC day would not roll over at
		// Shanghai's midnight.
		clk := newClock(time.Date(2026, 11, 25, 23, 30, 0, 0, sh))
		m := newManager(t, st, clk, tier, func(o *vipsession.Options) { o.Location = sh })

		turn(t, m, user(1), "a", "b")
		turn(t, m, user(1), "c", "d")
		midnight := time.Date(2026, 11, 26, 0, 0, 0, 0, sh)
		expectRefused(t, m, vipsession.QuotaRequestsPerDay, midnight)
		stat, err := m.Status(context.Background(), user(1))
		require.NoError(t, err)
		assert.True(t, stat.Day.Resets.Equal(midnight))
		assert.True(t, stat.Day.Start.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, sh)))
		assert.Equal(t, int64(2), stat.Day.Requests.Used)

		clk.Set(midnight.Add(-time.Nanosecond))
		expectRefused(t, m, vipsession.QuotaRequestsPerDay, midnight)
		clk.Set(midnight)
		turn(t, m, user(1), "e", "f")
		stat, err = m.Status(context.Background(), user(1))
		require.NoError(t, err)
		assert.Equal(t, int64(1), stat.Day.Requests.Used)
		assert.Equal(t, int64(3), stat.Month.Requests.Used)
	})
}

func TestMonthRolloverInShanghai(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.RequestsPerMonth = 1
		clk := newClock(time.Date(2026, 11, 30, 23, 59, 0, 0, sh))
		m := newManager(t, st, clk, tier, func(o *vipsession.Options) { o.Location = sh })
		turn(t, m, user(1), "a", "b")
		dec := time.Date(2026, 12, 1, 0, 0, 0, 0, sh)
		expectRefused(t, m, vipsession.QuotaRequestsPerMonth, dec)
		clk.Set(dec)
		turn(t, m, user(1), "c", "d")
		expectRefused(t, m, vipsession.QuotaRequestsPerMonth, time.Date(2027, 1, 1, 0, 0, 0, 0, sh))
	})
}

func TestDayRolloverAcrossDSTInLosAngeles(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	tests := []struct {
		name  string
		day   time.Time // a day with a clock change
		hours time.Duration
	}{
		{"fall back, 25 hours", time.Date(2026, 11, 1, 0, 0, 0, 0, la), 25 * time.Hour},
		{"spring forward, 23 hours", time.Date(2026, 3, 8, 0, 0, 0, 0, la), 23 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, st store.Store) {
				tier := testTier("free")
				tier.RequestsPerDay = 1
				clk := newClock(tt.day.Add(30 * time.Minute))
				m := newManager(t, st, clk, tier, func(o *vipsession.Options) { o.Location = la })
				next := tt.day.AddDate(0, 0, 1)
				require.Equal(t, tt.hours, next.Sub(tt.day))

				turn(t, m, user(1), "a", "b")
				// The last minute of the long or short day still counts
				// as that day.
				clk.Set(next.Add(-time.Minute))
				expectRefused(t, m, vipsession.QuotaRequestsPerDay, next)
				stat, err := m.Status(context.Background(), user(1))
				require.NoError(t, err)
				assert.Equal(t, tt.hours, stat.Day.Resets.Sub(stat.Day.Start))
				clk.Set(next)
				turn(t, m, user(1), "c", "d")
			})
		})
	}
}

func TestMonthRolloverInLosAngeles(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.TokensPerMonth = 100
		// October 31, 23:00 PDT is November 1, 06:00 UTC.
		clk := newClock(time.Date(2026, 10, 31, 23, 0, 0, 0, la))
		m := newManager(t, st, clk, tier, func(o *vipsession.Options) { o.Location = la })
		ctx := context.Background()
		s, err := m.Begin(ctx, user(1), vipsession.BeginOptions{EstimatedTokens: 100})
		require.NoError(t, err)
		require.NoError(t, s.Commit(ctx, vipsession.Result{}))
		_, err = m.Begin(ctx, user(1), vipsession.BeginOptions{EstimatedTokens: 1})
		var qe *vipsession.QuotaError
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, vipsession.QuotaTokensPerMonth, qe.Quota)
		assert.True(t, qe.Resets.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, la)))
		clk.Advance(time.Hour)
		s, err = m.Begin(ctx, user(1), vipsession.BeginOptions{EstimatedTokens: 100})
		require.NoError(t, err)
		require.NoError(t, s.Abort(ctx))
	})
}

func TestCommitAfterRolloverLeavesNewWindowAlone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.TokensPerDay = 1000
		clk := newClock(time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC))
		m := newManager(t, st, clk, tier, nil)
		ctx := context.Background()
		s, err := m.Begin(ctx, user(1), vipsession.BeginOptions{EstimatedTokens: 100})
		require.NoError(t, err)
		clk.Advance(2 * time.Minute)
		require.NoError(t, s.Commit(ctx, vipsession.Result{PromptTokens: 500, OutputTokens: 300}))
		stat, err := m.Status(ctx, user(1))
		require.NoError(t, err)
		assert.Equal(t, int64(0), stat.Day.Tokens.Used)
		assert.Equal(t, int64(0), stat.Day.Requests.Used)
		assert.Equal(t, int64(800), stat.Month.Tokens.Used)
	})
}
