package memstore

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

type counter struct {
	used    int64
	expires time.Time
}

// counterShard is one lock and the counters whose keys hash to it, padded
// so that neighbouring shards do not share a cache line. Counters are held
// by pointer so that updating one costs a single map lookup and no
// allocation; an expired counter is reused in place.
type counterShard struct {
	mu    sync.Mutex
	m     map[string]*counter
	prune pruner
	_     [64]byte
}

// get returns the counter of key for an update at now, created or restarted
// with expiry expires if it is missing or expired. The caller holds sh.mu.
func (sh *counterShard) get(key string, now, expires time.Time) *counter {
	c := sh.m[key]
	switch {
	case c == nil:
		c = &counter{expires: expires.Round(0)}
		sh.m[key] = c
		if sh.prune.due() {
			for k, v := range sh.m {
				if !v.expires.After(now) {
					delete(sh.m, k)
				}
			}
			sh.prune.swept(len(sh.m))
		}
	case !c.expires.After(now):
		*c = counter{expires: expires.Round(0)}
	}
	return c
}

// TakeCounter adds n to the counter key if the result stays within limit.
// It allocates only when a key is first used, or used again after a sweep
// dropped its expired counter.
func (s *Store) TakeCounter(ctx context.Context, key string, n, limit int64, now, expires time.Time) (int64, bool, error) {
	if err := s.check(ctx); err != nil {
		return 0, false, err
	}
	if err := store.CheckTake(key, n, limit, now, expires); err != nil {
		return 0, false, invalid("take counter", err)
	}
	sh := &s.counters[s.shard(key)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	c := sh.m[key]
	if c == nil || !c.expires.After(now) {
		if n > limit {
			// Refused on a fresh counter: nothing to create.
			return 0, false, nil
		}
		c = sh.get(key, now, expires)
	}
	// used <= limit is not guaranteed (AddCounter ignores limits), and
	// limit-used cannot overflow as both are non-negative.
	if n > limit-c.used {
		return c.used, false, nil
	}
	c.used += n
	return c.used, true, nil
}

// AddCounter adds delta to the counter key, clamping at zero and at the
// largest int64.
func (s *Store) AddCounter(ctx context.Context, key string, delta int64, now, expires time.Time) (int64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	if err := store.CheckAdd(key, now, expires); err != nil {
		return 0, invalid("add counter", err)
	}
	sh := &s.counters[s.shard(key)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	c := sh.get(key, now, expires)
	switch {
	case delta > 0 && c.used > math.MaxInt64-delta:
		c.used = math.MaxInt64
	case c.used+delta < 0:
		c.used = 0
	default:
		c.used += delta
	}
	return c.used, nil
}

// ReadCounter returns the value of the counter key at now.
func (s *Store) ReadCounter(ctx context.Context, key string, now time.Time) (int64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	if err := store.CheckKey("counter key", key); err != nil {
		return 0, invalid("read counter", err)
	}
	sh := &s.counters[s.shard(key)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c := sh.m[key]; c != nil && c.expires.After(now) {
		return c.used, nil
	}
	return 0, nil
}
