package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// AppendTurns implements store.Conversations. The turns of one call are
// inserted in one transaction holding an advisory lock on the conversation,
// so concurrent calls never interleave their turns.
func (s *Store) AppendTurns(ctx context.Context, key string, turns ...store.Turn) error {
	if err := store.CheckTurns(key, turns); err != nil {
		return err
	}
	media := make([][]byte, len(turns))
	for i, t := range turns {
		if len(t.Media) > 0 {
			b, err := json.Marshal(t.Media)
			if err != nil {
				return fmt.Errorf("pgstore: encode media: %w", err)
			}
			media[i] = b
		}
	}
	err := s.run(ctx, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			b := &pgx.Batch{}
			b.Queue("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)
			for i, t := range turns {
				b.Queue(`INSERT INTO turns (conv_key, role, body, tokens, at, media) VALUES ($1, $2, $3, $4, $5, $6)`,
					key, string(t.Role), t.Text, t.Tokens, t.Time, media[i])
			}
			return tx.SendBatch(ctx, b).Close()
		})
	})
	return s.wrap("append turns", err)
}

// RecentTurns implements store.Conversations with an index range scan
// on (conv_key, id), newest first, reversed.
func (s *Store) RecentTurns(ctx context.Context, key string, limit int) ([]store.Turn, error) {
	if err := store.CheckKey("conversation key", key); err != nil {
		return nil, err
	}
	if err := store.CheckLimit(limit); err != nil {
		return nil, err
	}
	var out []store.Turn
	err := s.run(ctx, func(ctx context.Context) error {
		out = out[:0]
		rows, err := s.pool.Query(ctx, `SELECT role, body, tokens, at, media FROM turns
			WHERE conv_key = $1 ORDER BY id DESC LIMIT $2`, key, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t store.Turn
			var role string
			var media []byte
			if err := rows.Scan(&role, &t.Text, &t.Tokens, &t.Time, &media); err != nil {
				return err
			}
			t.Role = store.Role(role)
			if len(media) > 0 {
				if err := json.Unmarshal(media, &t.Media); err != nil {
					return fmt.Errorf("decode media: %w", err)
				}
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, s.wrap("recent turns", err)
	}
	slices.Reverse(out)
	if out == nil {
		out = []store.Turn{}
	}
	return out, nil
}

// ClearConversation implements store.Conversations.
func (s *Store) ClearConversation(ctx context.Context, key string) error {
	if err := store.CheckKey("conversation key", key); err != nil {
		return err
	}
	err := s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, "DELETE FROM turns WHERE conv_key = $1", key)
		return err
	})
	return s.wrap("clear conversation", err)
}
