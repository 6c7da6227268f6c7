package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

const (
	subscriptionColumns = `user_id, tier, starts_ns, expires_ns, granted_by, note, updated_ns`
	sqlGetSubscription  = `SELECT ` + subscriptionColumns + ` FROM subscriptions WHERE user_id = ?`
	sqlPutSubscription  = `INSERT INTO subscriptions (` + subscriptionColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET tier = excluded.tier, starts_ns = excluded.starts_ns,
		expires_ns = excluded.expires_ns, granted_by = excluded.granted_by, note = excluded.note,
		updated_ns = excluded.updated_ns`
	sqlDeleteSubscription = `DELETE FROM subscriptions WHERE user_id = ?`
	// A NULL start is the zero time, before every instant; a NULL expiry
	// never comes. ?1/?2 are 1 when the filter's field is set.
	sqlListSubscriptions = `SELECT ` + subscriptionColumns + ` FROM subscriptions
		WHERE (?1 = 0 OR ((starts_ns IS NULL OR starts_ns <= ?3) AND (expires_ns IS NULL OR ?3 < expires_ns)))
		AND (?2 = 0 OR (expires_ns IS NOT NULL AND expires_ns < ?4))
		ORDER BY user_id`
)

type scanner interface{ Scan(dest ...any) error }

func scanSubscription(r scanner) (store.Subscription, error) {
	var (
		sub                     store.Subscription
		starts, expires, update sql.NullInt64
	)
	err := r.Scan(&sub.UserID, &sub.Tier, &starts, &expires, &sub.GrantedBy, &sub.Note, &update)
	sub.Starts, sub.Expires, sub.UpdatedAt = timeOf(starts), timeOf(expires), timeOf(update)
	return sub, err
}

// GetSubscription returns the user's subscription, or store.ErrNotFound.
func (s *Store) GetSubscription(ctx context.Context, userID int64) (store.Subscription, error) {
	if s.closed.Load() {
		return store.Subscription{}, errClosed("get subscription")
	}
	sub, err := scanSubscription(s.rd.queryRow(ctx, sqlGetSubscription, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Subscription{}, fmt.Errorf("sqlitestore: subscription of user %d: %w", userID, store.ErrNotFound)
	}
	if err != nil {
		return store.Subscription{}, s.fail(ctx, "get subscription", err)
	}
	return sub, nil
}

// PutSubscription creates or replaces the user's subscription.
func (s *Store) PutSubscription(ctx context.Context, sub store.Subscription) error {
	if err := store.CheckSubscription(sub); err != nil {
		return err
	}
	err := s.w.submit(ctx, func(w *writer) error {
		_, err := w.exec(sqlPutSubscription, sub.UserID, sub.Tier, nullNanos(sub.Starts), nullNanos(sub.Expires),
			sub.GrantedBy, sub.Note, nullNanos(sub.UpdatedAt))
		return err
	})
	if err != nil {
		return s.fail(ctx, "put subscription", err)
	}
	return nil
}

// DeleteSubscription removes the user's subscription, or returns
// store.ErrNotFound.
func (s *Store) DeleteSubscription(ctx context.Context, userID int64) error {
	return s.execOne(ctx, "delete subscription", fmt.Sprintf("subscription of user %d", userID), sqlDeleteSubscription, userID)
}

// ListSubscriptions returns the subscriptions matching f, ordered by user ID.
func (s *Store) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	if s.closed.Load() {
		return nil, errClosed("list subscriptions")
	}
	rows, err := s.rd.query(ctx, sqlListSubscriptions,
		boolInt(!f.ActiveAt.IsZero()), boolInt(!f.ExpiringBefore.IsZero()),
		nanos(f.ActiveAt), nanos(f.ExpiringBefore))
	if err != nil {
		return nil, s.fail(ctx, "list subscriptions", err)
	}
	defer rows.Close()
	subs := []store.Subscription{}
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, s.fail(ctx, "list subscriptions", err)
		}
		subs = append(subs, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "list subscriptions", err)
	}
	return subs, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// execOne runs a write that must change one row; none changed gives an
// error naming what, wrapping store.ErrNotFound.
func (s *Store) execOne(ctx context.Context, op, what, query string, args ...any) error {
	err := s.w.submit(ctx, func(w *writer) error {
		res, err := w.exec(query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, store.ErrNotFound)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("sqlitestore: %s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}
