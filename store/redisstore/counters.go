package redisstore

import (
	"context"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// TakeCounter implements store.Counters with one Lua script.
func (s *Store) TakeCounter(ctx context.Context, key string, n, limit int64, now, expires time.Time) (int64, bool, error) {
	if err := store.CheckTake(key, n, limit, now, expires); err != nil {
		return 0, false, err
	}
	if err := s.check(); err != nil {
		return 0, false, err
	}
	res, err := takeScript.Run(ctx, s.rdb, []string{s.key("ctr", key)},
		n, limit, micros(now), micros(expires), s.gcMillis(now, expires)).Int64Slice()
	if err != nil {
		return 0, false, s.wrap("take counter", err)
	}
	return res[0], res[1] == 1, nil
}

// AddCounter implements store.Counters.
func (s *Store) AddCounter(ctx context.Context, key string, delta int64, now, expires time.Time) (int64, error) {
	if err := store.CheckAdd(key, now, expires); err != nil {
		return 0, err
	}
	if err := s.check(); err != nil {
		return 0, err
	}
	used, err := addScript.Run(ctx, s.rdb, []string{s.key("ctr", key)},
		delta, micros(now), micros(expires), s.gcMillis(now, expires)).Int64()
	return used, s.wrap("add counter", err)
}

// ReadCounter implements store.Counters.
func (s *Store) ReadCounter(ctx context.Context, key string, now time.Time) (int64, error) {
	if err := store.CheckKey("counter key", key); err != nil {
		return 0, err
	}
	if err := s.check(); err != nil {
		return 0, err
	}
	used, err := readScript.Run(ctx, s.rdb, []string{s.key("ctr", key)}, micros(now)).Int64()
	return used, s.wrap("read counter", err)
}

// AcquireLease implements store.Locks.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return false, err
	}
	if err := s.check(); err != nil {
		return false, err
	}
	exp := now.Add(ttl)
	got, err := acquireScript.Run(ctx, s.rdb, []string{s.key("lease", name)},
		owner, micros(now), micros(exp), s.gcMillis(now, exp)).Int64()
	return got == 1, s.wrap("acquire lease", err)
}

// RenewLease implements store.Locks.
func (s *Store) RenewLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) error {
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	exp := now.Add(ttl)
	got, err := renewScript.Run(ctx, s.rdb, []string{s.key("lease", name)},
		owner, micros(now), micros(exp), s.gcMillis(now, exp)).Int64()
	if err != nil {
		return s.wrap("renew lease", err)
	}
	if got == 0 {
		return store.ErrNotOwner
	}
	return nil
}

// ReleaseLease implements store.Locks.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string, now time.Time) error {
	if err := store.CheckRelease(name, owner); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	got, err := releaseScript.Run(ctx, s.rdb, []string{s.key("lease", name)}, owner, micros(now)).Int64()
	if err != nil {
		return s.wrap("release lease", err)
	}
	if got == 0 {
		return store.ErrNotOwner
	}
	return nil
}

// MarkSeen implements store.Locks.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	if err := store.CheckMark(key, ttl); err != nil {
		return false, err
	}
	if err := s.check(); err != nil {
		return false, err
	}
	exp := now.Add(ttl)
	got, err := seenScript.Run(ctx, s.rdb, []string{s.key("seen", key)},
		micros(now), micros(exp), s.gcMillis(now, exp)).Int64()
	return got == 1, s.wrap("mark seen", err)
}
