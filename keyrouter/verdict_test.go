package keyrouter

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder collects state changes.
type recorder struct {
	mu      sync.Mutex
	changes []StateChange
}

func (r *recorder) record(c StateChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, c)
}

func (r *recorder) states() []KeyState {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []KeyState
	for _, c := range r.changes {
		s = append(s, c.State)
	}
	return s
}

func TestVerdicts(t *testing.T) {
	reset := time.Date(2031, 3, 13, 0, 0, 0, 0, epoch.Location()) // next Los Angeles midnight
	const never = time.Duration(-1)
	cases := []struct {
		name       string
		outcome    Outcome
		wantState  KeyState
		wantChange []KeyState
		backAfter  time.Duration // when the key serves again; never = not before rotation
		wantFail   string
	}{
		{"success", Outcome{Verdict: Success, Tokens: 5}, StateReady, nil, 0, ""},
		{"transient once", Outcome{Verdict: Transient}, StateReady, nil, 0, "transient"},
		{"rate limited with hint", Outcome{Verdict: RateLimited, RetryAfter: 7 * time.Second},
			StateCooling, []KeyState{StateCooling}, 7 * time.Second, "rate-limited"},
		{"rate limited without hint", Outcome{Verdict: RateLimited}, StateCooling,
			[]KeyState{StateCooling}, time.Minute, "rate-limited"},
		{"day exhausted", Outcome{Verdict: DayExhausted}, StateExhausted, []KeyState{StateExhausted},
			reset.Sub(epoch), "day-exhausted"},
		{"no quota", Outcome{Verdict: NoQuota}, StateNoQuota, []KeyState{StateNoQuota}, reset.Sub(epoch), "no-quota"},
		{"dead key", Outcome{Verdict: DeadKey}, StateRetired, []KeyState{StateRetired}, never, "dead-key"},
		{"bad request", Outcome{Verdict: BadRequest}, StateReady, nil, 0, "bad-request"},
		{"canceled", Outcome{Verdict: Canceled}, StateReady, nil, 0, "canceled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			r, clk := newTestRouter(t, makeKeys(1, "v", "A", "p", Limits{RPM: 100}), Options{OnStateChange: rec.record})
			rec.changes = nil // drop the "added" of New
			l := mustAcquire(t, r, now(t, clk), Request{Model: "m"})
			l.Release(tc.outcome)

			st := r.Stats()[0]
			assert.Equal(t, tc.wantState, st.State)
			assert.Equal(t, tc.wantChange, rec.states())
			if tc.wantFail == "" {
				assert.EqualValues(t, 1, st.Successes)
				assert.Empty(t, st.LastError)
			} else {
				assert.Equal(t, tc.wantFail, st.LastError)
				assert.EqualValues(t, 1, st.Failures[tc.outcome.Verdict])
			}
			_, err := r.Acquire(now(t, clk), Request{Model: "m"})
			if tc.backAfter == 0 {
				require.NoError(t, err)
				return
			}
			var nk *NoKeyError
			require.ErrorAs(t, err, &nk)
			if tc.backAfter == never {
				assert.True(t, nk.FreeAt.IsZero())
				clk.Advance(48 * time.Hour)
				_, err = r.Acquire(now(t, clk), Request{Model: "m"})
				require.ErrorIs(t, err, ErrNoKey, "a dead key is never tried again")
				return
			}
			assert.WithinDuration(t, epoch.Add(tc.backAfter), nk.FreeAt, 0)
			assert.WithinDuration(t, epoch.Add(tc.backAfter), st.CoolingUntil, 0)
			clk.Advance(tc.backAfter - time.Nanosecond)
			_, err = r.Acquire(now(t, clk), Request{Model: "m"})
			require.ErrorIs(t, err, ErrNoKey)
			clk.Advance(time.Nanosecond)
			mustAcquire(t, r, now(t, clk), Request{Model: "m"}).Release(Outcome{})
		})
	}
}

// A cooldown belongs to the project and model: other keys of the project
// rest too, other projects and other models do not.
func TestCooldownIsPerProjectAndModel(t *testing.T) {
	keys := append(makeKeys(2, "p1", "A", "p1", Limits{}), makeKeys(1, "p2", "A", "p2", Limits{})...)
	r, clk := newTestRouter(t, keys, Options{})
	ctx := now(t, clk)
	var l *Lease
	for l == nil || l.Project() != "p1" {
		if l != nil {
			l.Release(Outcome{})
		}
		l = mustAcquire(t, r, ctx, Request{Model: "m"})
	}
	l.Release(Outcome{Verdict: RateLimited, RetryAfter: 30 * time.Second})
	for range 20 {
		l := mustAcquire(t, r, ctx, Request{Model: "m"})
		assert.Equal(t, "p2", l.Project())
		l.Release(Outcome{})
		l = mustAcquire(t, r, ctx, Request{Model: "other", Groups: []string{"A"}})
		l.Release(Outcome{})
	}
}

// The old bot blacklisted a key for an hour after any 3 errors, a bad
// prompt included. Here bad requests cost nothing, and transient failures
// open a breaker for BreakerTimeout, after which a probe closes it.
func TestBreakerInsteadOfBlacklist(t *testing.T) {
	rec := &recorder{}
	r, clk := newTestRouter(t, makeKeys(1, "b", "A", "", Limits{}), Options{OnStateChange: rec.record,
		BreakerFailures: 3, BreakerTimeout: 20 * time.Second})
	rec.changes = nil
	ctx := now(t, clk)
	req := Request{Model: "m"}
	for range 10 {
		mustAcquire(t, r, ctx, req).Release(Outcome{Verdict: BadRequest})
	}
	// Failures must come in a row: a success in between resets the count.
	for range 5 {
		mustAcquire(t, r, ctx, req).Release(Outcome{Verdict: Transient})
		mustAcquire(t, r, ctx, req).Release(Outcome{Verdict: Transient})
		mustAcquire(t, r, ctx, req).Release(Outcome{})
	}
	assert.Equal(t, BreakerClosed, r.Stats()[0].Breaker)
	for range 3 {
		mustAcquire(t, r, ctx, req).Release(Outcome{Verdict: Transient})
	}
	st := r.Stats()[0]
	assert.Equal(t, BreakerOpen, st.Breaker)
	assert.Equal(t, StateBreakerOpen, st.State)
	assert.Equal(t, []KeyState{StateBreakerOpen}, rec.states())
	_, err := r.Acquire(ctx, req)
	var nk *NoKeyError
	require.ErrorAs(t, err, &nk)
	assert.WithinDuration(t, clk.Now().Add(20*time.Second), nk.FreeAt, 0)
	// Another model of the key has its own breaker.
	mustAcquire(t, r, ctx, Request{Model: "other"}).Release(Outcome{})

	// Half-open: one probe at a time; a failed probe opens it again.
	clk.Advance(20 * time.Second)
	ctx = now(t, clk)
	probe := mustAcquire(t, r, ctx, req)
	assert.Equal(t, BreakerHalfOpen, r.Stats()[0].Breaker)
	_, err = r.Acquire(ctx, req)
	require.ErrorIs(t, err, ErrNoKey)
	probe.Release(Outcome{Verdict: Transient})
	assert.Equal(t, BreakerOpen, r.Stats()[0].Breaker)
	clk.Advance(20 * time.Second)
	ctx = now(t, clk)
	mustAcquire(t, r, ctx, req).Release(Outcome{})
	assert.Equal(t, BreakerClosed, r.Stats()[0].Breaker)
	assert.Equal(t, []KeyState{StateBreakerOpen, StateBreakerOpen, StateReady}, rec.states())
	for range 5 {
		mustAcquire(t, r, ctx, req).Release(Outcome{})
	}
	// A canceled probe does not count either way.
	for range 3 {
		mustAcquire(t, r, ctx, req).Release(Outcome{Verdict: Transient})
	}
	clk.Advance(20 * time.Second)
	ctx = now(t, clk)
	mustAcquire(t, r, ctx, req).Release(Outcome{Verdict: Canceled})
	mustAcquire(t, r, ctx, req).Release(Outcome{})
	assert.Equal(t, BreakerClosed, r.Stats()[0].Breaker)
}

func TestDeadKeyFailsOverInDo(t *testing.T) {
	r, clk := newTestRouter(t, makeKeys(3, "dead", "A", "", Limits{}), Options{
		Classifier: func(err error) Outcome {
			if err != nil {
				return Outcome{Verdict: DeadKey, Err: err}
			}
			return Outcome{}
		}})
	dead := map[string]bool{}
	err := r.Do(now(t, clk), Request{Model: "m"}, func(_ context.Context, l *Lease) (int, error) {
		if len(dead) < 2 {
			dead[l.KeyID()] = true
			return 0, context.DeadlineExceeded // any error: the classifier says dead
		}
		return 1, nil
	})
	require.NoError(t, err)
	retired := 0
	for _, st := range r.Stats() {
		if st.State == StateRetired {
			retired++
			assert.True(t, dead[st.ID])
		}
	}
	assert.Equal(t, 2, retired)
}
