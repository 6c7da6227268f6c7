package keyrouter

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretOf makes a Gemini-looking secret for key i of a test.
func secretOf(prefix string, i int) Secret {
	return Secret(fmt.Sprintf("AIzaSy%s%033d", prefix, i))
}

func makeKeys(n int, prefix, group, project string, lim Limits) []Key {
	keys := make([]Key, n)
	for i := range keys {
		keys[i] = Key{Secret: secretOf(prefix, i), Group: group, Project: project, Limits: lim}
	}
	return keys
}

func newTestRouter(t *testing.T, keys []Key, opts Options) (*Router, *fakeClock) {
	t.Helper()
	clk := newFakeClock(epoch)
	opts.Now, opts.After = clk.Now, clk.After
	r, err := New(keys, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r, clk
}

// now is a context whose deadline is the fake clock's present: Acquire
// must not wait.
func now(t *testing.T, clk *fakeClock) context.Context {
	return until(t, clk, 0)
}

func until(t *testing.T, clk *fakeClock, d time.Duration) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(d))
	t.Cleanup(cancel)
	return ctx
}

func mustAcquire(t *testing.T, r *Router, ctx context.Context, req Request) *Lease {
	t.Helper()
	l, err := r.Acquire(ctx, req)
	require.NoError(t, err)
	return l
}

func TestTiersTryGroupsInOrderAndFallThrough(t *testing.T) {
	lim := Limits{RPM: 2}
	keys := append(makeKeys(1, "a", "A", "pa", lim), makeKeys(1, "b", "B", "pb", lim)...)
	keys = append(keys, makeKeys(1, "c", "C", "pc", lim)...)
	r, clk := newTestRouter(t, keys, Options{Tiers: map[string][]string{
		"owner": {"A", "B", "C"}, "vip": {"B", "C"}, "empty": {"X", "C"}}})
	ctx := now(t, clk)

	// The old bot picked a random group; the owner tier always starts at A.
	var groups []string
	for range 6 {
		l := mustAcquire(t, r, ctx, Request{Tier: "owner", Model: "m"})
		groups = append(groups, l.Group())
		l.Release(Outcome{})
	}
	assert.Equal(t, []string{"A", "A", "B", "B", "C", "C"}, groups)
	_, err := r.Acquire(ctx, Request{Tier: "owner", Model: "m"})
	var nk *NoKeyError
	require.ErrorAs(t, err, &nk)
	require.ErrorIs(t, err, ErrNoKey)
	assert.WithinDuration(t, clk.Now().Add(time.Minute), nk.FreeAt, 0)
	assert.Equal(t, time.Minute, nk.RetryIn(clk.Now()))

	// The old bot never tried another group when the chosen one was empty.
	clk.Advance(time.Minute)
	l := mustAcquire(t, r, ctx, Request{Tier: "empty", Model: "m"})
	assert.Equal(t, "C", l.Group())
	l.Release(Outcome{})

	_, err = r.Acquire(ctx, Request{Tier: "nobody", Model: "m"})
	assert.ErrorIs(t, err, ErrUnknownTier)
	l = mustAcquire(t, r, ctx, Request{Tier: "nobody", Groups: []string{"B"}, Model: "m"})
	assert.Equal(t, "B", l.Group())
	l.Release(Outcome{})
}

func TestNoKeysConfigured(t *testing.T) {
	r, clk := newTestRouter(t, nil, Options{})
	_, err := r.Acquire(context.Background(), Request{Model: "m"})
	var nk *NoKeyError
	require.ErrorAs(t, err, &nk)
	assert.True(t, nk.FreeAt.IsZero())
	assert.Empty(t, clk.WaitTimers(0), "no key at all is not worth waiting for")
}

func TestSpreadsLoadOverKeys(t *testing.T) {
	r, clk := newTestRouter(t, makeKeys(10, "s", "A", "", Limits{RPM: 100}), Options{})
	ctx := now(t, clk)
	uses := map[string]int{}
	for range 500 {
		l := mustAcquire(t, r, ctx, Request{Model: "m"})
		uses[l.KeyID()]++
		l.Release(Outcome{})
	}
	require.Len(t, uses, 10)
	for id, n := range uses {
		assert.InDelta(t, 50, n, 10, "key %s served %d of 500", id, n)
	}

	// Calls in flight spread too: no key is hammered while others idle.
	held := map[string]int{}
	var leases []*Lease
	for range 20 {
		l := mustAcquire(t, r, ctx, Request{Model: "x"})
		held[l.KeyID()]++
		leases = append(leases, l)
	}
	for id, n := range held {
		assert.LessOrEqual(t, n, 4, "key %s holds %d of 20 calls", id, n)
	}
	for _, l := range leases {
		l.Release(Outcome{})
	}
}

// The old bot spaced the uses of a key by 10 s, wasting 40% of a 10-RPM
// quota. The router uses the whole minute's quota, and no more.
func TestUsesWholeMinuteQuota(t *testing.T) {
	r, clk := newTestRouter(t, makeKeys(1, "q", "A", "", Limits{RPM: 10}), Options{})
	ctx := now(t, clk)
	for i := range 10 {
		clk.Advance(time.Second)
		l, err := r.Acquire(ctx, Request{Model: "m"})
		require.NoError(t, err, "request %d", i)
		l.Release(Outcome{})
	}
	start := clk.Now().Add(-9 * time.Second)
	_, err := r.Acquire(ctx, Request{Model: "m"})
	var nk *NoKeyError
	require.ErrorAs(t, err, &nk)
	assert.WithinDuration(t, start.Add(time.Minute), nk.FreeAt, 0, "the oldest request leaves the window")
	clk.Set(nk.FreeAt)
	l := mustAcquire(t, r, ctx, Request{Model: "m"})
	l.Release(Outcome{})
}

func TestLimitsPerDayTokensAndConcurrency(t *testing.T) {
	t.Run("RPD", func(t *testing.T) {
		r, clk := newTestRouter(t, makeKeys(1, "d", "A", "", Limits{RPD: 3}), Options{})
		ctx := now(t, clk)
		for range 3 {
			mustAcquire(t, r, ctx, Request{Model: "m"}).Release(Outcome{})
		}
		_, err := r.Acquire(ctx, Request{Model: "m"})
		var nk *NoKeyError
		require.ErrorAs(t, err, &nk)
		reset := time.Date(2031, 3, 13, 0, 0, 0, 0, epoch.Location())
		assert.True(t, reset.Equal(nk.FreeAt), "free at %v", nk.FreeAt)
		clk.Set(reset)
		mustAcquire(t, r, ctx, Request{Model: "m"}).Release(Outcome{})
	})
	t.Run("TPM", func(t *testing.T) {
		r, clk := newTestRouter(t, makeKeys(1, "t", "A", "", Limits{TPM: 1000}), Options{})
		ctx := now(t, clk)
		l := mustAcquire(t, r, ctx, Request{Model: "m", Tokens: 100})
		l.Release(Outcome{Tokens: 900}) // the real cost corrects the estimate
		_, err := r.Acquire(ctx, Request{Model: "m", Tokens: 200})
		require.ErrorIs(t, err, ErrNoKey)
		mustAcquire(t, r, ctx, Request{Model: "m", Tokens: 50}).Release(Outcome{})
	})
	t.Run("Concurrent", func(t *testing.T) {
		r, clk := newTestRouter(t, makeKeys(1, "c", "A", "", Limits{Concurrent: 2}), Options{})
		ctx := now(t, clk)
		a := mustAcquire(t, r, ctx, Request{Model: "m"})
		b := mustAcquire(t, r, ctx, Request{Model: "m"})
		_, err := r.Acquire(ctx, Request{Model: "m"})
		require.ErrorIs(t, err, ErrNoKey)
		// Another model has its own slots.
		mustAcquire(t, r, ctx, Request{Model: "other"}).Release(Outcome{})
		a.Release(Outcome{})
		a.Release(Outcome{}) // a second release does nothing
		c := mustAcquire(t, r, ctx, Request{Model: "m"})
		_, err = r.Acquire(ctx, Request{Model: "m"})
		require.ErrorIs(t, err, ErrNoKey)
		b.Release(Outcome{})
		c.Release(Outcome{})
	})
	t.Run("PerModelLimits", func(t *testing.T) {
		k := Key{Secret: "AIzaPerModel", Limits: Limits{RPM: 1}, Models: map[string]Limits{"big": {RPM: 3}}}
		r, clk := newTestRouter(t, []Key{k}, Options{})
		ctx := now(t, clk)
		for range 3 {
			mustAcquire(t, r, ctx, Request{Model: "big"}).Release(Outcome{})
		}
		mustAcquire(t, r, ctx, Request{Model: "small"}).Release(Outcome{})
		_, err := r.Acquire(ctx, Request{Model: "small"})
		require.ErrorIs(t, err, ErrNoKey)
	})
}

func TestAcquireWaitsForSoonestKey(t *testing.T) {
	r, clk := newTestRouter(t, makeKeys(2, "w", "A", "", Limits{RPM: 1}), Options{})
	start := clk.Now()
	mustAcquire(t, r, now(t, clk), Request{Model: "m"}).Release(Outcome{})
	clk.Advance(20 * time.Second)
	mustAcquire(t, r, now(t, clk), Request{Model: "m"}).Release(Outcome{})

	// A deadline before the soonest key fails at once, saying when.
	_, err := r.Acquire(until(t, clk, 30*time.Second), Request{Model: "m"})
	var nk *NoKeyError
	require.ErrorAs(t, err, &nk)
	assert.WithinDuration(t, start.Add(time.Minute), nk.FreeAt, 0)
	assert.Empty(t, clk.WaitTimers(0))

	// A deadline past it waits, on the injected clock, for exactly that key.
	got := make(chan *Lease)
	ctx := until(t, clk, 50*time.Second)
	go func() {
		l, err := r.Acquire(ctx, Request{Model: "m"})
		assert.NoError(t, err)
		got <- l
	}()
	assert.Equal(t, []time.Time{start.Add(time.Minute)}, clk.WaitTimers(1))
	clk.Advance(40 * time.Second)
	l := <-got
	l.Release(Outcome{})

	// MaxWait caps the wait even without a deadline.
	r2, clk2 := newTestRouter(t, makeKeys(1, "x", "A", "", Limits{RPD: 1}), Options{MaxWait: time.Hour})
	mustAcquire(t, r2, context.Background(), Request{Model: "m"}).Release(Outcome{})
	_, err = r2.Acquire(context.Background(), Request{Model: "m"})
	require.ErrorAs(t, err, &nk)
	assert.WithinDuration(t, NextReset(clk2.Now(), epoch.Location()), nk.FreeAt, 0)
}

func TestAcquireWaitsForRelease(t *testing.T) {
	r, clk := newTestRouter(t, makeKeys(1, "r", "A", "", Limits{Concurrent: 1}), Options{})
	held := mustAcquire(t, r, context.Background(), Request{Model: "m"})
	got := make(chan error)
	go func() {
		l, err := r.Acquire(until(t, clk, 10*time.Second), Request{Model: "m"})
		if err == nil {
			l.Release(Outcome{})
		}
		got <- err
	}()
	clk.WaitTimers(1) // the waiter is parked until its deadline
	held.Release(Outcome{})
	require.NoError(t, <-got)

	// Without a release it gives up at its deadline.
	held = mustAcquire(t, r, context.Background(), Request{Model: "m"})
	go func() {
		_, err := r.Acquire(until(t, clk, 10*time.Second), Request{Model: "m"})
		got <- err
	}()
	clk.WaitTimers(2) // the first waiter's timer is still pending
	clk.Advance(10 * time.Second)
	require.ErrorIs(t, <-got, ErrNoKey)

	// Close wakes a waiter.
	go func() {
		_, err := r.Acquire(until(t, clk, 10*time.Second), Request{Model: "m"})
		got <- err
	}()
	clk.WaitTimers(1)
	require.NoError(t, r.Close())
	require.ErrorIs(t, <-got, ErrClosed)
	held.Release(Outcome{}) // a lease outlives Close
	_, err := r.Acquire(context.Background(), Request{Model: "m"})
	require.ErrorIs(t, err, ErrClosed)
}

func TestAcquireHonoursContext(t *testing.T) {
	r, _ := newTestRouter(t, makeKeys(1, "ctx", "A", "", Limits{}), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Acquire(ctx, Request{Model: "m"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestDoRetriesOnUntriedKeys(t *testing.T) {
	errDown := errors.New("upstream 503")
	errBad := errors.New("upstream 400")
	classify := func(err error) Outcome {
		switch {
		case err == nil:
			return Outcome{Verdict: Success}
		case errors.Is(err, errBad):
			return Outcome{Verdict: BadRequest, Err: err}
		}
		return Outcome{Verdict: Transient, Err: err}
	}
	r, clk := newTestRouter(t, makeKeys(4, "do", "A", "", Limits{}), Options{Classifier: classify, MaxAttempts: 3})
	ctx := now(t, clk)

	var seen []string
	err := r.Do(ctx, Request{Model: "m"}, func(_ context.Context, l *Lease) (int, error) {
		seen = append(seen, l.KeyID())
		if len(seen) < 3 {
			return 0, errDown
		}
		return 10, nil
	})
	require.NoError(t, err)
	require.Len(t, seen, 3)
	assert.NotEqual(t, seen[0], seen[1])
	assert.NotEqual(t, seen[1], seen[2])
	assert.NotEqual(t, seen[0], seen[2])

	seen = nil
	err = r.Do(ctx, Request{Model: "m"}, func(context.Context, *Lease) (int, error) {
		seen = append(seen, "x")
		return 0, errDown
	})
	require.ErrorIs(t, err, errDown)
	assert.Len(t, seen, 3, "MaxAttempts keys, then the last error")

	seen = nil
	err = r.Do(ctx, Request{Model: "m"}, func(context.Context, *Lease) (int, error) {
		seen = append(seen, "x")
		return 0, errBad
	})
	require.ErrorIs(t, err, errBad)
	assert.Len(t, seen, 1, "a bad request is not retried")

	// Fewer keys than attempts: the last error and ErrNoKey both show.
	r2, clk2 := newTestRouter(t, makeKeys(2, "do2", "A", "", Limits{}), Options{Classifier: classify, MaxAttempts: 5})
	err = r2.Do(now(t, clk2), Request{Model: "m"}, func(context.Context, *Lease) (int, error) { return 0, errDown })
	require.ErrorIs(t, err, errDown)
	require.ErrorIs(t, err, ErrNoKey)

	// The default classifier treats every error as transient.
	r3, clk3 := newTestRouter(t, makeKeys(2, "do3", "A", "", Limits{}), Options{})
	n := 0
	err = r3.Do(now(t, clk3), Request{Model: "m"}, func(context.Context, *Lease) (int, error) {
		n++
		if n == 1 {
			return 0, errBad
		}
		return 1, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

func TestShortAndOddKeys(t *testing.T) {
	// The old bot logged key[:20] and panicked on shorter keys.
	for _, s := range []Secret{"a", "ab", "AIza-short", "ünïcødé-ключ"} {
		r, clk := newTestRouter(t, []Key{{Secret: s}}, Options{})
		l := mustAcquire(t, r, now(t, clk), Request{Model: "m"})
		assert.Equal(t, Fingerprint(s), l.KeyID())
		assert.Equal(t, s, l.Secret())
		if len(s) >= 8 {
			assert.NotContains(t, fmt.Sprint(l, r.Keys()[0]), string(s))
		}
		l.Release(Outcome{})
	}
	_, err := New([]Key{{Secret: "x"}, {Secret: "x"}}, Options{})
	require.ErrorIs(t, err, ErrInvalidKeys)
	_, err = New([]Key{{Secret: ""}}, Options{})
	require.ErrorIs(t, err, ErrInvalidKeys)
	var zero Lease
	zero.Release(Outcome{})
	assert.Empty(t, zero.KeyID())
}

func TestExcludeAndReturn(t *testing.T) {
	r, clk := newTestRouter(t, makeKeys(3, "ex", "A", "", Limits{RPM: 1}), Options{})
	ctx := now(t, clk)
	a := mustAcquire(t, r, ctx, Request{Model: "m"})
	a.Return() // unused: the minute's only request is refunded
	a.Release(Outcome{Verdict: DeadKey})
	assert.Equal(t, StateReady, r.Stats()[0].State, "Release after Return does nothing")
	b := mustAcquire(t, r, ctx, Request{Model: "m", Exclude: []string{a.KeyID()}})
	assert.NotEqual(t, a.KeyID(), b.KeyID())
	c := mustAcquire(t, r, ctx, Request{Model: "m", Exclude: []string{a.KeyID(), b.KeyID()}})
	assert.NotEqual(t, b.KeyID(), c.KeyID())
	d := mustAcquire(t, r, ctx, Request{Model: "m", Exclude: []string{b.KeyID(), c.KeyID()}})
	assert.Equal(t, a.KeyID(), d.KeyID(), "the returned key still has its minute's request")
	_, err := r.Acquire(ctx, Request{Model: "m"})
	require.ErrorIs(t, err, ErrNoKey)
	for _, l := range []*Lease{b, c, d} {
		l.Release(Outcome{})
	}
	for _, st := range r.Stats() {
		assert.Equal(t, 1, st.UsedMinute)
		assert.Equal(t, 1, st.UsedToday)
		assert.EqualValues(t, 1, st.Successes)
		assert.Zero(t, st.InFlight)
	}
}

func TestDoReleasesLeaseOnPanic(t *testing.T) {
	r, err := New([]Key{{Secret: "AIza-panic-test", Limits: Limits{Concurrent: 1}}}, Options{MaxWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	func() {
		defer func() { recover() }()
		r.Do(context.Background(), Request{Model: "m"}, func(context.Context, *Lease) (int, error) { panic("boom") })
	}()
	l, err := r.Acquire(context.Background(), Request{Model: "m"})
	if err != nil {
		t.Fatalf("the key's slot stayed taken after a panic: %v", err)
	}
	l.Release(Outcome{Verdict: Success})
}
