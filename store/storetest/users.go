package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var userCases = []testCase{
	{"Missing", userMissing},
	{"TouchCreates", userTouchCreates},
	{"TouchUpdatesKeepsFirstSeenAndBlocked", userTouchUpdates},
	{"SetBlocked", userSetBlocked},
	{"TrickyStrings", userTricky},
	{"ListPaging", userListPaging},
	{"ListExcludeBlocked", userListExcludeBlocked},
	{"Invalid", userInvalid},
	{"ConcurrentTouch", userConcurrentTouch},
}

func requireUser(t testing.TB, want, got store.User) {
	t.Helper()
	require.Equal(t, want.ID, got.ID, "ID")
	require.Equal(t, want.Username, got.Username, "Username")
	require.Equal(t, want.FirstName, got.FirstName, "FirstName")
	require.Equal(t, want.LastName, got.LastName, "LastName")
	require.Equal(t, want.LanguageCode, got.LanguageCode, "LanguageCode")
	require.Equal(t, want.Blocked, got.Blocked, "Blocked")
	requireSameTime(t, want.FirstSeen, got.FirstSeen, "FirstSeen")
	requireSameTime(t, want.LastSeen, got.LastSeen, "LastSeen")
}

func touch(t testing.TB, s store.Store, u store.User) store.User {
	t.Helper()
	got, err := s.TouchUser(ctx(t), u)
	require.NoError(t, err)
	return got
}

func getUser(t testing.TB, s store.Store, id int64) store.User {
	t.Helper()
	got, err := s.GetUser(ctx(t), id)
	require.NoError(t, err)
	return got
}

func listUsers(t testing.TB, s store.Store, f store.UserFilter) []int64 {
	t.Helper()
	got, err := s.ListUsers(ctx(t), f)
	require.NoError(t, err)
	ids := []int64{}
	for _, u := range got {
		ids = append(ids, u.ID)
	}
	return ids
}

func userMissing(t *testing.T, s store.Store) {
	_, err := s.GetUser(ctx(t), 42)
	requireErrorIs(t, err, store.ErrNotFound)
	requireErrorIs(t, s.SetUserBlocked(ctx(t), 42, true), store.ErrNotFound)
	_, err = s.GetUser(ctx(t), 42)
	requireErrorIs(t, err, store.ErrNotFound, "SetUserBlocked created a user")
	require.Empty(t, listUsers(t, s, store.UserFilter{Limit: 10}))
}

func userTouchCreates(t *testing.T, s store.Store) {
	in := store.User{ID: 42, Username: "alice", FirstName: "Alice", LastName: "Liddell", LanguageCode: "en-GB",
		FirstSeen: base.Add(-time.Hour), LastSeen: fineTime}
	want := in
	want.FirstSeen = in.LastSeen
	requireUser(t, want, touch(t, s, in))
	requireUser(t, want, getUser(t, s, 42))
}

func userTouchUpdates(t *testing.T, s store.Store) {
	first := store.User{ID: 42, Username: "alice", FirstName: "Alice", LanguageCode: "en", LastSeen: base}
	touch(t, s, first)
	require.NoError(t, s.SetUserBlocked(ctx(t), 42, true))
	next := store.User{ID: 42, Username: "", FirstName: "Alicia", LastName: "L", LanguageCode: "es",
		FirstSeen: base.Add(time.Hour), LastSeen: base.Add(48 * time.Hour), Blocked: false}
	want := next
	want.FirstSeen, want.Blocked = base, true
	requireUser(t, want, touch(t, s, next))
	requireUser(t, want, getUser(t, s, 42))
	// And once more, unblocked: Blocked is kept as false too.
	require.NoError(t, s.SetUserBlocked(ctx(t), 42, false))
	next.Blocked = true
	next.LastSeen = base.Add(72 * time.Hour)
	want = next
	want.FirstSeen, want.Blocked = base, false
	requireUser(t, want, touch(t, s, next))
	requireUser(t, want, getUser(t, s, 42))
}

func userSetBlocked(t *testing.T, s store.Store) {
	u := store.User{ID: 7, Username: "bob", LastSeen: base}
	touch(t, s, u)
	touch(t, s, store.User{ID: 8, Username: "carol", LastSeen: base})
	require.NoError(t, s.SetUserBlocked(ctx(t), 7, true))
	want := u
	want.FirstSeen, want.Blocked = base, true
	requireUser(t, want, getUser(t, s, 7))
	require.False(t, getUser(t, s, 8).Blocked, "blocking one user blocked another")
	require.NoError(t, s.SetUserBlocked(ctx(t), 7, true), "blocking twice")
	require.NoError(t, s.SetUserBlocked(ctx(t), 7, false))
	require.False(t, getUser(t, s, 7).Blocked)
}

func userTricky(t *testing.T, s store.Store) {
	for i, x := range tricky {
		u := store.User{ID: int64(i + 1), Username: x, FirstName: x, LastName: x, LanguageCode: x, LastSeen: base}
		want := u
		want.FirstSeen = base
		requireUser(t, want, touch(t, s, u))
		requireUser(t, want, getUser(t, s, int64(i+1)))
	}
}

func userListPaging(t *testing.T, s store.Store) {
	ids := []int64{5, 1, 1 << 40, 3, 100, 2, 7, 4, 6, 99}
	for _, id := range ids {
		touch(t, s, store.User{ID: id, FirstName: "u", LastSeen: base})
	}
	want := []int64{1, 2, 3, 4, 5, 6, 7, 99, 100, 1 << 40}
	require.Equal(t, want, listUsers(t, s, store.UserFilter{Limit: 100}))
	require.Equal(t, want[:3], listUsers(t, s, store.UserFilter{Limit: 3}))
	require.Equal(t, []int64{6, 7, 99}, listUsers(t, s, store.UserFilter{AfterID: 5, Limit: 3}))
	require.Equal(t, []int64{100, 1 << 40}, listUsers(t, s, store.UserFilter{AfterID: 99, Limit: 3}))
	require.Equal(t, []int64{100, 1 << 40}, listUsers(t, s, store.UserFilter{AfterID: 98 + 1, Limit: 3}))
	require.Empty(t, listUsers(t, s, store.UserFilter{AfterID: 1 << 40, Limit: 3}))
	// Walking page by page visits every user once, in order.
	for _, size := range []int{1, 3, 4, 10} {
		var got []int64
		after := int64(0)
		for {
			page := listUsers(t, s, store.UserFilter{AfterID: after, Limit: size})
			require.LessOrEqual(t, len(page), size)
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1]
		}
		require.Equal(t, want, got, "pages of %d", size)
	}
	// Whole users come back, not just IDs.
	got, err := s.ListUsers(ctx(t), store.UserFilter{AfterID: 99, Limit: 1})
	require.NoError(t, err)
	require.Len(t, got, 1)
	requireUser(t, store.User{ID: 100, FirstName: "u", FirstSeen: base, LastSeen: base}, got[0])
}

func userListExcludeBlocked(t *testing.T, s store.Store) {
	for id := int64(1); id <= 10; id++ {
		touch(t, s, store.User{ID: id, LastSeen: base})
		if id%3 == 0 {
			require.NoError(t, s.SetUserBlocked(ctx(t), id, true))
		}
	}
	require.Equal(t, []int64{1, 2, 4, 5, 7, 8, 10}, listUsers(t, s, store.UserFilter{Limit: 100, ExcludeBlocked: true}))
	require.Equal(t, []int64{1, 2, 4}, listUsers(t, s, store.UserFilter{Limit: 3, ExcludeBlocked: true}), "the limit counts unblocked users")
	require.Equal(t, []int64{4, 5, 7}, listUsers(t, s, store.UserFilter{AfterID: 2, Limit: 3, ExcludeBlocked: true}))
	require.Equal(t, []int64{10}, listUsers(t, s, store.UserFilter{AfterID: 8, Limit: 3, ExcludeBlocked: true}))
	require.Len(t, listUsers(t, s, store.UserFilter{Limit: 100}), 10)
}

func userInvalid(t *testing.T, s store.Store) {
	touch(t, s, store.User{ID: 1, LastSeen: base})
	_, err := s.TouchUser(ctx(t), store.User{ID: 0, Username: "nobody", LastSeen: base})
	requireErrorIs(t, err, store.ErrInvalid, "TouchUser with a zero ID")
	for _, limit := range []int{0, -1} {
		_, err := s.ListUsers(ctx(t), store.UserFilter{Limit: limit})
		requireErrorIs(t, err, store.ErrInvalid, "ListUsers with a non-positive limit")
	}
	_, err = s.GetUser(ctx(t), 0)
	require.Error(t, err, "GetUser(0)")
	require.Equal(t, []int64{1}, listUsers(t, s, store.UserFilter{Limit: 10}))
}

// userConcurrentTouch touches one new user from many goroutines, as
// replicas seeing the user's first messages would: one user results, with
// the FirstSeen of one of the calls, and every call returns it.
func userConcurrentTouch(t *testing.T, s store.Store) {
	const racers = 32
	firstSeen := make([]time.Time, racers)
	parallel(racers, func(i int) {
		u, err := s.TouchUser(ctx(t), store.User{ID: 42, FirstName: "racer", LastSeen: base.Add(time.Duration(i) * time.Second)})
		if err == nil {
			firstSeen[i] = u.FirstSeen
		}
		if err != nil {
			t.Errorf("TouchUser %d: %v", i, err)
		}
	})
	require.Equal(t, []int64{42}, listUsers(t, s, store.UserFilter{Limit: 10}))
	got := getUser(t, s, 42)
	for i, fs := range firstSeen {
		requireSameTime(t, got.FirstSeen, fs, fmt.Sprintf("FirstSeen returned to call %d", i))
	}
	require.False(t, got.FirstSeen.Before(base), "FirstSeen is one of the calls' LastSeen")
	require.False(t, got.FirstSeen.After(base.Add(racers*time.Second)))
	// Many new users at once are all kept.
	parallel(racers, func(i int) {
		if _, err := s.TouchUser(ctx(t), store.User{ID: int64(100 + i), LastSeen: base}); err != nil {
			t.Errorf("TouchUser %d: %v", 100+i, err)
		}
	})
	require.Len(t, listUsers(t, s, store.UserFilter{Limit: 1000}), racers+1)
}
