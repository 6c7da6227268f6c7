package botkit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiters holds one token bucket per key (a chat ID, a user ID),
// created on first use and evicted once idle and full again, so that memory
// follows the active keys rather than every key ever seen. It also remembers
// until when a key must not be called (a 429's retry_after). Safe for
// concurrent use.
type keyedLimiters struct {
	limit rate.Limit
	burst int
	idle  time.Duration

	mu        sync.Mutex
	m         map[int64]*keyedEntry
	lastSweep time.Time
}

type keyedEntry struct {
	lim          *rate.Limiter
	last         time.Time
	blockedUntil time.Time
	limitedAt    time.Time // when the key last got a 429
}

func newKeyedLimiters(limit rate.Limit, burst int, idle time.Duration) *keyedLimiters {
	return &keyedLimiters{limit: limit, burst: burst, idle: idle, m: make(map[int64]*keyedEntry)}
}

// entryLocked returns the entry of key, creating it, and sweeps idle
// entries now and then.
func (k *keyedLimiters) entryLocked(key int64, now time.Time) *keyedEntry {
	if now.Sub(k.lastSweep) >= k.idle {
		k.sweepLocked(now)
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{lim: rate.NewLimiter(k.limit, k.burst)}
		k.m[key] = e
	}
	e.last = now
	return e
}

func (k *keyedLimiters) sweepLocked(now time.Time) {
	k.lastSweep = now
	for key, e := range k.m {
		if now.Sub(e.last) >= k.idle && !now.Before(e.blockedUntil) && e.lim.TokensAt(now) >= float64(k.burst) {
			delete(k.m, key)
		}
	}
}

// reserve takes one token of key at now and returns the reservation.
func (k *keyedLimiters) reserve(key int64, now time.Time) *rate.Reservation {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.entryLocked(key, now).lim.ReserveN(now, 1)
}

// allow takes one token of key at now if one is there.
func (k *keyedLimiters) allow(key int64, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.entryLocked(key, now).lim.AllowN(now, 1)
}

// block forbids calls for key until t.
func (k *keyedLimiters) block(key int64, now, t time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := k.entryLocked(key, now)
	e.limitedAt = now
	if t.After(e.blockedUntil) {
		e.blockedUntil = t
	}
}

// blockedFor returns how long calls for key must still wait at now.
func (k *keyedLimiters) blockedFor(key int64, now time.Time) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := k.m[key]
	if e == nil {
		return 0
	}
	return e.blockedUntil.Sub(now)
}

// len returns the number of keys held.
func (k *keyedLimiters) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// lastLimited returns when key last got a 429, or the zero time.
func (k *keyedLimiters) lastLimited(key int64) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e := k.m[key]; e != nil {
		return e.limitedAt
	}
	return time.Time{}
}
