package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Lease and mark statements. A row whose expires_ns <= now has expired and
// is treated as missing.
const (
	// sqlAcquireLease returns a row when owner holds the lease afterwards.
	sqlAcquireLease = `INSERT INTO leases (name, owner, expires_ns) VALUES (?1, ?2, ?3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ns = excluded.expires_ns
		WHERE leases.owner = excluded.owner OR leases.expires_ns <= ?4
		RETURNING 1`
	sqlRenewLease = `UPDATE leases SET expires_ns = ?3 WHERE name = ?1 AND owner = ?2 AND expires_ns > ?4`
	// sqlReleaseLease deletes the lease if owner holds it, and also clears
	// it away once it has expired, whoever held it.
	sqlReleaseLease = `DELETE FROM leases WHERE name = ?1 AND (owner = ?2 OR expires_ns <= ?3)`
	sqlLeaseHeld    = `SELECT 1 FROM leases WHERE name = ?1 AND expires_ns > ?2`
	// sqlMarkSeen returns a row when this call is the first to see key
	// since the previous mark expired. A repeated mark keeps the first
	// mark's expiry.
	sqlMarkSeen = `INSERT INTO seen (key, expires_ns) VALUES (?1, ?2)
		ON CONFLICT (key) DO UPDATE SET expires_ns = excluded.expires_ns WHERE seen.expires_ns <= ?3
		RETURNING 1`
)

// AcquireLease takes the lease name for owner until now+ttl if it is free,
// expired or already held by owner.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return false, err
	}
	var held bool
	err := s.w.submit(ctx, func(w *writer) error {
		var one int
		err := w.queryRow(sqlAcquireLease, name, owner, deadline(now, ttl), nanos(now)).Scan(&one)
		held = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return false, s.fail(ctx, "acquire lease", err)
	}
	return held, nil
}

// RenewLease extends a lease held by owner to now+ttl, or returns
// store.ErrNotOwner.
func (s *Store) RenewLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) error {
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return err
	}
	err := s.w.submit(ctx, func(w *writer) error {
		res, err := w.exec(sqlRenewLease, name, owner, deadline(now, ttl), nanos(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, store.ErrNotOwner)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotOwner) {
		return fmt.Errorf("sqlitestore: renew lease %q: %w", name, store.ErrNotOwner)
	}
	if err != nil {
		return s.fail(ctx, "renew lease", err)
	}
	return nil
}

// ReleaseLease frees a lease held by owner. A lease held by someone else
// gives store.ErrNotOwner.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string, now time.Time) error {
	if err := store.CheckRelease(name, owner); err != nil {
		return err
	}
	err := s.w.submit(ctx, func(w *writer) error {
		res, err := w.exec(sqlReleaseLease, name, owner, nanos(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		err = w.queryRow(sqlLeaseHeld, name, nanos(now)).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		return store.ErrNotOwner
	})
	if errors.Is(err, store.ErrNotOwner) {
		return fmt.Errorf("sqlitestore: release lease %q: %w", name, store.ErrNotOwner)
	}
	if err != nil {
		return s.fail(ctx, "release lease", err)
	}
	return nil
}

// MarkSeen records key as seen until now+ttl and reports whether this call
// was the first to see it since the previous mark expired.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	if err := store.CheckMark(key, ttl); err != nil {
		return false, err
	}
	var first bool
	err := s.w.submit(ctx, func(w *writer) error {
		var one int
		err := w.queryRow(sqlMarkSeen, key, deadline(now, ttl), nanos(now)).Scan(&one)
		first = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return false, s.fail(ctx, "mark seen", err)
	}
	return first, nil
}
