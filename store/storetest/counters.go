package storetest

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var counterCases = []testCase{
	{"MissingReadsZero", ctrMissing},
	{"TakeUpToLimit", ctrTakeUpToLimit},
	{"TakeZero", ctrTakeZero},
	{"WindowExpiry", ctrWindowExpiry},
	{"ExpiryFixedAtCreation", ctrExpiryFixed},
	{"AddCounter", ctrAdd},
	{"AddThenTake", ctrAddThenTake},
	{"KeysAreSeparate", ctrKeysSeparate},
	{"Invalid", ctrInvalid},
	{"ConcurrentTakes", ctrConcurrentTakes},
	{"ConcurrentAdds", ctrConcurrentAdds},
}

func readCtr(t testing.TB, s store.Store, key string, now time.Time) int64 {
	t.Helper()
	v, err := s.ReadCounter(ctx(t), key, now)
	require.NoError(t, err)
	return v
}

func take(t testing.TB, s store.Store, key string, n, limit int64, now, expires time.Time) (int64, bool) {
	t.Helper()
	used, ok, err := s.TakeCounter(ctx(t), key, n, limit, now, expires)
	require.NoError(t, err)
	return used, ok
}

func ctrMissing(t *testing.T, s store.Store) {
	require.Zero(t, readCtr(t, s, "quota:missing", base))
}

func ctrTakeUpToLimit(t *testing.T, s store.Store) {
	key, exp := "quota:day:2026-11-25:user:42", base.Add(24*time.Hour)
	used, ok := take(t, s, key, 3, 10, base, exp)
	require.True(t, ok)
	require.EqualValues(t, 3, used)
	used, ok = take(t, s, key, 7, 10, base.Add(time.Second), exp)
	require.True(t, ok, "taking exactly up to the limit")
	require.EqualValues(t, 10, used)
	used, ok = take(t, s, key, 1, 10, base.Add(2*time.Second), exp)
	require.False(t, ok, "taking past the limit")
	require.EqualValues(t, 10, used, "a refused take returns the value unchanged")
	used, ok = take(t, s, key, 5, 12, base.Add(3*time.Second), exp)
	require.False(t, ok, "10+5 > 12")
	require.EqualValues(t, 10, used)
	used, ok = take(t, s, key, 2, 12, base.Add(3*time.Second), exp)
	require.True(t, ok, "a higher limit allows more")
	require.EqualValues(t, 12, used)
	require.EqualValues(t, 12, readCtr(t, s, key, base.Add(4*time.Second)))
	// A take larger than the limit on a fresh counter is refused and counts nothing.
	used, ok = take(t, s, "quota:other", 11, 10, base, exp)
	require.False(t, ok)
	require.Zero(t, used)
	require.Zero(t, readCtr(t, s, "quota:other", base))
}

func ctrTakeZero(t *testing.T, s store.Store) {
	exp := base.Add(time.Hour)
	used, ok := take(t, s, "k", 0, 0, base, exp)
	require.True(t, ok, "0+0 <= 0")
	require.Zero(t, used)
	_, ok = take(t, s, "k", 4, 5, base, exp)
	require.True(t, ok)
	used, ok = take(t, s, "k", 0, 5, base, exp)
	require.True(t, ok, "taking nothing within the limit")
	require.EqualValues(t, 4, used)
	used, ok = take(t, s, "k", 0, 3, base, exp)
	require.False(t, ok, "the counter is already past a lower limit")
	require.EqualValues(t, 4, used)
}

func ctrWindowExpiry(t *testing.T, s store.Store) {
	key, exp := "quota:minute", base.Add(time.Minute)
	_, ok := take(t, s, key, 5, 5, base, exp)
	require.True(t, ok)
	_, ok = take(t, s, key, 1, 5, exp.Add(-time.Millisecond), exp)
	require.False(t, ok, "the window is still open 1ms before it ends")
	require.EqualValues(t, 5, readCtr(t, s, key, exp.Add(-time.Millisecond)))
	require.Zero(t, readCtr(t, s, key, exp), "a counter has expired at its expiry")
	require.Zero(t, readCtr(t, s, key, exp.Add(2*time.Hour)))
	// The next window counts from zero with its own expiry.
	next := exp.Add(time.Minute)
	used, ok := take(t, s, key, 2, 5, exp, next)
	require.True(t, ok)
	require.EqualValues(t, 2, used)
	require.EqualValues(t, 2, readCtr(t, s, key, next.Add(-time.Millisecond)))
	require.Zero(t, readCtr(t, s, key, next))
	// Reading at an earlier time does not resurrect anything.
	require.Zero(t, readCtr(t, s, "never", base))
}

// ctrExpiryFixedAtCreation checks that later takes and adds do not move the
// expiry that the counter's first take gave it.
func ctrExpiryFixed(t *testing.T, s store.Store) {
	key, exp := "quota:fixed", base.Add(time.Hour)
	_, ok := take(t, s, key, 1, 100, base, exp)
	require.True(t, ok)
	_, ok = take(t, s, key, 1, 100, base.Add(30*time.Minute), base.Add(3*time.Hour))
	require.True(t, ok)
	_, err := s.AddCounter(ctx(t), key, 1, base.Add(40*time.Minute), base.Add(5*time.Hour))
	require.NoError(t, err)
	require.EqualValues(t, 3, readCtr(t, s, key, exp.Add(-time.Millisecond)))
	require.Zero(t, readCtr(t, s, key, exp), "the expiry moved after creation")
}

func ctrAdd(t *testing.T, s store.Store) {
	exp := base.Add(time.Hour)
	add := func(key string, delta int64, now time.Time) int64 {
		t.Helper()
		v, err := s.AddCounter(ctx(t), key, delta, now, exp)
		require.NoError(t, err)
		return v
	}
	require.EqualValues(t, 5, add("tokens", 5, base))
	require.EqualValues(t, 1005, add("tokens", 1000, base))
	require.EqualValues(t, 1005, add("tokens", 0, base))
	require.EqualValues(t, 905, add("tokens", -100, base), "a refund")
	require.Zero(t, add("tokens", -10000, base), "values clamp at zero")
	require.Zero(t, readCtr(t, s, "tokens", base))
	require.EqualValues(t, 3, add("tokens", 3, base), "counting again after clamping")
	require.Zero(t, add("refund-first", -5, base), "a refund on a missing counter")
	require.EqualValues(t, 2, add("refund-first", 2, base))
	// AddCounter ignores limits: it may exceed what TakeCounter allows.
	require.EqualValues(t, 1<<40, add("big", 1<<40, base))
	// Expiry applies to added counters too.
	require.Zero(t, readCtr(t, s, "tokens", exp))
	v, err := s.AddCounter(ctx(t), "tokens", 7, exp, exp.Add(time.Hour))
	require.NoError(t, err)
	require.EqualValues(t, 7, v, "an expired counter starts again from zero")
	require.EqualValues(t, 7, readCtr(t, s, "tokens", exp.Add(time.Hour-time.Millisecond)))
	require.Zero(t, readCtr(t, s, "tokens", exp.Add(time.Hour)))
}

func ctrAddThenTake(t *testing.T, s store.Store) {
	exp := base.Add(time.Hour)
	_, err := s.AddCounter(ctx(t), "q", 8, base, exp)
	require.NoError(t, err)
	used, ok := take(t, s, "q", 3, 10, base, exp)
	require.False(t, ok)
	require.EqualValues(t, 8, used)
	used, ok = take(t, s, "q", 2, 10, base, exp)
	require.True(t, ok)
	require.EqualValues(t, 10, used)
	v, err := s.AddCounter(ctx(t), "q", -4, base, exp)
	require.NoError(t, err)
	require.EqualValues(t, 6, v)
	used, ok = take(t, s, "q", 4, 10, base, exp)
	require.True(t, ok, "a refund frees room")
	require.EqualValues(t, 10, used)
}

func ctrKeysSeparate(t *testing.T, s store.Store) {
	exp := base.Add(time.Hour)
	for i, k := range append([]string{"a", "A", "a%", "a_", "a*", "a:b"}, tricky...) {
		used, ok := take(t, s, k, int64(i+1), 1000, base, exp)
		require.True(t, ok, k)
		require.EqualValues(t, i+1, used, k)
	}
	for i, k := range append([]string{"a", "A", "a%", "a_", "a*", "a:b"}, tricky...) {
		require.EqualValues(t, i+1, readCtr(t, s, k, base), k)
	}
}

func ctrInvalid(t *testing.T, s store.Store) {
	exp := base.Add(time.Hour)
	_, ok := take(t, s, "k", 5, 10, base, exp)
	require.True(t, ok)
	takes := []struct {
		name         string
		key          string
		n, limit     int64
		now, expires time.Time
	}{
		{"empty key", "", 1, 10, base, exp},
		{"negative n", "k", -1, 10, base, exp},
		{"negative limit", "k", 1, -1, base, exp},
		{"expires at now", "k", 1, 10, base, base},
		{"expires before now", "k", 1, 10, base, base.Add(-time.Second)},
		{"zero expiry", "k", 1, 10, base, time.Time{}},
		{"new key, negative n", "new", -3, 10, base, exp},
	}
	for _, c := range takes {
		_, _, err := s.TakeCounter(ctx(t), c.key, c.n, c.limit, c.now, c.expires)
		requireErrorIs(t, err, store.ErrInvalid, c.name)
	}
	_, err := s.AddCounter(ctx(t), "", 1, base, exp)
	requireErrorIs(t, err, store.ErrInvalid, "AddCounter with an empty key")
	_, err = s.AddCounter(ctx(t), "k", 1, base, base)
	requireErrorIs(t, err, store.ErrInvalid, "AddCounter expiring at now")
	_, err = s.AddCounter(ctx(t), "new", 1, base, base.Add(-time.Hour))
	requireErrorIs(t, err, store.ErrInvalid, "AddCounter expiring before now")
	_, err = s.ReadCounter(ctx(t), "", base)
	requireErrorIs(t, err, store.ErrInvalid, "ReadCounter with an empty key")
	require.EqualValues(t, 5, readCtr(t, s, "k", base), "an invalid call changed the counter")
	require.Zero(t, readCtr(t, s, "new", base), "an invalid call created a counter")
	_, ok = take(t, s, "k", 5, 10, base, exp)
	require.True(t, ok, "the counter still expires when it did")
	require.Zero(t, readCtr(t, s, "k", exp))
}

// ctrConcurrentTakes runs 1,000 concurrent takes of 1 against a limit of
// 100: exactly 100 succeed, and they return the values 1..100 once each.
func ctrConcurrentTakes(t *testing.T, s store.Store) {
	const takers, limit = 1000, 100
	exp := base.Add(time.Hour)
	var mu sync.Mutex
	var taken []int64
	refused := 0
	parallel(takers, func(i int) {
		used, ok, err := s.TakeCounter(ctx(t), "hot", 1, limit, base.Add(time.Duration(i)*time.Microsecond), exp)
		if !assert.NoError(t, err) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if ok {
			taken = append(taken, used)
		} else {
			refused++
			assert.EqualValues(t, limit, used, "a refused take saw a value below the limit")
		}
	})
	require.Len(t, taken, limit, "concurrent takes allowed %d of limit %d", len(taken), limit)
	require.Equal(t, takers-limit, refused)
	sort.Slice(taken, func(i, j int) bool { return taken[i] < taken[j] })
	for i, v := range taken {
		require.EqualValues(t, i+1, v, "each successful take returns a distinct value")
	}
	require.EqualValues(t, limit, readCtr(t, s, "hot", base.Add(time.Second)))
}

func ctrConcurrentAdds(t *testing.T, s store.Store) {
	const adders, each = 50, 20
	exp := base.Add(time.Hour)
	parallel(adders, func(i int) {
		for j := range each {
			_, err := s.AddCounter(ctx(t), fmt.Sprintf("k%d", j%2), 3, base, exp)
			assert.NoError(t, err)
		}
	})
	require.EqualValues(t, 3*adders*each/2, readCtr(t, s, "k0", base))
	require.EqualValues(t, 3*adders*each/2, readCtr(t, s, "k1", base))
}
