package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Counter statements. ?1 key, ?2 amount, ?3 limit, ?4 now, ?5 expiry, all
// times in nanoseconds. A row whose expires_ns <= now is an expired counter
// and counts as zero, so each statement restarts it in place.
const (
	// sqlTakeCounter takes ?2 (at most ?3, checked by the caller) if the
	// counter, restarted if expired, stays within ?3. It returns the new
	// value when it took, and no row when the DO UPDATE's WHERE refused.
	sqlTakeCounter = `INSERT INTO counters (key, used, expires_ns) VALUES (?1, ?2, ?5)
		ON CONFLICT (key) DO UPDATE SET
			used       = CASE WHEN expires_ns <= ?4 THEN ?2 ELSE used + ?2 END,
			expires_ns = CASE WHEN expires_ns <= ?4 THEN ?5 ELSE expires_ns END
		WHERE ?2 <= ?3 - CASE WHEN expires_ns <= ?4 THEN 0 ELSE used END
		RETURNING used`
	sqlAddCounter = `INSERT INTO counters (key, used, expires_ns) VALUES (?1, max(?2, 0), ?5)
		ON CONFLICT (key) DO UPDATE SET
			used       = max(CASE WHEN expires_ns <= ?4 THEN 0 ELSE used END + ?2, 0),
			expires_ns = CASE WHEN expires_ns <= ?4 THEN ?5 ELSE expires_ns END
		RETURNING used`
	sqlReadCounter = `SELECT used FROM counters WHERE key = ? AND expires_ns > ?`
)

// TakeCounter adds n to the counter key if used+n <= limit. The statement
// and the read that follows a refusal run in one transaction on the single
// writing connection, and SQLite's write lock serialises it with other
// processes sharing the file.
func (s *Store) TakeCounter(ctx context.Context, key string, n, limit int64, now, expires time.Time) (used int64, ok bool, err error) {
	if err := store.CheckTake(key, n, limit, now, expires); err != nil {
		return 0, false, err
	}
	nowNS, expNS := nanos(now), nanos(expires)
	err = s.w.submit(ctx, func(w *writer) error {
		used, ok = 0, false
		if n <= limit { // else no counter, however low, can take n
			err := w.queryRow(sqlTakeCounter, key, n, limit, nowNS, expNS).Scan(&used)
			if err == nil {
				ok = true
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		err := w.queryRow(sqlReadCounter, key, nowNS).Scan(&used)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, false, s.fail(ctx, "take counter", err)
	}
	return used, ok, nil
}

// AddCounter adds delta to the counter, clamping at zero, and returns the
// new value.
func (s *Store) AddCounter(ctx context.Context, key string, delta int64, now, expires time.Time) (used int64, err error) {
	if err := store.CheckAdd(key, now, expires); err != nil {
		return 0, err
	}
	nowNS, expNS := nanos(now), nanos(expires)
	err = s.w.submit(ctx, func(w *writer) error {
		return w.queryRow(sqlAddCounter, key, delta, nil, nowNS, expNS).Scan(&used)
	})
	if err != nil {
		return 0, s.fail(ctx, "add counter", err)
	}
	return used, nil
}

// ReadCounter returns the counter's value at now.
func (s *Store) ReadCounter(ctx context.Context, key string, now time.Time) (int64, error) {
	if err := store.CheckKey("counter key", key); err != nil {
		return 0, err
	}
	if s.closed.Load() {
		return 0, errClosed("read counter")
	}
	var used int64
	err := s.rd.queryRow(ctx, sqlReadCounter, key, nanos(now)).Scan(&used)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, s.fail(ctx, "read counter", err)
	}
	return used, nil
}
