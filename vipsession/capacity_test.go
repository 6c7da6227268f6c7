package vipsession_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

func TestCapacityEvictsLeastRecentlyActive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("vip")
		tier.Capacity = 2
		clk := newClock(t0)
		m := newManager(t, st, clk, tier, nil)
		ctx := context.Background()
		active := func() []int64 {
			ids, err := m.ActiveSessions(ctx, "vip")
			require.NoError(t, err)
			return ids
		}

		turn(t, m, user(1), "a1", "r")
		clk.Advance(time.Minute)
		turn(t, m, user(2), "b1", "r")
		clk.Advance(time.Minute)
		turn(t, m, user(1), "a2", "r") // 1 is now more recent than 2
		clk.Advance(time.Minute)
		assert.Equal(t, []int64{2, 1}, active())

		s := turn(t, m, user(3), "c1", "r") // evicts 2
		assert.Equal(t, vipsession.NoReset, s.MemoryReset)
		assert.Equal(t, []int64{1, 3}, active())
		clk.Advance(time.Minute)

		s = turn(t, m, user(1), "a3", "r")
		assert.Len(t, s.History, 4, "a member keeps its memory")
		clk.Advance(time.Minute)

		s = turn(t, m, user(2), "b2", "r") // evicts 3, the least recent now
		assert.Equal(t, vipsession.ResetEvicted, s.MemoryReset)
		assert.Empty(t, s.History, "eviction ended the session's memory")
		assert.Equal(t, []int64{1, 2}, active())
		turns, err := st.RecentTurns(ctx, store.ConversationKey(3, 3, 0), 10)
		require.NoError(t, err)
		assert.Empty(t, turns)

		// Idle members leave on their own.
		clk.Advance(tier.IdleExpiry)
		assert.Empty(t, active())
		s = turn(t, m, user(3), "c2", "r")
		assert.Equal(t, vipsession.NoReset, s.MemoryReset, "old evictions are forgotten with the memory")
	})
}

func TestCapacityNeverEndsARunningReply(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("vip")
		tier.Capacity = 1
		clk := newClock(t0)
		m := newManager(t, st, clk, tier, func(o *vipsession.Options) { o.TurnTimeout = 3 * time.Minute })
		ctx := context.Background()

		s1, err := m.Begin(ctx, user(1), vipsession.BeginOptions{})
		require.NoError(t, err)
		clk.Advance(time.Minute)
		_, err = m.Begin(ctx, user(2), vipsession.BeginOptions{})
		var ce *vipsession.CapacityError
		require.ErrorAs(t, err, &ce)
		require.ErrorIs(t, err, vipsession.ErrCapacity)
		assert.Equal(t, "vip", ce.Tier)
		assert.Equal(t, int64(1), ce.Capacity)
		assert.Equal(t, 2*time.Minute, ce.RetryAfter)
		stat, err := m.Status(ctx, user(2))
		require.NoError(t, err)
		assert.Equal(t, int64(0), stat.Day.Requests.Used, "a refused turn is refunded")

		require.NoError(t, s1.Commit(ctx, vipsession.Result{UserText: "q", ModelText: "a"}))
		turn(t, m, user(2), "now", "fits")
		ids, err := m.ActiveSessions(ctx, "vip")
		require.NoError(t, err)
		assert.Equal(t, []int64{2}, ids)
	})
}

func TestCapacityNeverRefusesOwners(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		closed := testTier("closed")
		closed.Capacity = 0
		clk := newClock(t0)
		m, err := vipsession.New(st, vipsession.Options{
			Tiers:     []vipsession.Tier{closed},
			OwnerTier: "closed", AdminTier: "closed", PrivateTier: "closed", GuestTier: "closed",
			Owners: []int64{1}, Now: clk.Now,
		})
		require.NoError(t, err)
		ctx := context.Background()
		_, err = m.Begin(ctx, user(2), vipsession.BeginOptions{})
		var ce *vipsession.CapacityError
		require.ErrorAs(t, err, &ce)
		assert.Zero(t, ce.RetryAfter)
		for range 3 {
			turn(t, m, user(1), "owner", "always served")
		}
	})
}

func TestCapacityHoldsUnderConcurrentJoins(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("vip")
		tier.Capacity = 3
		m := newManager(t, st, newClock(t0), tier, nil)
		ctx := context.Background()

		const n = 30
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			sessions []*vipsession.Session
			full     atomic.Int64
		)
		for i := range n {
			wg.Go(func() {
				s, err := m.Begin(ctx, user(int64(100+i)), vipsession.BeginOptions{})
				if errors.Is(err, vipsession.ErrCapacity) {
					full.Add(1)
					return
				}
				if assert.NoError(t, err) {
					mu.Lock()
					sessions = append(sessions, s)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		assert.Len(t, sessions, 3, "every admitted session is still waiting for its reply")
		assert.Equal(t, int64(n-3), full.Load())
		ids, err := m.ActiveSessions(ctx, "vip")
		require.NoError(t, err)
		assert.Len(t, ids, 3)
		for _, s := range sessions {
			require.NoError(t, s.Abort(ctx))
		}
	})
}
