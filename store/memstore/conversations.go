package memstore

import (
	"context"
	"slices"
	"sync"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// conversations holds the turns of every conversation, oldest first, under
// one lock, so that the turns of one AppendTurns call are never split.
type conversations struct {
	mu sync.RWMutex
	m  map[string][]store.Turn
}

// copyTurn returns t with its own Media slice; strings are immutable and
// need no copy.
func copyTurn(t store.Turn) store.Turn {
	t.Media = slices.Clone(t.Media)
	t.Time = t.Time.Round(0)
	return t
}

// AppendTurns appends copies of turns to the conversation key.
func (s *Store) AppendTurns(ctx context.Context, key string, turns ...store.Turn) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := store.CheckTurns(key, turns); err != nil {
		return invalid("append turns", err)
	}
	copies := make([]store.Turn, len(turns))
	for i, t := range turns {
		copies[i] = copyTurn(t)
	}
	c := &s.convs
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = append(c.m[key], copies...)
	return nil
}

// RecentTurns returns copies of at most limit of the latest turns of key,
// oldest first.
func (s *Store) RecentTurns(ctx context.Context, key string, limit int) ([]store.Turn, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if err := store.CheckKey("conversation key", key); err != nil {
		return nil, invalid("recent turns", err)
	}
	if err := store.CheckLimit(limit); err != nil {
		return nil, invalid("recent turns", err)
	}
	c := &s.convs
	c.mu.RLock()
	defer c.mu.RUnlock()
	turns := c.m[key]
	turns = turns[max(0, len(turns)-limit):]
	out := make([]store.Turn, len(turns))
	for i, t := range turns {
		out[i] = copyTurn(t)
	}
	return out, nil
}

// ClearConversation removes every turn of key.
func (s *Store) ClearConversation(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := store.CheckKey("conversation key", key); err != nil {
		return invalid("clear conversation", err)
	}
	c := &s.convs
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}
