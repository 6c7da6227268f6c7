package keyrouter

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRotationKeepsStateOfKeysThatStay(t *testing.T) {
	rec := &recorder{}
	stay := Key{Secret: "AIzaStay0000000000", Group: "A", Project: "p1"}
	dead := Key{Secret: "AIzaDead0000000000", Group: "A", Project: "p2"}
	gone := Key{Secret: "AIzaGone0000000000", Group: "A", Project: "p3"}
	r, clk := newTestRouter(t, []Key{stay, dead, gone}, Options{OnStateChange: rec.record})
	ctx := now(t, clk)
	leases := map[string]*Lease{}
	for len(leases) < 3 {
		l := mustAcquire(t, r, ctx, Request{Model: "m"})
		if leases[l.KeyID()] != nil {
			l.Release(Outcome{})
			continue
		}
		leases[l.KeyID()] = l
	}
	leases[Fingerprint(stay.Secret)].Release(Outcome{Verdict: RateLimited, RetryAfter: 40 * time.Second})
	leases[Fingerprint(dead.Secret)].Release(Outcome{Verdict: DeadKey})
	fresh := Key{Secret: "AIzaNew00000000000", Group: "A", Project: "p4"}
	require.NoError(t, r.Rotate("A:p1:AIzaStay0000000000, A:p2:AIzaDead0000000000, A:p4:AIzaNew00000000000"))

	// The lease on the removed key finishes normally.
	leases[Fingerprint(gone.Secret)].Release(Outcome{Tokens: 3})

	byID := map[string]KeyStats{}
	for _, st := range r.Stats() {
		byID[st.ID] = st
	}
	require.Len(t, byID, 3)
	assert.Equal(t, StateCooling, byID[Fingerprint(stay.Secret)].State, "cooldown kept")
	assert.Equal(t, StateRetired, byID[Fingerprint(dead.Secret)].State, "a dead key stays retired")
	assert.Equal(t, StateReady, byID[Fingerprint(fresh.Secret)].State)
	for range 10 {
		l := mustAcquire(t, r, ctx, Request{Model: "m"})
		assert.Equal(t, Fingerprint(fresh.Secret), l.KeyID(), "only the new key serves")
		l.Release(Outcome{})
	}
	assert.Contains(t, rec.states(), StateRemoved)
	assert.Equal(t, StateAdded, rec.changes[len(rec.changes)-2].State)
	require.ErrorIs(t, r.Rotate("A:p:"), ErrInvalidKeys)
	assert.Len(t, r.Keys(), 3, "a failed rotation changes nothing")
}

// A rotation that adds a key wakes the callers waiting for one.
func TestRotationWakesWaiters(t *testing.T) {
	r, clk := newTestRouter(t, nil, Options{})
	r.opts.MaxWait = time.Minute
	got := make(chan error)
	go func() {
		l, err := r.Acquire(until(t, clk, 30*time.Second), Request{Model: "m"})
		if err == nil {
			l.Release(Outcome{})
		}
		got <- err
	}()
	// With no key at all the waiter fails at once: nothing will free up.
	require.ErrorIs(t, <-got, ErrNoKey)

	require.NoError(t, r.SetKeys([]Key{{Secret: "AIzaOnly", Limits: Limits{Concurrent: 1}}}))
	held := mustAcquire(t, r, context.Background(), Request{Model: "m"})
	go func() {
		l, err := r.Acquire(until(t, clk, 30*time.Second), Request{Model: "m"})
		if err == nil {
			l.Release(Outcome{})
		}
		got <- err
	}()
	clk.WaitTimers(1)
	require.NoError(t, r.SetKeys([]Key{{Secret: "AIzaOnly", Limits: Limits{Concurrent: 1}}, {Secret: "AIzaOther"}}))
	require.NoError(t, <-got)
	held.Release(Outcome{})
}

// slowShared is a SharedState with the latency of a network store: every
// call yields to the other goroutines before and after reaching the store.
type slowShared struct {
	inner MemoryState
	calls atomic.Int64
}

func (s *slowShared) pause() {
	for range 50 {
		runtime.Gosched()
	}
}

func (s *slowShared) Take(ctx context.Context, project, model string, now time.Time, perMinute, perDay int,
	dayEnd time.Time) (bool, time.Time, error) {
	s.calls.Add(1)
	s.pause()
	defer s.pause()
	return s.inner.Take(ctx, project, model, now, perMinute, perDay, dayEnd)
}

func (s *slowShared) Cool(ctx context.Context, project, model string, until time.Time) error {
	s.pause()
	return s.inner.Cool(ctx, project, model, until)
}

// Two routers with the same keys spend one quota, not two.
func TestSharedStateAcrossReplicas(t *testing.T) {
	keys := append(makeKeys(2, "sh", "A", "p", Limits{RPM: 10, RPD: 25}), makeKeys(1, "sh2", "A", "q", Limits{RPM: 5})...)
	run := func(shared SharedState) (served int64, clk *fakeClock, rs []*Router) {
		clk = newFakeClock(epoch)
		for range 2 {
			r, err := New(keys, Options{Now: clk.Now, After: clk.After, MaxWait: -1, Shared: shared})
			require.NoError(t, err)
			t.Cleanup(func() { _ = r.Close() })
			rs = append(rs, r)
		}
		var wg sync.WaitGroup
		var n atomic.Int64
		for g := range 8 {
			wg.Go(func() {
				for range 10 {
					if l, err := rs[g%2].Acquire(context.Background(), Request{Model: "m"}); err == nil {
						n.Add(1)
						l.Release(Outcome{})
					}
				}
			})
		}
		wg.Wait()
		return n.Load(), clk, rs
	}
	alone, _, _ := run(nil)
	assert.EqualValues(t, 30, alone, "without shared state each replica spends the whole quota")

	shared := &slowShared{}
	served, clk, rs := run(shared)
	_ = rs
	assert.EqualValues(t, 15, served, "with shared state the replicas spend it once")
	assert.Positive(t, shared.calls.Load())

	// A cooldown one replica learns holds the other back too.
	clk.Advance(time.Minute)
	only := &MemoryState{}
	var pair []*Router
	for range 2 {
		r, err := New(makeKeys(2, "cool", "A", "p", Limits{}), Options{Now: clk.Now, After: clk.After, MaxWait: -1, Shared: only})
		require.NoError(t, err)
		t.Cleanup(func() { _ = r.Close() })
		pair = append(pair, r)
	}
	mustAcquire(t, pair[0], context.Background(), Request{Model: "m"}).
		Release(Outcome{Verdict: RateLimited, RetryAfter: 30 * time.Second})
	_, err := pair[1].Acquire(context.Background(), Request{Model: "m"})
	var nk *NoKeyError
	require.ErrorAs(t, err, &nk)
	assert.WithinDuration(t, clk.Now().Add(30*time.Second), nk.FreeAt, 0)

	// The day quota is shared too: 25 per day for p across both.
	clk.Advance(time.Hour)
	total := 0
	for i := range 200 {
		clk.Advance(10 * time.Second)
		if l, err := rs[i%2].Acquire(context.Background(), Request{Model: "m", Groups: []string{"A"}}); err == nil {
			if l.Project() == "p" {
				total++
			}
			l.Release(Outcome{})
		}
	}
	assert.Equal(t, 25-10, total, "p spent 10 of its 25 for the day in the first minute")
}

func TestSetKeysSameIDNewSecret(t *testing.T) {
	r, err := New([]Key{{ID: "main", Secret: "AIza-old-secret"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.SetKeys([]Key{{ID: "main", Secret: "AIza-new-secret"}}); err != nil {
		t.Fatal(err)
	}
	l, err := r.Acquire(context.Background(), Request{Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(Outcome{Verdict: Success})
	if got := string(l.Secret()); got != "AIza-new-secret" {
		t.Fatalf("lease carries the replaced secret")
	}
}
