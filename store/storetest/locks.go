package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var lockCases = []testCase{
	{"AcquireFree", leaseAcquireFree},
	{"AcquireHeld", leaseAcquireHeld},
	{"AcquireRenewsOwn", leaseAcquireRenewsOwn},
	{"Expiry", leaseExpiry},
	{"RenewOnlyByOwner", leaseRenew},
	{"ReleaseOnlyByOwner", leaseRelease},
	{"NamesAreSeparate", leaseNamesSeparate},
	{"Invalid", leaseInvalid},
	{"ConcurrentAcquire", leaseConcurrent},
	{"MarkSeen", seenMark},
	{"MarkSeenExpiry", seenExpiry},
	{"MarkSeenKeys", seenKeys},
	{"MarkSeenInvalid", seenInvalid},
	{"ConcurrentMarkSeen", seenConcurrent},
}

func acquire(t testing.TB, s store.Store, name, owner string, ttl time.Duration, now time.Time) bool {
	t.Helper()
	ok, err := s.AcquireLease(ctx(t), name, owner, ttl, now)
	require.NoError(t, err)
	return ok
}

func markSeen(t testing.TB, s store.Store, key string, ttl time.Duration, now time.Time) bool {
	t.Helper()
	first, err := s.MarkSeen(ctx(t), key, ttl, now)
	require.NoError(t, err)
	return first
}

func leaseAcquireFree(t *testing.T, s store.Store) {
	require.True(t, acquire(t, s, "chat:1", "replica-a", time.Minute, base))
	require.NoError(t, s.RenewLease(ctx(t), "chat:1", "replica-a", time.Minute, base.Add(time.Second)))
}

func leaseAcquireHeld(t *testing.T, s store.Store) {
	require.True(t, acquire(t, s, "chat:1", "a", time.Minute, base))
	require.False(t, acquire(t, s, "chat:1", "b", time.Minute, base.Add(time.Second)))
	require.False(t, acquire(t, s, "chat:1", "b", time.Hour, base.Add(time.Minute-time.Millisecond)))
	requireErrorIs(t, s.RenewLease(ctx(t), "chat:1", "b", time.Minute, base), store.ErrNotOwner, "the loser does not hold it")
	require.NoError(t, s.RenewLease(ctx(t), "chat:1", "a", time.Minute, base.Add(2*time.Second)), "a failed acquire changed the owner")
}

func leaseAcquireRenewsOwn(t *testing.T, s store.Store) {
	require.True(t, acquire(t, s, "l", "a", time.Minute, base))
	require.True(t, acquire(t, s, "l", "a", time.Minute, base.Add(50*time.Second)), "the owner acquires again")
	// The lease now runs to base+110s.
	require.False(t, acquire(t, s, "l", "b", time.Minute, base.Add(100*time.Second)), "re-acquiring did not renew")
	require.True(t, acquire(t, s, "l", "b", time.Minute, base.Add(110*time.Second)))
}

func leaseExpiry(t *testing.T, s store.Store) {
	require.True(t, acquire(t, s, "l", "a", time.Minute, base))
	end := base.Add(time.Minute)
	require.False(t, acquire(t, s, "l", "b", time.Minute, end.Add(-time.Millisecond)))
	require.True(t, acquire(t, s, "l", "b", time.Minute, end), "a lease has expired at now+ttl")
	requireErrorIs(t, s.RenewLease(ctx(t), "l", "a", time.Minute, end), store.ErrNotOwner, "the previous owner renews")
	requireErrorIs(t, s.ReleaseLease(ctx(t), "l", "a", end), store.ErrNotOwner, "the previous owner releases")
	require.False(t, acquire(t, s, "l", "a", time.Minute, end.Add(time.Second)), "the new owner holds it")
	// An expired lease cannot be renewed, even by its owner.
	requireErrorIs(t, s.RenewLease(ctx(t), "l", "b", time.Minute, end.Add(time.Minute)), store.ErrNotOwner, "renewing an expired lease")
	// Releasing an expired lease is not an error.
	require.NoError(t, s.ReleaseLease(ctx(t), "l", "b", end.Add(time.Minute)))
	require.True(t, acquire(t, s, "l", "c", time.Minute, end.Add(time.Minute)))
}

func leaseRenew(t *testing.T, s store.Store) {
	requireErrorIs(t, s.RenewLease(ctx(t), "l", "a", time.Minute, base), store.ErrNotOwner, "renewing a missing lease")
	require.True(t, acquire(t, s, "l", "a", time.Minute, base))
	requireErrorIs(t, s.RenewLease(ctx(t), "l", "b", time.Minute, base.Add(time.Second)), store.ErrNotOwner, "renewing someone else's lease")
	require.NoError(t, s.RenewLease(ctx(t), "l", "a", 10*time.Minute, base.Add(30*time.Second)))
	require.False(t, acquire(t, s, "l", "b", time.Minute, base.Add(10*time.Minute)), "the renewal did not extend the lease")
	require.True(t, acquire(t, s, "l", "b", time.Minute, base.Add(30*time.Second+10*time.Minute)))
	// A renewal may also shorten a lease: it runs to now+ttl.
	require.NoError(t, s.RenewLease(ctx(t), "l", "b", time.Second, base.Add(11*time.Minute)))
	require.True(t, acquire(t, s, "l", "c", time.Minute, base.Add(11*time.Minute+time.Second)))
}

func leaseRelease(t *testing.T, s store.Store) {
	require.NoError(t, s.ReleaseLease(ctx(t), "l", "a", base), "releasing a missing lease")
	require.True(t, acquire(t, s, "l", "a", time.Minute, base))
	requireErrorIs(t, s.ReleaseLease(ctx(t), "l", "b", base), store.ErrNotOwner, "releasing someone else's lease")
	require.False(t, acquire(t, s, "l", "b", time.Minute, base), "a refused release freed the lease")
	require.NoError(t, s.ReleaseLease(ctx(t), "l", "a", base.Add(time.Second)))
	require.NoError(t, s.ReleaseLease(ctx(t), "l", "a", base.Add(time.Second)), "releasing twice")
	require.True(t, acquire(t, s, "l", "b", time.Minute, base.Add(2*time.Second)), "a released lease is free")
	requireErrorIs(t, s.RenewLease(ctx(t), "l", "a", time.Minute, base.Add(3*time.Second)), store.ErrNotOwner, "renewing after release")
}

func leaseNamesSeparate(t *testing.T, s store.Store) {
	names := append([]string{"l", "L", "l%", "l_", "l*"}, tricky...)
	for i, n := range names {
		require.True(t, acquire(t, s, n, fmt.Sprint("owner", i), time.Minute, base), n)
	}
	for i, n := range names {
		require.NoError(t, s.RenewLease(ctx(t), n, fmt.Sprint("owner", i), time.Minute, base), n)
	}
	// Owners are stored verbatim too.
	for i, o := range tricky {
		name := fmt.Sprint("owned", i)
		require.True(t, acquire(t, s, name, o, time.Minute, base))
		require.NoError(t, s.RenewLease(ctx(t), name, o, time.Minute, base))
		requireErrorIs(t, s.RenewLease(ctx(t), name, o+" ", time.Minute, base), store.ErrNotOwner)
	}
}

func leaseInvalid(t *testing.T, s store.Store) {
	require.True(t, acquire(t, s, "l", "a", time.Minute, base))
	calls := []struct {
		name  string
		owner string
		lease string
		ttl   time.Duration
	}{
		{"empty name", "a", "", time.Minute},
		{"empty owner", "", "l", time.Minute},
		{"zero ttl", "a", "l", 0},
		{"negative ttl", "a", "l", -time.Second},
		{"zero ttl, other lease", "a", "free", 0},
	}
	for _, c := range calls {
		_, err := s.AcquireLease(ctx(t), c.lease, c.owner, c.ttl, base.Add(time.Second))
		requireErrorIs(t, err, store.ErrInvalid, "AcquireLease: "+c.name)
		err = s.RenewLease(ctx(t), c.lease, c.owner, c.ttl, base.Add(time.Second))
		requireErrorIs(t, err, store.ErrInvalid, "RenewLease: "+c.name)
	}
	requireErrorIs(t, s.ReleaseLease(ctx(t), "", "a", base), store.ErrInvalid, "ReleaseLease: empty name")
	requireErrorIs(t, s.ReleaseLease(ctx(t), "l", "", base), store.ErrInvalid, "ReleaseLease: empty owner")
	// Nothing changed: a still holds l until base+1m, and "free" is free.
	require.False(t, acquire(t, s, "l", "b", time.Minute, base.Add(time.Minute-time.Millisecond)))
	require.True(t, acquire(t, s, "l", "b", time.Minute, base.Add(time.Minute)))
	require.True(t, acquire(t, s, "free", "b", time.Minute, base))
}

// leaseConcurrent lets many owners race for one lease: exactly one wins.
func leaseConcurrent(t *testing.T, s store.Store) {
	const racers = 64
	var winners atomic.Int32
	var winner atomic.Value
	parallel(racers, func(i int) {
		owner := fmt.Sprint("replica-", i)
		ok, err := s.AcquireLease(ctx(t), "chat:race", owner, time.Minute, base)
		assert.NoError(t, err)
		if ok {
			winners.Add(1)
			winner.Store(owner)
		}
	})
	require.EqualValues(t, 1, winners.Load(), "owners of one lease")
	owner := winner.Load().(string)
	for i := range racers {
		o := fmt.Sprint("replica-", i)
		err := s.RenewLease(ctx(t), "chat:race", o, time.Minute, base.Add(time.Second))
		if o == owner {
			require.NoError(t, err)
		} else {
			requireErrorIs(t, err, store.ErrNotOwner)
		}
	}
	// Once the lease has expired, the race for it starts again; the previous
	// owner takes part too.
	winners.Store(0)
	later := base.Add(time.Second + time.Minute)
	parallel(racers, func(i int) {
		ok, err := s.AcquireLease(ctx(t), "chat:race", fmt.Sprint("replica-", i), time.Minute, later)
		assert.NoError(t, err)
		if ok {
			winners.Add(1)
		}
	})
	require.EqualValues(t, 1, winners.Load(), "owners of an expired lease")
}

func seenMark(t *testing.T, s store.Store) {
	require.True(t, markSeen(t, s, "update:1", time.Hour, base))
	require.False(t, markSeen(t, s, "update:1", time.Hour, base.Add(time.Second)))
	require.False(t, markSeen(t, s, "update:1", time.Hour, base.Add(time.Minute)))
	require.True(t, markSeen(t, s, "update:2", time.Hour, base.Add(time.Minute)))
}

func seenExpiry(t *testing.T, s store.Store) {
	require.True(t, markSeen(t, s, "u", time.Minute, base))
	require.False(t, markSeen(t, s, "u", time.Minute, base.Add(time.Minute-time.Millisecond)))
	require.True(t, markSeen(t, s, "u", time.Minute, base.Add(time.Minute)), "a mark has expired at now+ttl")
	// The new mark runs from the new call.
	require.False(t, markSeen(t, s, "u", time.Minute, base.Add(2*time.Minute-time.Millisecond)))
	require.True(t, markSeen(t, s, "u", time.Hour, base.Add(3*time.Minute)))
}

func seenKeys(t *testing.T, s store.Store) {
	keys := append([]string{"s", "S", "s%", "s_", "s*"}, tricky...)
	for _, k := range keys {
		require.True(t, markSeen(t, s, k, time.Hour, base), k)
	}
	for _, k := range keys {
		require.False(t, markSeen(t, s, k, time.Hour, base), k)
	}
	// Leases and marks are separate namespaces from each other.
	require.True(t, acquire(t, s, "s", "owner", time.Hour, base))
}

func seenInvalid(t *testing.T, s store.Store) {
	require.True(t, markSeen(t, s, "u", time.Minute, base))
	for _, c := range []struct {
		name string
		key  string
		ttl  time.Duration
	}{
		{"empty key", "", time.Minute},
		{"zero ttl", "u", 0},
		{"negative ttl", "u", -time.Minute},
		{"zero ttl, new key", "v", 0},
	} {
		_, err := s.MarkSeen(ctx(t), c.key, c.ttl, base.Add(2*time.Minute))
		requireErrorIs(t, err, store.ErrInvalid, c.name)
	}
	require.False(t, markSeen(t, s, "u", time.Minute, base.Add(time.Second)), "an invalid call cleared the mark")
	require.True(t, markSeen(t, s, "v", time.Minute, base), "an invalid call created a mark")
}

func seenConcurrent(t *testing.T, s store.Store) {
	const racers = 64
	for round := range 3 {
		key := fmt.Sprint("update:", round)
		var firsts atomic.Int32
		parallel(racers, func(i int) {
			first, err := s.MarkSeen(ctx(t), key, time.Hour, base.Add(time.Duration(i)*time.Microsecond))
			assert.NoError(t, err)
			if first {
				firsts.Add(1)
			}
		})
		require.EqualValues(t, 1, firsts.Load(), "first sightings of %s", key)
	}
}
