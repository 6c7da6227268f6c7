package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// subscriptions holds at most one subscription per user.
type subscriptions struct {
	mu sync.RWMutex
	m  map[int64]store.Subscription
}

// GetSubscription returns the user's subscription, or store.ErrNotFound.
func (s *Store) GetSubscription(ctx context.Context, userID int64) (store.Subscription, error) {
	if err := s.check(ctx); err != nil {
		return store.Subscription{}, err
	}
	s.subs.mu.RLock()
	defer s.subs.mu.RUnlock()
	sub, ok := s.subs.m[userID]
	if !ok {
		return store.Subscription{}, fmt.Errorf("memstore: subscription of user %d: %w", userID, store.ErrNotFound)
	}
	return sub, nil
}

// PutSubscription creates or replaces the user's subscription.
func (s *Store) PutSubscription(ctx context.Context, sub store.Subscription) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := store.CheckSubscription(sub); err != nil {
		return invalid("put subscription", err)
	}
	sub.Starts, sub.Expires, sub.UpdatedAt = sub.Starts.Round(0), sub.Expires.Round(0), sub.UpdatedAt.Round(0)
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	s.subs.m[sub.UserID] = sub
	return nil
}

// DeleteSubscription removes the user's subscription, or returns
// store.ErrNotFound.
func (s *Store) DeleteSubscription(ctx context.Context, userID int64) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if _, ok := s.subs.m[userID]; !ok {
		return fmt.Errorf("memstore: subscription of user %d: %w", userID, store.ErrNotFound)
	}
	delete(s.subs.m, userID)
	return nil
}

// ListSubscriptions returns the subscriptions matching f, ordered by user ID.
func (s *Store) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.subs.mu.RLock()
	out := make([]store.Subscription, 0, len(s.subs.m))
	for _, sub := range s.subs.m {
		if !f.ActiveAt.IsZero() && !sub.ActiveAt(f.ActiveAt) {
			continue
		}
		if !f.ExpiringBefore.IsZero() && (sub.Expires.IsZero() || !sub.Expires.Before(f.ExpiringBefore)) {
			continue
		}
		out = append(out, sub)
	}
	s.subs.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.Subscription) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, nil
}
