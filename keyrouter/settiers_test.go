package keyrouter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetTiersAtRunTime(t *testing.T) {
	lim := Limits{RPM: 100}
	keys := append(makeKeys(1, "a", "A", "pa", lim), makeKeys(1, "b", "B", "pb", lim)...)
	r, clk := newTestRouter(t, keys, Options{Tiers: map[string][]string{"vip": {"A"}}})
	ctx := now(t, clk)
	group := func(tier string) (string, error) {
		l, err := r.Acquire(ctx, Request{Tier: tier, Model: "m"})
		if err != nil {
			return "", err
		}
		defer l.Release(Outcome{})
		return l.Group(), nil
	}
	g, err := group("vip")
	require.NoError(t, err)
	assert.Equal(t, "A", g)
	held := mustAcquire(t, r, ctx, Request{Tier: "vip", Model: "m"})

	in := map[string][]string{"vip": {"B", "A"}, "free": {"B"}}
	require.NoError(t, r.SetTiers(in))
	in["vip"][0] = "A" // the router keeps its own copy
	g, err = group("vip")
	require.NoError(t, err)
	assert.Equal(t, "B", g, "the new order applies at once")
	g, err = group("free")
	require.NoError(t, err)
	assert.Equal(t, "B", g, "a new tier serves")
	held.Release(Outcome{}) // a lease from before the change finishes normally
	assert.Equal(t, int64(2), r.Stats()[0].Successes, "key A kept its counters")

	// Keys set later resolve against the new tiers.
	require.NoError(t, r.SetKeys(append(keys, makeKeys(1, "c", "C", "pc", lim)...)))
	require.NoError(t, r.SetTiers(map[string][]string{"vip": {"C"}}))
	g, err = group("vip")
	require.NoError(t, err)
	assert.Equal(t, "C", g)
	_, err = group("free")
	assert.ErrorIs(t, err, ErrUnknownTier, "a tier left out is unknown")

	require.NoError(t, r.SetTiers(nil))
	g, err = group("anything")
	require.NoError(t, err)
	assert.Equal(t, "A", g, "nil: every tier uses every group, in name order")

	for _, bad := range []map[string][]string{{"": {"A"}}, {"vip": {"A", "A"}}} {
		err := r.SetTiers(bad)
		assert.ErrorIs(t, err, ErrInvalidTiers)
	}
	g, err = group("anything")
	require.NoError(t, err)
	assert.Equal(t, "A", g, "a refused map changes nothing")
}
