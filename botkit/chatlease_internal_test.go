package botkit

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// stepClock is a Clock moved by hand; its timers are never used.
type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time                 { return c.now }
func (c *stepClock) NewTimer(d time.Duration) Timer { panic("stepClock has no timers") }

// tickTimer fires when the test sends on its channel.
type tickTimer struct{ c chan time.Time }

func (t tickTimer) C() <-chan time.Time { return t.c }
func (t tickTimer) Stop() bool          { return true }

func TestKeepLeaseRenewsUntilStopped(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	ctx := context.Background()
	clock := &stepClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	const ttl = 30 * time.Second
	ok, err := st.AcquireLease(ctx, "chat", "a", ttl, clock.now)
	require.NoError(t, err)
	require.True(t, ok)

	ticks := make(chan chan time.Time)
	periods := make(chan time.Duration, 16)
	tick := func(d time.Duration) Timer {
		periods <- d
		c := make(chan time.Time, 1)
		ticks <- c
		return tickTimer{c}
	}
	stop := keepLease(st, "chat", "a", ttl, time.Second, clock, tick, slog.New(slog.DiscardHandler))
	// Four renewals, each 25s after the last: without them the lease would
	// have expired three times over.
	for range 4 {
		c := <-ticks
		clock.now = clock.now.Add(25 * time.Second)
		c <- clock.now
	}
	<-ticks // the fifth wait has begun, so the fourth renewal is done
	stop()
	require.Equal(t, ttl/3, <-periods)
	ok, err = st.AcquireLease(ctx, "chat", "b", ttl, clock.now.Add(ttl-time.Second))
	require.NoError(t, err)
	require.False(t, ok, "the lease was renewed: b cannot take it")

	// Stopped: no more renewals, so the lease lapses.
	ok, err = st.AcquireLease(ctx, "chat", "b", ttl, clock.now.Add(ttl))
	require.NoError(t, err)
	require.True(t, ok)
	require.ErrorIs(t, st.RenewLease(ctx, "chat", "a", ttl, clock.now.Add(ttl)), store.ErrNotOwner)
}
