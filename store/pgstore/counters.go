package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// TakeCounter implements store.Counters in one INSERT ... ON CONFLICT
// statement: the row lock makes the check and the increment one step.
func (s *Store) TakeCounter(ctx context.Context, key string, n, limit int64, now, expires time.Time) (int64, bool, error) {
	if err := store.CheckTake(key, n, limit, now, expires); err != nil {
		return 0, false, err
	}
	if n > limit {
		used, err := s.ReadCounter(ctx, key, now)
		return used, false, err
	}
	var used int64
	ok := true
	err := s.run(ctx, func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, `INSERT INTO counters AS c (key, value, expires) VALUES ($1, $2, $4)
			ON CONFLICT (key) DO UPDATE SET
				value   = CASE WHEN c.expires <= $5 THEN EXCLUDED.value ELSE c.value + $2 END,
				expires = CASE WHEN c.expires <= $5 THEN EXCLUDED.expires ELSE c.expires END
			WHERE (CASE WHEN c.expires <= $5 THEN 0 ELSE c.value END) + $2 <= $3
			RETURNING value`, key, n, limit, expires, now).Scan(&used)
		if errors.Is(err, pgx.ErrNoRows) {
			ok = false
			return nil
		}
		return err
	})
	if err != nil {
		return 0, false, s.wrap("take counter", err)
	}
	if !ok {
		used, err = s.ReadCounter(ctx, key, now)
		return used, false, err
	}
	return used, true, nil
}

// AddCounter implements store.Counters.
func (s *Store) AddCounter(ctx context.Context, key string, delta int64, now, expires time.Time) (int64, error) {
	if err := store.CheckAdd(key, now, expires); err != nil {
		return 0, err
	}
	var used int64
	err := s.run(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `INSERT INTO counters AS c (key, value, expires) VALUES ($1, GREATEST($2::bigint, 0), $3)
			ON CONFLICT (key) DO UPDATE SET
				value   = GREATEST(CASE WHEN c.expires <= $4 THEN 0 ELSE c.value END + $2::bigint, 0),
				expires = CASE WHEN c.expires <= $4 THEN EXCLUDED.expires ELSE c.expires END
			RETURNING value`, key, delta, expires, now).Scan(&used)
	})
	return used, s.wrap("add counter", err)
}

// ReadCounter implements store.Counters.
func (s *Store) ReadCounter(ctx context.Context, key string, now time.Time) (int64, error) {
	if err := store.CheckKey("counter key", key); err != nil {
		return 0, err
	}
	var used int64
	err := s.run(ctx, func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, "SELECT value FROM counters WHERE key = $1 AND expires > $2", key, now).Scan(&used)
		if errors.Is(err, pgx.ErrNoRows) {
			used = 0
			return nil
		}
		return err
	})
	return used, s.wrap("read counter", err)
}

// AcquireLease implements store.Locks.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return false, err
	}
	held := true
	err := s.run(ctx, func(ctx context.Context) error {
		var got string
		err := s.pool.QueryRow(ctx, `INSERT INTO leases AS l (name, owner, expires) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires = EXCLUDED.expires
			WHERE l.owner = EXCLUDED.owner OR l.expires <= $4
			RETURNING owner`, name, owner, now.Add(ttl), now).Scan(&got)
		if errors.Is(err, pgx.ErrNoRows) {
			held = false
			return nil
		}
		return err
	})
	return held, s.wrap("acquire lease", err)
}

// RenewLease implements store.Locks.
func (s *Store) RenewLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) error {
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return err
	}
	var n int64
	err := s.run(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `UPDATE leases SET expires = $3
			WHERE name = $1 AND owner = $2 AND expires > $4`, name, owner, now.Add(ttl), now)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return s.wrap("renew lease", err)
	}
	if n == 0 {
		return store.ErrNotOwner
	}
	return nil
}

// ReleaseLease implements store.Locks.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string, now time.Time) error {
	if err := store.CheckRelease(name, owner); err != nil {
		return err
	}
	var otherHolds bool
	err := s.run(ctx, func(ctx context.Context) error {
		// One statement, one snapshot: the delete and the check of a live
		// lease of another owner cannot be split by a concurrent acquire.
		return s.pool.QueryRow(ctx, `WITH del AS (
				DELETE FROM leases WHERE name = $1 AND (owner = $2 OR expires <= $3) RETURNING 1)
			SELECT EXISTS (SELECT 1 FROM leases WHERE name = $1 AND owner <> $2 AND expires > $3)`,
			name, owner, now).Scan(&otherHolds)
	})
	if err != nil {
		return s.wrap("release lease", err)
	}
	if otherHolds {
		return store.ErrNotOwner
	}
	return nil
}

// MarkSeen implements store.Locks.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	if err := store.CheckMark(key, ttl); err != nil {
		return false, err
	}
	first := true
	err := s.run(ctx, func(ctx context.Context) error {
		var k string
		err := s.pool.QueryRow(ctx, `INSERT INTO seen AS s (key, expires) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET expires = EXCLUDED.expires WHERE s.expires <= $3
			RETURNING key`, key, now.Add(ttl), now).Scan(&k)
		if errors.Is(err, pgx.ErrNoRows) {
			first = false
			return nil
		}
		return err
	})
	return first, s.wrap("mark seen", err)
}
