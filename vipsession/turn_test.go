package vipsession_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

func TestConcurrentBeginsTakeExactlyTheQuota(t *testing.T) {
	for _, parallel := range []bool{false, true} {
		t.Run(fmt.Sprintf("parallel=%v", parallel), func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, st store.Store) {
				testConcurrentBegins(t, st, parallel)
			})
		})
	}
}

func testConcurrentBegins(t *testing.T, st store.Store, parallel bool) {
	tier := testTier("free")
	tier.RequestsPerDay = 10
	tier.TokensPerMonth = 1_000_000
	m := newManager(t, st, newClock(t0), tier, func(o *vipsession.Options) { o.ParallelStoreCalls = parallel })
	ctx := context.Background()

	const n = 1000
	var (
		wg       sync.WaitGroup
		ok, over atomic.Int64
		other    = make(chan error, n)
	)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			s, err := m.Begin(ctx, user(42), vipsession.BeginOptions{EstimatedTokens: 100})
			var qe *vipsession.QuotaError
			switch {
			case err == nil:
				ok.Add(1)
				assert.NoError(t, s.Commit(ctx, vipsession.Result{UserText: "q", ModelText: "a", PromptTokens: 60, OutputTokens: 40}))
			case errors.As(err, &qe) && qe.Quota == vipsession.QuotaRequestsPerDay:
				over.Add(1)
			default:
				other <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(other)
	for err := range other {
		t.Errorf("unexpected error: %v", err)
	}
	assert.Equal(t, int64(10), ok.Load())
	assert.Equal(t, int64(n-10), over.Load())

	stat, err := m.Status(ctx, user(42))
	require.NoError(t, err)
	assert.Equal(t, int64(10), stat.Day.Requests.Used)
	assert.Equal(t, int64(0), stat.Day.Requests.Remaining)
	assert.Equal(t, int64(10), stat.Month.Requests.Used)
	// Only the ten turns that ran used tokens: 10 × (60+40).
	assert.Equal(t, int64(1000), stat.Month.Tokens.Used)
	assert.Equal(t, int64(1_000_000-1000), stat.Month.Tokens.Remaining)
}

func TestConcurrencyOneLetsOneReplyRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.Concurrent = 1
		m := newManager(t, st, newClock(t0), tier, nil)
		ctx := context.Background()

		const n = 200
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			sessions []*vipsession.Session
			busy     atomic.Int64
		)
		for range n {
			wg.Go(func() {
				s, err := m.Begin(ctx, user(7), vipsession.BeginOptions{})
				if errors.Is(err, vipsession.ErrBusy) {
					busy.Add(1)
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
		require.Len(t, sessions, 1)
		assert.Equal(t, int64(n-1), busy.Load())
		require.NoError(t, sessions[0].Abort(ctx))
		s, err := m.Begin(ctx, user(7), vipsession.BeginOptions{})
		require.NoError(t, err)
		require.NoError(t, s.Abort(ctx))
	})
}

func TestAbortRefundsEverything(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.RequestsPerDay, tier.TokensPerDay = 1, 500
		m := newManager(t, st, newClock(t0), tier, nil)
		ctx := context.Background()

		for range 3 {
			s, err := m.Begin(ctx, user(1), vipsession.BeginOptions{EstimatedTokens: 500})
			require.NoError(t, err)
			stat, err := m.Status(ctx, user(1))
			require.NoError(t, err)
			assert.Equal(t, int64(1), stat.Day.Requests.Used)
			assert.Equal(t, int64(500), stat.Day.Tokens.Used)
			// A cancelled context (the reply was cancelled) still refunds.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			require.NoError(t, s.Abort(cctx))
			require.ErrorIs(t, s.Abort(ctx), vipsession.ErrFinished)
			require.ErrorIs(t, s.Commit(ctx, vipsession.Result{}), vipsession.ErrFinished)
		}
		stat, err := m.Status(ctx, user(1))
		require.NoError(t, err)
		assert.Equal(t, int64(0), stat.Day.Requests.Used)
		assert.Equal(t, int64(0), stat.Day.Tokens.Used)
		assert.Equal(t, 0, stat.MemoryRounds, "an aborted turn stores nothing")
		sums, err := st.SummarizeUsage(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Empty(t, sums, "an aborted turn records no usage")
	})
}

func TestCommitSettlesTokensAndRecordsUsage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.TokensPerDay = 1000
		m := newManager(t, st, newClock(t0), tier, nil)
		ctx := context.Background()

		s, err := m.Begin(ctx, user(5), vipsession.BeginOptions{EstimatedTokens: 400})
		require.NoError(t, err)
		require.NoError(t, s.Commit(ctx, vipsession.Result{
			UserText: "hi", ModelText: "hello", PromptTokens: 100, OutputTokens: 50,
			Model: "model-a", KeyID: "key-1", Latency: 2 * time.Second,
		}))
		stat, err := m.Status(ctx, user(5))
		require.NoError(t, err)
		assert.Equal(t, int64(150), stat.Day.Tokens.Used, "refunds the unused reservation")

		s, err = m.Begin(ctx, user(5), vipsession.BeginOptions{EstimatedTokens: 100})
		require.NoError(t, err)
		require.NoError(t, s.Commit(ctx, vipsession.Result{UserText: "more", ModelText: "long", PromptTokens: 300, OutputTokens: 400, Model: "model-a", KeyID: "key-1"}))
		stat, err = m.Status(ctx, user(5))
		require.NoError(t, err)
		assert.Equal(t, int64(850), stat.Day.Tokens.Used, "charges beyond the reservation")

		_, err = m.Begin(ctx, user(5), vipsession.BeginOptions{EstimatedTokens: 200})
		var qe *vipsession.QuotaError
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, vipsession.QuotaTokensPerDay, qe.Quota)
		assert.Equal(t, int64(1000), qe.Limit)
		assert.Equal(t, int64(850), qe.Used)
		assert.Equal(t, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), qe.Resets)
		stat, err = m.Status(ctx, user(5))
		require.NoError(t, err)
		assert.Equal(t, int64(2), stat.Day.Requests.Used, "the refused turn's request was given back")

		sums, err := st.SummarizeUsage(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
		require.NoError(t, err)
		require.Len(t, sums, 1)
		assert.Equal(t, "key-1", sums[0].KeyID)
		assert.Equal(t, int64(2), sums[0].Requests)
		assert.Equal(t, int64(400), sums[0].PromptTokens)
		assert.Equal(t, int64(450), sums[0].OutputTokens)
		assert.Equal(t, 2*time.Second, sums[0].Latency)
	})
}

func TestRateLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.RequestsPerMinute = 2
		clk := newClock(t0.Add(15 * time.Second))
		m := newManager(t, st, clk, tier, nil)
		ctx := context.Background()

		turn(t, m, user(3), "a", "b")
		s, err := m.Begin(ctx, user(3), vipsession.BeginOptions{})
		require.NoError(t, err)
		require.NoError(t, s.Abort(ctx))
		_, err = m.Begin(ctx, user(3), vipsession.BeginOptions{})
		var re *vipsession.RateLimitError
		require.ErrorAs(t, err, &re)
		require.ErrorIs(t, err, vipsession.ErrRateLimited)
		assert.Equal(t, 45*time.Second, re.RetryAfter)
		assert.Equal(t, int64(2), re.Limit)
		turn(t, m, user(4), "another user", "is not limited")
		clk.Advance(45 * time.Second)
		turn(t, m, user(3), "next", "minute")
	})
}

func TestCrashedTurnFreesItsSlot(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.Concurrent = 1
		clk := newClock(t0)
		m := newManager(t, st, clk, tier, func(o *vipsession.Options) { o.TurnTimeout = 2 * time.Minute })
		ctx := context.Background()

		_, err := m.Begin(ctx, user(9), vipsession.BeginOptions{}) // never finished
		require.NoError(t, err)
		_, err = m.Begin(ctx, user(9), vipsession.BeginOptions{})
		var be *vipsession.BusyError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, int64(1), be.Limit)
		clk.Advance(2 * time.Minute)
		turn(t, m, user(9), "again", "fine")
	})
}

func TestBeginRejectsBadInput(t *testing.T) {
	st := backends[0].open(t)
	m := newManager(t, st, newClock(t0), testTier("free"), nil)
	ctx := context.Background()
	_, err := m.Begin(ctx, vipsession.Identity{}, vipsession.BeginOptions{})
	require.ErrorIs(t, err, vipsession.ErrInvalid)
	_, err = m.Begin(ctx, user(1), vipsession.BeginOptions{EstimatedTokens: -1})
	require.ErrorIs(t, err, vipsession.ErrInvalid)
	s, err := m.Begin(ctx, user(1), vipsession.BeginOptions{})
	require.NoError(t, err)
	require.ErrorIs(t, s.Commit(ctx, vipsession.Result{OutputTokens: -1}), vipsession.ErrInvalid)
	require.NoError(t, s.Abort(ctx))
}

func TestZeroLimitRefuses(t *testing.T) {
	st := backends[0].open(t)
	tier := testTier("closed")
	tier.RequestsPerMonth = 0
	m := newManager(t, st, newClock(t0), tier, nil)
	_, err := m.Begin(context.Background(), user(1), vipsession.BeginOptions{})
	var qe *vipsession.QuotaError
	require.ErrorAs(t, err, &qe)
	assert.Equal(t, vipsession.QuotaRequestsPerMonth, qe.Quota)
	assert.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), qe.Resets)
}
