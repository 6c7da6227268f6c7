package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

const (
	sqlGetValue = `SELECT value FROM kv WHERE key = ?1 AND (expires_ns IS NULL OR expires_ns > ?2)`
	sqlSetValue = `INSERT INTO kv (key, value, expires_ns) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_ns = excluded.expires_ns`
	sqlDeleteValue = `DELETE FROM kv WHERE key = ?`
)

// GetValue returns the value of key, or store.ErrNotFound when it is
// missing or has expired at now.
func (s *Store) GetValue(ctx context.Context, key string, now time.Time) ([]byte, error) {
	if err := store.CheckKey("key", key); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, errClosed("get value")
	}
	var v []byte
	err := s.rd.queryRow(ctx, sqlGetValue, key, nanos(now)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlitestore: value %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, s.fail(ctx, "get value", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// SetValue stores value under key, until now+ttl if ttl is positive.
func (s *Store) SetValue(ctx context.Context, key string, value []byte, ttl time.Duration, now time.Time) error {
	if err := store.CheckValue(key, ttl); err != nil {
		return err
	}
	var expires any
	if ttl > 0 {
		expires = deadline(now, ttl)
	}
	if value == nil {
		value = []byte{} // the column is NOT NULL; nil and empty read back alike
	}
	err := s.w.submit(ctx, func(w *writer) error {
		_, err := w.exec(sqlSetValue, key, value, expires)
		return err
	})
	if err != nil {
		return s.fail(ctx, "set value", err)
	}
	return nil
}

// DeleteValue removes key; deleting a missing key is not an error.
func (s *Store) DeleteValue(ctx context.Context, key string) error {
	if err := store.CheckKey("key", key); err != nil {
		return err
	}
	err := s.w.submit(ctx, func(w *writer) error {
		_, err := w.exec(sqlDeleteValue, key)
		return err
	})
	if err != nil {
		return s.fail(ctx, "delete value", err)
	}
	return nil
}
