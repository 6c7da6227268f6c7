package vipsession_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

func TestSetTiersAtRunTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clk := newClock(t0)
		m := newManager(t, st, clk, testTier("free"), nil)
		turn(t, m, user(1), "q1", "a1")
		held, err := m.Begin(ctx, user(1), vipsession.BeginOptions{Text: "q2"})
		require.NoError(t, err)

		free, own, gold := testTier("free"), testTier("owner"), testTier("gold")
		free.Models, free.MemoryRounds = []string{"model-b"}, 5
		gold.Rank = 5
		require.NoError(t, m.SetTiers([]vipsession.Tier{free, own, gold}))
		assert.Equal(t, []string{"free", "owner", "gold"}, names(m.Tiers()))
		require.NoError(t, held.Commit(ctx, vipsession.Result{UserText: "q2", ModelText: "a2"}), "a session begun before finishes")
		assert.Equal(t, []string{"model-a"}, held.Models, "under the tier it began with")

		s, err := m.Begin(ctx, user(1), vipsession.BeginOptions{Text: "q3"})
		require.NoError(t, err)
		assert.Equal(t, []string{"model-b"}, s.Models, "new turns use the new tier")
		assert.Len(t, s.History, 4, "memory is kept")
		require.NoError(t, s.Abort(ctx))
		_, err = m.Grant(ctx, 2, "gold", vipsession.Permanent, 1, "test")
		require.NoError(t, err, "a new tier can be granted")

		// Checked as New checks: nothing changes on error.
		bad := testTier("free")
		bad.Models = nil
		for _, tiers := range [][]vipsession.Tier{
			{own},             // the private/guest/admin tier "free" is gone
			{bad, own},        // an invalid tier
			{free, own, free}, // a duplicate
		} {
			err := m.SetTiers(tiers)
			require.Error(t, err)
		}
		var ce *vipsession.ConfigError
		require.ErrorAs(t, m.SetTiers([]vipsession.Tier{own}), &ce)
		assert.ErrorIs(t, ce, vipsession.ErrUnknownTier)
		assert.Equal(t, []string{"free", "owner", "gold"}, names(m.Tiers()))
	})
}

func TestSetTiersRacesTurns(t *testing.T) {
	st := backends[0].open(t)
	m := newManager(t, st, newClock(t0), testTier("free"), nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 50 {
			tier := testTier("free")
			tier.MemoryRounds = 1 + i%3
			assert.NoError(t, m.SetTiers([]vipsession.Tier{tier, testTier("owner")}))
		}
	})
	for range 50 {
		turn(t, m, user(1), "q", "a")
	}
	wg.Wait()
}

func names(ts []vipsession.Tier) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}
