package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// users holds the user registry, with the IDs kept sorted so that a page
// of ListUsers costs a binary search and the page itself.
type users struct {
	mu  sync.RWMutex
	m   map[int64]store.User
	ids []int64 // sorted
}

// TouchUser creates the user or updates its names, language and LastSeen.
func (s *Store) TouchUser(ctx context.Context, u store.User) (store.User, error) {
	if err := s.check(ctx); err != nil {
		return store.User{}, err
	}
	if u.ID == 0 {
		return store.User{}, fmt.Errorf("memstore: touch user: %w: zero user ID", store.ErrInvalid)
	}
	u.LastSeen = u.LastSeen.Round(0)
	r := &s.users
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.m[u.ID]
	if ok {
		u.FirstSeen, u.Blocked = old.FirstSeen, old.Blocked
	} else {
		u.FirstSeen, u.Blocked = u.LastSeen, false
		i, _ := slices.BinarySearch(r.ids, u.ID)
		r.ids = slices.Insert(r.ids, i, u.ID)
	}
	r.m[u.ID] = u
	return u, nil
}

// GetUser returns the user, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (store.User, error) {
	if err := s.check(ctx); err != nil {
		return store.User{}, err
	}
	s.users.mu.RLock()
	defer s.users.mu.RUnlock()
	u, ok := s.users.m[id]
	if !ok {
		return store.User{}, fmt.Errorf("memstore: user %d: %w", id, store.ErrNotFound)
	}
	return u, nil
}

// SetUserBlocked records whether the user blocked the bot.
func (s *Store) SetUserBlocked(ctx context.Context, id int64, blocked bool) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	r := &s.users
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.m[id]
	if !ok {
		return fmt.Errorf("memstore: user %d: %w", id, store.ErrNotFound)
	}
	u.Blocked = blocked
	r.m[id] = u
	return nil
}

// ListUsers returns a page of users ordered by ID.
func (s *Store) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if err := store.CheckUserFilter(f); err != nil {
		return nil, invalid("list users", err)
	}
	r := &s.users
	r.mu.RLock()
	defer r.mu.RUnlock()
	i, found := slices.BinarySearch(r.ids, f.AfterID)
	if found {
		i++
	}
	out := make([]store.User, 0, min(f.Limit, len(r.ids)-i))
	for _, id := range r.ids[i:] {
		if len(out) == f.Limit {
			break
		}
		u := r.m[id]
		if f.ExcludeBlocked && u.Blocked {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}
