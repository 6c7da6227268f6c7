package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

const (
	userColumns = `id, username, first_name, last_name, language_code, first_seen_ns, last_seen_ns, blocked`
	// sqlTouchUser creates the user with first_seen = last_seen, or updates
	// names, language and last_seen, keeping first_seen and blocked.
	sqlTouchUser = `INSERT INTO users (` + userColumns + `) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 0)
		ON CONFLICT (id) DO UPDATE SET username = excluded.username, first_name = excluded.first_name,
		last_name = excluded.last_name, language_code = excluded.language_code, last_seen_ns = excluded.last_seen_ns
		RETURNING ` + userColumns
	sqlGetUser        = `SELECT ` + userColumns + ` FROM users WHERE id = ?`
	sqlSetUserBlocked = `UPDATE users SET blocked = ?2 WHERE id = ?1`
	sqlListUsers      = `SELECT ` + userColumns + ` FROM users WHERE id > ?1 AND (?2 = 0 OR blocked = 0) ORDER BY id LIMIT ?3`
)

func scanUser(r scanner) (store.User, error) {
	var (
		u           store.User
		first, last sql.NullInt64
	)
	err := r.Scan(&u.ID, &u.Username, &u.FirstName, &u.LastName, &u.LanguageCode, &first, &last, &u.Blocked)
	u.FirstSeen, u.LastSeen = timeOf(first), timeOf(last)
	return u, err
}

// TouchUser records that u was seen at u.LastSeen and returns the stored user.
func (s *Store) TouchUser(ctx context.Context, u store.User) (store.User, error) {
	if u.ID == 0 {
		return store.User{}, fmt.Errorf("%w: user without ID", store.ErrInvalid)
	}
	var stored store.User
	err := s.w.submit(ctx, func(w *writer) error {
		var err error
		stored, err = scanUser(w.queryRow(sqlTouchUser, u.ID, u.Username, u.FirstName, u.LastName, u.LanguageCode, nullNanos(u.LastSeen)))
		return err
	})
	if err != nil {
		return store.User{}, s.fail(ctx, "touch user", err)
	}
	return stored, nil
}

// GetUser returns the user, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (store.User, error) {
	if s.closed.Load() {
		return store.User{}, errClosed("get user")
	}
	u, err := scanUser(s.rd.queryRow(ctx, sqlGetUser, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("sqlitestore: user %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, s.fail(ctx, "get user", err)
	}
	return u, nil
}

// SetUserBlocked records whether the user blocked the bot, or returns
// store.ErrNotFound for an unknown user.
func (s *Store) SetUserBlocked(ctx context.Context, id int64, blocked bool) error {
	return s.execOne(ctx, "set user blocked", fmt.Sprintf("user %d", id), sqlSetUserBlocked, id, blocked)
}

// ListUsers returns a page of users ordered by ID.
func (s *Store) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, error) {
	if err := store.CheckUserFilter(f); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, errClosed("list users")
	}
	rows, err := s.rd.query(ctx, sqlListUsers, f.AfterID, f.ExcludeBlocked, f.Limit)
	if err != nil {
		return nil, s.fail(ctx, "list users", err)
	}
	defer rows.Close()
	users := make([]store.User, 0, min(f.Limit, 256))
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.fail(ctx, "list users", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "list users", err)
	}
	return users, nil
}
