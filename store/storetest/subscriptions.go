package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var subscriptionCases = []testCase{
	{"Missing", subMissing},
	{"PutGet", subPutGet},
	{"Replace", subReplace},
	{"Delete", subDelete},
	{"ZeroExpiryRoundTrips", subZeroExpiry},
	{"TrickyStrings", subTricky},
	{"ListOrderedByUser", subListOrdered},
	{"ListFilters", subListFilters},
	{"Invalid", subInvalid},
}

func requireSub(t testing.TB, want, got store.Subscription) {
	t.Helper()
	require.Equal(t, want.UserID, got.UserID, "UserID")
	require.Equal(t, want.Tier, got.Tier, "Tier")
	require.Equal(t, want.GrantedBy, got.GrantedBy, "GrantedBy")
	require.Equal(t, want.Note, got.Note, "Note")
	requireSameTime(t, want.Starts, got.Starts, "Starts")
	requireSameTime(t, want.Expires, got.Expires, "Expires")
	requireSameTime(t, want.UpdatedAt, got.UpdatedAt, "UpdatedAt")
}

func sub(user int64, tier string, starts, expires time.Time) store.Subscription {
	return store.Subscription{UserID: user, Tier: tier, Starts: starts, Expires: expires, GrantedBy: 7, Note: "note", UpdatedAt: starts}
}

func getSub(t testing.TB, s store.Store, user int64) store.Subscription {
	t.Helper()
	got, err := s.GetSubscription(ctx(t), user)
	require.NoError(t, err)
	return got
}

func listSubs(t testing.TB, s store.Store, f store.SubscriptionFilter) []int64 {
	t.Helper()
	got, err := s.ListSubscriptions(ctx(t), f)
	require.NoError(t, err)
	ids := []int64{}
	for _, g := range got {
		ids = append(ids, g.UserID)
	}
	return ids
}

func subMissing(t *testing.T, s store.Store) {
	_, err := s.GetSubscription(ctx(t), 42)
	requireErrorIs(t, err, store.ErrNotFound)
	requireErrorIs(t, s.DeleteSubscription(ctx(t), 42), store.ErrNotFound)
	got, err := s.ListSubscriptions(ctx(t), store.SubscriptionFilter{})
	require.NoError(t, err)
	require.Empty(t, got)
}

func subPutGet(t *testing.T, s store.Store) {
	want := store.Subscription{UserID: 42, Tier: "vip", Starts: fineTime, Expires: fineTime.Add(30 * 24 * time.Hour),
		GrantedBy: 1, Note: "paid 🎉", UpdatedAt: fineTime.Add(time.Millisecond)}
	require.NoError(t, s.PutSubscription(ctx(t), want))
	requireSub(t, want, getSub(t, s, 42))
	_, err := s.GetSubscription(ctx(t), 43)
	requireErrorIs(t, err, store.ErrNotFound, "another user")
}

func subReplace(t *testing.T, s store.Store) {
	require.NoError(t, s.PutSubscription(ctx(t), sub(42, "premium", base, base.Add(time.Hour))))
	want := store.Subscription{UserID: 42, Tier: "vip", Starts: base.Add(time.Hour), UpdatedAt: base.Add(time.Hour)}
	require.NoError(t, s.PutSubscription(ctx(t), want))
	requireSub(t, want, getSub(t, s, 42))
	require.Equal(t, []int64{42}, listSubs(t, s, store.SubscriptionFilter{}), "at most one subscription per user")
}

func subDelete(t *testing.T, s store.Store) {
	require.NoError(t, s.PutSubscription(ctx(t), sub(1, "vip", base, time.Time{})))
	require.NoError(t, s.PutSubscription(ctx(t), sub(2, "vip", base, time.Time{})))
	require.NoError(t, s.DeleteSubscription(ctx(t), 1))
	_, err := s.GetSubscription(ctx(t), 1)
	requireErrorIs(t, err, store.ErrNotFound)
	requireErrorIs(t, s.DeleteSubscription(ctx(t), 1), store.ErrNotFound, "deleting twice")
	require.Equal(t, []int64{2}, listSubs(t, s, store.SubscriptionFilter{}))
}

func subZeroExpiry(t *testing.T, s store.Store) {
	want := sub(5, "owner", base, time.Time{})
	require.NoError(t, s.PutSubscription(ctx(t), want))
	got := getSub(t, s, 5)
	require.True(t, got.Expires.IsZero(), "a zero Expires (never expires) came back as %v", got.Expires)
	require.True(t, got.ActiveAt(base.Add(100*365*24*time.Hour)))
	// Expires equal to Starts is valid: an empty period.
	empty := sub(6, "free", base, base)
	require.NoError(t, s.PutSubscription(ctx(t), empty))
	requireSub(t, empty, getSub(t, s, 6))
}

func subTricky(t *testing.T, s store.Store) {
	for i, x := range tricky {
		want := store.Subscription{UserID: int64(i + 1), Tier: x, Note: x, Starts: base, UpdatedAt: base}
		require.NoError(t, s.PutSubscription(ctx(t), want))
	}
	for i, x := range tricky {
		got := getSub(t, s, int64(i+1))
		require.Equal(t, x, got.Tier)
		require.Equal(t, x, got.Note)
	}
	big := sub(1000, "vip", base, time.Time{})
	big.Note = bigText(100 << 10)
	require.NoError(t, s.PutSubscription(ctx(t), big))
	requireSub(t, big, getSub(t, s, 1000))
}

func subListOrdered(t *testing.T, s store.Store) {
	for _, id := range []int64{300, 5, 1 << 50, 42, 7} {
		require.NoError(t, s.PutSubscription(ctx(t), sub(id, fmt.Sprintf("tier%d", id), base, time.Time{})))
	}
	got, err := s.ListSubscriptions(ctx(t), store.SubscriptionFilter{})
	require.NoError(t, err)
	require.Len(t, got, 5)
	for i, id := range []int64{5, 7, 42, 300, 1 << 50} {
		requireSub(t, sub(id, fmt.Sprintf("tier%d", id), base, time.Time{}), got[i])
	}
}

func subListFilters(t *testing.T, s store.Store) {
	h := time.Hour
	subs := []store.Subscription{
		sub(1, "forever", base.Add(-100*h), time.Time{}),
		sub(2, "ended", base.Add(-10*h), base.Add(-h)),
		sub(3, "active", base.Add(-h), base.Add(h)),
		sub(4, "future", base.Add(h), base.Add(10*h)),
		sub(5, "ends at base", base.Add(-h), base),
		sub(6, "starts at base", base, base.Add(48*h)),
		sub(7, "future forever", base.Add(h), time.Time{}),
	}
	for _, x := range subs {
		require.NoError(t, s.PutSubscription(ctx(t), x))
	}
	cases := []struct {
		name string
		f    store.SubscriptionFilter
		want []int64
	}{
		{"all", store.SubscriptionFilter{}, []int64{1, 2, 3, 4, 5, 6, 7}},
		{"active at base", store.SubscriptionFilter{ActiveAt: base}, []int64{1, 3, 6}},
		{"active before base", store.SubscriptionFilter{ActiveAt: base.Add(-time.Millisecond)}, []int64{1, 3, 5}},
		{"active later", store.SubscriptionFilter{ActiveAt: base.Add(2 * h)}, []int64{1, 4, 6, 7}},
		{"expiring before base", store.SubscriptionFilter{ExpiringBefore: base}, []int64{2}},
		{"expiring before base+1ms", store.SubscriptionFilter{ExpiringBefore: base.Add(time.Millisecond)}, []int64{2, 5}},
		{"expiring before base+24h", store.SubscriptionFilter{ExpiringBefore: base.Add(24 * h)}, []int64{2, 3, 4, 5}},
		{"active and expiring", store.SubscriptionFilter{ActiveAt: base, ExpiringBefore: base.Add(24 * h)}, []int64{3}},
	}
	for _, c := range cases {
		require.Equal(t, c.want, listSubs(t, s, c.f), c.name)
	}
	// The filters agree with Subscription.ActiveAt.
	for _, at := range []time.Time{base.Add(-5 * h), base, base.Add(5 * h), base.Add(100 * h)} {
		want := []int64{}
		for _, x := range subs {
			if x.ActiveAt(at) {
				want = append(want, x.UserID)
			}
		}
		require.Equal(t, want, listSubs(t, s, store.SubscriptionFilter{ActiveAt: at}), "active at %v", at)
	}
}

func subInvalid(t *testing.T, s store.Store) {
	good := sub(1, "vip", base, base.Add(time.Hour))
	require.NoError(t, s.PutSubscription(ctx(t), good))
	bad := []struct {
		name string
		sub  store.Subscription
	}{
		{"zero user", sub(0, "vip", base, time.Time{})},
		{"empty tier", sub(1, "", base, time.Time{})},
		{"expires before starts", sub(1, "free", base, base.Add(-time.Millisecond))},
		{"new user, expires before starts", sub(2, "free", base, base.Add(-time.Hour))},
	}
	for _, b := range bad {
		requireErrorIs(t, s.PutSubscription(ctx(t), b.sub), store.ErrInvalid, b.name)
	}
	requireSub(t, good, getSub(t, s, 1))
	require.Equal(t, []int64{1}, listSubs(t, s, store.SubscriptionFilter{}))
}
