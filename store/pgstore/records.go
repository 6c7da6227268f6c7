package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// nullTime maps the zero time to SQL NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// GetSubscription implements store.Subscriptions.
func (s *Store) GetSubscription(ctx context.Context, userID int64) (store.Subscription, error) {
	var sub store.Subscription
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, subscriptionSelect+" WHERE user_id = $1", userID)
		if err != nil {
			return err
		}
		subs, err := scanSubscriptions(rows)
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			return store.ErrNotFound
		}
		sub = subs[0]
		return nil
	})
	return sub, s.wrap("get subscription", err)
}

const subscriptionSelect = "SELECT user_id, tier, starts, expires, granted_by, note, updated_at FROM subscriptions"

func scanSubscriptions(rows pgx.Rows) ([]store.Subscription, error) {
	defer rows.Close()
	var out []store.Subscription
	for rows.Next() {
		var sub store.Subscription
		var expires *time.Time
		if err := rows.Scan(&sub.UserID, &sub.Tier, &sub.Starts, &expires, &sub.GrantedBy, &sub.Note, &sub.UpdatedAt); err != nil {
			return nil, err
		}
		if expires != nil {
			sub.Expires = *expires
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// PutSubscription implements store.Subscriptions.
func (s *Store) PutSubscription(ctx context.Context, sub store.Subscription) error {
	if err := store.CheckSubscription(sub); err != nil {
		return err
	}
	err := s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO subscriptions (user_id, tier, starts, expires, granted_by, note, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (user_id) DO UPDATE SET tier = EXCLUDED.tier, starts = EXCLUDED.starts,
				expires = EXCLUDED.expires, granted_by = EXCLUDED.granted_by, note = EXCLUDED.note,
				updated_at = EXCLUDED.updated_at`,
			sub.UserID, sub.Tier, sub.Starts, nullTime(sub.Expires), sub.GrantedBy, sub.Note, sub.UpdatedAt)
		return err
	})
	return s.wrap("put subscription", err)
}

// DeleteSubscription implements store.Subscriptions.
func (s *Store) DeleteSubscription(ctx context.Context, userID int64) error {
	err := s.run(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, "DELETE FROM subscriptions WHERE user_id = $1", userID)
		if err == nil && tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return err
	})
	return s.wrap("delete subscription", err)
}

// ListSubscriptions implements store.Subscriptions.
func (s *Store) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	var out []store.Subscription
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, subscriptionSelect+`
			WHERE ($1::timestamptz IS NULL OR (starts <= $1 AND (expires IS NULL OR expires > $1)))
			  AND ($2::timestamptz IS NULL OR (expires IS NOT NULL AND expires < $2))
			ORDER BY user_id`, nullTime(f.ActiveAt), nullTime(f.ExpiringBefore))
		if err != nil {
			return err
		}
		out, err = scanSubscriptions(rows)
		return err
	})
	return out, s.wrap("list subscriptions", err)
}

const userSelect = "SELECT id, username, first_name, last_name, language_code, first_seen, last_seen, blocked FROM users"

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	err := row.Scan(&u.ID, &u.Username, &u.FirstName, &u.LastName, &u.LanguageCode, &u.FirstSeen, &u.LastSeen, &u.Blocked)
	return u, err
}

// TouchUser implements store.Users.
func (s *Store) TouchUser(ctx context.Context, u store.User) (store.User, error) {
	if u.ID == 0 {
		return store.User{}, store.CheckKey("user ID", "")
	}
	var got store.User
	err := s.run(ctx, func(ctx context.Context) error {
		var err error
		got, err = scanUser(s.pool.QueryRow(ctx, `INSERT INTO users AS u
				(id, username, first_name, last_name, language_code, first_seen, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6, $6)
			ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, first_name = EXCLUDED.first_name,
				last_name = EXCLUDED.last_name, language_code = EXCLUDED.language_code, last_seen = EXCLUDED.last_seen
			RETURNING id, username, first_name, last_name, language_code, first_seen, last_seen, blocked`,
			u.ID, u.Username, u.FirstName, u.LastName, u.LanguageCode, u.LastSeen))
		return err
	})
	return got, s.wrap("touch user", err)
}

// GetUser implements store.Users.
func (s *Store) GetUser(ctx context.Context, id int64) (store.User, error) {
	var u store.User
	err := s.run(ctx, func(ctx context.Context) error {
		var err error
		u, err = scanUser(s.pool.QueryRow(ctx, userSelect+" WHERE id = $1", id))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		return err
	})
	return u, s.wrap("get user", err)
}

// SetUserBlocked implements store.Users.
func (s *Store) SetUserBlocked(ctx context.Context, id int64, blocked bool) error {
	err := s.run(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, "UPDATE users SET blocked = $2 WHERE id = $1", id, blocked)
		if err == nil && tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return err
	})
	return s.wrap("set user blocked", err)
}

// ListUsers implements store.Users.
func (s *Store) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, error) {
	if err := store.CheckUserFilter(f); err != nil {
		return nil, err
	}
	var out []store.User
	err := s.run(ctx, func(ctx context.Context) error {
		out = out[:0]
		rows, err := s.pool.Query(ctx, userSelect+` WHERE id > $1 AND (NOT $2 OR NOT blocked)
			ORDER BY id LIMIT $3`, f.AfterID, f.ExcludeBlocked, f.Limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, s.wrap("list users", err)
}

// AppendUsage implements store.Usage.
func (s *Store) AppendUsage(ctx context.Context, r store.UsageRecord) error {
	if err := store.CheckUsage(r); err != nil {
		return err
	}
	err := s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO usage (user_id, chat_id, model, key_id, prompt_tokens,
			output_tokens, latency_us, outcome, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.UserID, r.ChatID, r.Model, r.KeyID, r.PromptTokens, r.OutputTokens, r.Latency.Microseconds(), r.Outcome, r.Time)
		return err
	})
	return s.wrap("append usage", err)
}

// SummarizeUsage implements store.Usage, grouping in SQL.
func (s *Store) SummarizeUsage(ctx context.Context, from, to time.Time) ([]store.UsageBucket, error) {
	var out []store.UsageBucket
	err := s.run(ctx, func(ctx context.Context) error {
		out = out[:0]
		rows, err := s.pool.Query(ctx, `SELECT date_trunc('day', at AT TIME ZONE 'UTC') AS day, user_id, model, key_id,
				count(*), count(*) FILTER (WHERE outcome <> $3), sum(prompt_tokens), sum(output_tokens), sum(latency_us)
			FROM usage WHERE at >= $1 AND at < $2
			GROUP BY day, user_id, model, key_id ORDER BY day, user_id, model COLLATE "C", key_id COLLATE "C"`, from, to, store.OutcomeOK)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b store.UsageBucket
			var day time.Time
			var latency int64
			if err := rows.Scan(&day, &b.UserID, &b.Model, &b.KeyID, &b.Requests, &b.Errors,
				&b.PromptTokens, &b.OutputTokens, &latency); err != nil {
				return err
			}
			b.Day = store.DayUTC(day)
			b.Latency = time.Duration(latency) * time.Microsecond
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, s.wrap("summarize usage", err)
}

// GetValue implements store.KV.
func (s *Store) GetValue(ctx context.Context, key string, now time.Time) ([]byte, error) {
	if err := store.CheckKey("key", key); err != nil {
		return nil, err
	}
	var v []byte
	err := s.run(ctx, func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, "SELECT value FROM kv WHERE key = $1 AND (expires IS NULL OR expires > $2)", key, now).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		return err
	})
	if v == nil && err == nil {
		v = []byte{}
	}
	return v, s.wrap("get value", err)
}

// SetValue implements store.KV.
func (s *Store) SetValue(ctx context.Context, key string, value []byte, ttl time.Duration, now time.Time) error {
	if err := store.CheckValue(key, ttl); err != nil {
		return err
	}
	var expires *time.Time
	if ttl > 0 {
		expires = nullTime(now.Add(ttl))
	}
	if value == nil {
		value = []byte{}
	}
	err := s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO kv (key, value, expires) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires`, key, value, expires)
		return err
	})
	return s.wrap("set value", err)
}

// DeleteValue implements store.KV.
func (s *Store) DeleteValue(ctx context.Context, key string) error {
	if err := store.CheckKey("key", key); err != nil {
		return err
	}
	err := s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, "DELETE FROM kv WHERE key = $1", key)
		return err
	})
	return s.wrap("delete value", err)
}
