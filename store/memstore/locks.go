package memstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

type lease struct {
	owner   string
	expires time.Time
}

// leases holds every lease under one lock: leases are taken once per
// handled update, far less often than counters.
type leases struct {
	mu    sync.Mutex
	m     map[string]lease
	prune pruner
}

// live returns the lease name if it is held at now. The caller holds l.mu.
func (l *leases) live(name string, now time.Time) (lease, bool) {
	x, ok := l.m[name]
	if !ok || !x.expires.After(now) {
		return lease{}, false
	}
	return x, true
}

// put stores x and sweeps expired leases when due. The caller holds l.mu.
func (l *leases) put(name string, x lease, now time.Time) {
	l.m[name] = x
	if l.prune.due() {
		for k, v := range l.m {
			if !v.expires.After(now) {
				delete(l.m, k)
			}
		}
		l.prune.swept(len(l.m))
	}
}

var errNotOwner = fmt.Errorf("memstore: %w", store.ErrNotOwner)

// AcquireLease takes the lease name for owner until now+ttl if it is free,
// expired or already owner's.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if err := s.check(ctx); err != nil {
		return false, err
	}
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return false, invalid("acquire lease", err)
	}
	l := &s.leases
	l.mu.Lock()
	defer l.mu.Unlock()
	if x, ok := l.live(name, now); ok && x.owner != owner {
		return false, nil
	}
	l.put(name, lease{owner: owner, expires: now.Add(ttl).Round(0)}, now)
	return true, nil
}

// RenewLease extends owner's lease name to now+ttl.
func (s *Store) RenewLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return invalid("renew lease", err)
	}
	l := &s.leases
	l.mu.Lock()
	defer l.mu.Unlock()
	if x, ok := l.live(name, now); !ok || x.owner != owner {
		return errNotOwner
	}
	l.put(name, lease{owner: owner, expires: now.Add(ttl).Round(0)}, now)
	return nil
}

// ReleaseLease frees owner's lease name.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string, now time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := store.CheckRelease(name, owner); err != nil {
		return invalid("release lease", err)
	}
	l := &s.leases
	l.mu.Lock()
	defer l.mu.Unlock()
	x, ok := l.live(name, now)
	if ok && x.owner != owner {
		return errNotOwner
	}
	delete(l.m, name)
	return nil
}

type mark struct{ expires time.Time }

// markShard is one lock and the first-seen marks whose keys hash to it.
type markShard struct {
	mu    sync.Mutex
	m     map[string]mark
	prune pruner
	_     [64]byte
}

// MarkSeen records key as seen until now+ttl and reports whether it was
// not seen (or its mark had expired) before.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	if err := s.check(ctx); err != nil {
		return false, err
	}
	if err := store.CheckMark(key, ttl); err != nil {
		return false, invalid("mark seen", err)
	}
	sh := &s.marks[s.shard(key)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if m, ok := sh.m[key]; ok && m.expires.After(now) {
		return false, nil
	}
	sh.m[key] = mark{expires: now.Add(ttl).Round(0)}
	if sh.prune.due() {
		for k, v := range sh.m {
			if !v.expires.After(now) {
				delete(sh.m, k)
			}
		}
		sh.prune.swept(len(sh.m))
	}
	return true, nil
}
