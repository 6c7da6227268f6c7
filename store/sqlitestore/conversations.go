package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

const (
	sqlAppendTurn = `INSERT INTO turns (conv, role, text, tokens, time_ns, media) VALUES (?, ?, ?, ?, ?, ?)`
	// The index turns_by_conv holds (conv, rowid): the newest turns of a
	// conversation are the last entries of its range, read backwards.
	sqlRecentTurns = `SELECT role, text, tokens, time_ns, media FROM turns INDEXED BY turns_by_conv
		WHERE conv = ? ORDER BY id DESC LIMIT ?`
	sqlClearConversation = `DELETE FROM turns WHERE conv = ?`
)

// AppendTurns appends turns to the conversation key in one transaction.
func (s *Store) AppendTurns(ctx context.Context, key string, turns ...store.Turn) error {
	if err := store.CheckTurns(key, turns); err != nil {
		return err
	}
	media := make([]any, len(turns))
	for i, t := range turns {
		if len(t.Media) == 0 {
			continue
		}
		b, err := json.Marshal(t.Media)
		if err != nil {
			return fmt.Errorf("sqlitestore: append turns: media of turn %d: %w", i, err)
		}
		media[i] = string(b)
	}
	err := s.w.submit(ctx, func(w *writer) error {
		for i, t := range turns {
			if _, err := w.exec(sqlAppendTurn, key, string(t.Role), t.Text, t.Tokens, nullNanos(t.Time), media[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(ctx, "append turns", err)
	}
	return nil
}

// RecentTurns returns at most limit of the most recent turns of key, oldest
// first.
func (s *Store) RecentTurns(ctx context.Context, key string, limit int) ([]store.Turn, error) {
	if err := store.CheckKey("conversation key", key); err != nil {
		return nil, err
	}
	if err := store.CheckLimit(limit); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, errClosed("recent turns")
	}
	rows, err := s.rd.query(ctx, sqlRecentTurns, key, limit)
	if err != nil {
		return nil, s.fail(ctx, "recent turns", err)
	}
	defer rows.Close()
	turns := make([]store.Turn, 0, min(limit, 64))
	for rows.Next() {
		var (
			t     store.Turn
			role  string
			tm    sql.NullInt64
			media sql.NullString
		)
		if err := rows.Scan(&role, &t.Text, &t.Tokens, &tm, &media); err != nil {
			return nil, s.fail(ctx, "recent turns", err)
		}
		t.Role = store.Role(role)
		t.Time = timeOf(tm)
		if media.Valid {
			if err := json.Unmarshal([]byte(media.String), &t.Media); err != nil {
				return nil, fmt.Errorf("sqlitestore: recent turns: media column: %w", kindError{ErrCorrupt, err})
			}
		}
		turns = append(turns, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "recent turns", err)
	}
	slices.Reverse(turns)
	return turns, nil
}

// ClearConversation removes every turn of key.
func (s *Store) ClearConversation(ctx context.Context, key string) error {
	if err := store.CheckKey("conversation key", key); err != nil {
		return err
	}
	err := s.w.submit(ctx, func(w *writer) error {
		_, err := w.exec(sqlClearConversation, key)
		return err
	})
	if err != nil {
		return s.fail(ctx, "clear conversation", err)
	}
	return nil
}
