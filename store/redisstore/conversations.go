package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// wireTurn is a turn as stored in a Redis list.
type wireTurn struct {
	Role   store.Role    `json:"r"`
	Text   string        `json:"t"`
	Tokens int64         `json:"n,omitempty"`
	Time   int64         `json:"at"` // microseconds
	Media  []store.Media `json:"m,omitempty"`
}

// AppendTurns implements store.Conversations: one RPUSH carries every turn
// of the call, then the list is trimmed to Options.MaxTurns.
func (s *Store) AppendTurns(ctx context.Context, key string, turns ...store.Turn) error {
	if err := store.CheckTurns(key, turns); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	vals := make([]any, len(turns))
	for i, t := range turns {
		b, err := json.Marshal(wireTurn{t.Role, t.Text, t.Tokens, micros(t.Time), t.Media})
		if err != nil {
			return fmt.Errorf("redisstore: encode turn: %w", err)
		}
		vals[i] = b
	}
	k := s.key("conv", key)
	pipe := s.rdb.TxPipeline()
	pipe.RPush(ctx, k, vals...)
	pipe.LTrim(ctx, k, int64(-s.maxTurns), -1)
	_, err := pipe.Exec(ctx)
	return s.wrap("append turns", err)
}

// RecentTurns implements store.Conversations.
func (s *Store) RecentTurns(ctx context.Context, key string, limit int) ([]store.Turn, error) {
	if err := store.CheckKey("conversation key", key); err != nil {
		return nil, err
	}
	if err := store.CheckLimit(limit); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	raw, err := s.rdb.LRange(ctx, s.key("conv", key), int64(-limit), -1).Result()
	if err != nil {
		return nil, s.wrap("recent turns", err)
	}
	out := make([]store.Turn, len(raw))
	for i, r := range raw {
		var w wireTurn
		if err := json.Unmarshal([]byte(r), &w); err != nil {
			return nil, fmt.Errorf("redisstore: decode turn: %w", err)
		}
		out[i] = store.Turn{Role: w.Role, Text: w.Text, Tokens: w.Tokens, Time: time.UnixMicro(w.Time), Media: w.Media}
	}
	return out, nil
}

// ClearConversation implements store.Conversations.
func (s *Store) ClearConversation(ctx context.Context, key string) error {
	if err := store.CheckKey("conversation key", key); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	return s.wrap("clear conversation", s.rdb.Del(ctx, s.key("conv", key)).Err())
}
