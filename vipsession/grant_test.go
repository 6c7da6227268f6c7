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

func defaultManager(t *testing.T, st store.Store, clk *clock) *vipsession.Manager {
	t.Helper()
	m, err := vipsession.New(st, vipsession.Options{Owners: []int64{1}, Admins: []int64{2}, Now: clk.Now})
	require.NoError(t, err)
	return m
}

func TestTierResolution(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		clk := newClock(t0)
		m := defaultManager(t, st, clk)
		ctx := context.Background()
		group := func(id int64) vipsession.Identity { return vipsession.Identity{UserID: id, ChatID: -5} }

		_, err := m.Grant(ctx, 3, vipsession.TierPremium, time.Hour, 1, "paid")
		require.NoError(t, err)
		_, err = m.Grant(ctx, 1, vipsession.TierGuest, time.Hour, 1, "a grant does not demote the owner")
		require.NoError(t, err)
		tests := []struct {
			name   string
			id     vipsession.Identity
			tier   string
			source vipsession.Source
			role   vipsession.Role
		}{
			{"owner", group(1), vipsession.TierOwner, vipsession.SourceOwner, vipsession.RoleOwner},
			{"admin", group(2), vipsession.TierVIP, vipsession.SourceAdmin, vipsession.RoleAdmin},
			{"grant", group(3), vipsession.TierPremium, vipsession.SourceGrant, vipsession.RoleUser},
			{"stranger in a group", group(4), vipsession.TierGuest, vipsession.SourceGuest, vipsession.RoleUser},
			{"private chat", user(4), vipsession.TierFree, vipsession.SourcePrivate, vipsession.RoleUser},
			{"in a group after a private chat", group(4), vipsession.TierFree, vipsession.SourcePrivate, vipsession.RoleUser},
		}
		for _, tt := range tests {
			stat, err := m.Status(ctx, tt.id)
			require.NoError(t, err, tt.name)
			assert.Equal(t, tt.tier, stat.Tier.Name, tt.name)
			assert.Equal(t, tt.source, stat.Source, tt.name)
			assert.Equal(t, tt.role, stat.Role, tt.name)
		}

		// A second manager (another replica) knows the private chat from the store.
		m2 := defaultManager(t, st, clk)
		stat, err := m2.Status(ctx, group(4))
		require.NoError(t, err)
		assert.Equal(t, vipsession.TierFree, stat.Tier.Name)

		s, err := m.Begin(ctx, group(3), vipsession.BeginOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"gemini-flash-latest", "gemini-flash-lite-latest"}, s.Models)
		assert.Equal(t, []string{"paid", "free"}, s.KeyGroups)
		require.NoError(t, s.Abort(ctx))
	})
}

func TestGrantExpiryAndExtension(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		clk := newClock(t0)
		m := defaultManager(t, st, clk)
		ctx := context.Background()

		sub, err := m.Grant(ctx, 10, vipsession.TierVIP, time.Hour, 1, "trial")
		require.NoError(t, err)
		assert.True(t, sub.Expires.Equal(t0.Add(time.Hour)))
		clk.Advance(30 * time.Minute)
		sub, err = m.Grant(ctx, 10, vipsession.TierVIP, 2*time.Hour, 2, "bought")
		require.NoError(t, err)
		assert.True(t, sub.Starts.Equal(t0), "an extension keeps the start")
		assert.True(t, sub.Expires.Equal(t0.Add(3*time.Hour)), "extends from the old expiry")
		assert.Equal(t, int64(2), sub.GrantedBy)

		stat, err := m.Status(ctx, user(10))
		require.NoError(t, err)
		assert.Equal(t, vipsession.TierVIP, stat.Tier.Name)
		require.NotNil(t, stat.Grant)
		assert.True(t, stat.Grant.Expires.Equal(t0.Add(3*time.Hour)))

		active, err := m.Grants(ctx, vipsession.GrantFilter{})
		require.NoError(t, err)
		require.Len(t, active, 1)
		soon, err := m.Grants(ctx, vipsession.GrantFilter{ExpiringWithin: 2 * time.Hour})
		require.NoError(t, err)
		assert.Empty(t, soon)
		soon, err = m.Grants(ctx, vipsession.GrantFilter{ExpiringWithin: 3 * time.Hour})
		require.NoError(t, err)
		assert.Len(t, soon, 1)

		clk.Set(t0.Add(3 * time.Hour)) // the grant ends
		s, err := m.Begin(ctx, user(10), vipsession.BeginOptions{})
		require.NoError(t, err)
		assert.Equal(t, vipsession.TierFree, s.Tier.Name)
		assert.Equal(t, vipsession.SourcePrivate, s.Source)
		require.NoError(t, s.Abort(ctx))
		active, err = m.Grants(ctx, vipsession.GrantFilter{})
		require.NoError(t, err)
		assert.Empty(t, active)
		all, err := m.Grants(ctx, vipsession.GrantFilter{IncludeExpired: true})
		require.NoError(t, err)
		assert.Len(t, all, 1)

		// After expiry a new grant of the same tier starts afresh.
		sub, err = m.Grant(ctx, 10, vipsession.TierVIP, time.Hour, 1, "")
		require.NoError(t, err)
		assert.True(t, sub.Starts.Equal(clk.Now()))
		assert.True(t, sub.Expires.Equal(clk.Now().Add(time.Hour)))
		// Another tier replaces it; Permanent never expires.
		sub, err = m.Grant(ctx, 10, vipsession.TierPremium, vipsession.Permanent, 1, "forever")
		require.NoError(t, err)
		assert.True(t, sub.Expires.IsZero())
		clk.Advance(10 * 365 * 24 * time.Hour)
		stat, err = m.Status(ctx, user(10))
		require.NoError(t, err)
		assert.Equal(t, vipsession.TierPremium, stat.Tier.Name)
	})
}

func TestRevokeAndAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		clk := newClock(t0)
		m := defaultManager(t, st, clk)
		ctx := context.Background()

		_, err := m.Grant(ctx, 10, vipsession.TierVIP, time.Hour, 1, "trial")
		require.NoError(t, err)
		clk.Advance(time.Minute)
		require.NoError(t, m.Revoke(ctx, 10, 2, "abuse"))
		require.ErrorIs(t, m.Revoke(ctx, 10, 2, "again"), vipsession.ErrNoGrant)
		stat, err := m.Status(ctx, vipsession.Identity{UserID: 10, ChatID: -1})
		require.NoError(t, err)
		assert.Equal(t, vipsession.TierGuest, stat.Tier.Name)
		assert.Nil(t, stat.Grant)

		log, err := m.Audit(ctx, 10)
		require.NoError(t, err)
		require.Len(t, log, 2)
		assert.Equal(t, vipsession.ActionGrant, log[0].Action)
		assert.Equal(t, int64(1), log[0].By)
		assert.Equal(t, "trial", log[0].Note)
		assert.True(t, log[0].Expires.Equal(t0.Add(time.Hour)))
		assert.Equal(t, vipsession.ActionRevoke, log[1].Action)
		assert.Equal(t, int64(2), log[1].By)
		assert.Equal(t, vipsession.TierVIP, log[1].Tier)
		assert.True(t, log[1].Time.Equal(t0.Add(time.Minute)))
		none, err := m.Audit(ctx, 11)
		require.NoError(t, err)
		assert.Empty(t, none)
	})
}

func TestGrantRejectsBadInput(t *testing.T) {
	st := backends[0].open(t)
	m := defaultManager(t, st, newClock(t0))
	ctx := context.Background()
	_, err := m.Grant(ctx, 10, "gold", time.Hour, 1, "")
	require.ErrorIs(t, err, vipsession.ErrUnknownTier)
	_, err = m.Grant(ctx, 0, vipsession.TierVIP, time.Hour, 1, "")
	require.ErrorIs(t, err, vipsession.ErrInvalid)
	_, err = m.Grant(ctx, 10, vipsession.TierVIP, 0, 1, "")
	require.ErrorIs(t, err, vipsession.ErrInvalid)
}

func TestGrantOfRemovedTierIsIgnored(t *testing.T) {
	st := backends[0].open(t)
	clk := newClock(t0)
	require.NoError(t, st.PutSubscription(context.Background(), store.Subscription{UserID: 10, Tier: "retired", Starts: t0}))
	m := defaultManager(t, st, clk)
	stat, err := m.Status(context.Background(), user(10))
	require.NoError(t, err)
	assert.Equal(t, vipsession.TierFree, stat.Tier.Name)
}
