package main

import (
	"context"
	"github.com/web3-ai-game/svs-telegram-bot/internal/ctxtime"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// slowStore adds a fixed latency to every call of a store, as a distant or
// overloaded database would. It honours the context while it waits.
type slowStore struct {
	store.Store
	delay time.Duration
}

var _ store.Store = (*slowStore)(nil)

func (s *slowStore) wait(ctx context.Context) error { return ctxtime.Sleep(ctx, s.delay) }

func (s *slowStore) AppendTurns(ctx context.Context, key string, turns ...store.Turn) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.AppendTurns(ctx, key, turns...)
}

func (s *slowStore) RecentTurns(ctx context.Context, key string, limit int) ([]store.Turn, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.RecentTurns(ctx, key, limit)
}

func (s *slowStore) ClearConversation(ctx context.Context, key string) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.ClearConversation(ctx, key)
}

func (s *slowStore) GetSubscription(ctx context.Context, userID int64) (store.Subscription, error) {
	if err := s.wait(ctx); err != nil {
		return store.Subscription{}, err
	}
	return s.Store.GetSubscription(ctx, userID)
}

func (s *slowStore) PutSubscription(ctx context.Context, sub store.Subscription) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.PutSubscription(ctx, sub)
}

func (s *slowStore) DeleteSubscription(ctx context.Context, userID int64) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.DeleteSubscription(ctx, userID)
}

func (s *slowStore) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.ListSubscriptions(ctx, f)
}

func (s *slowStore) TakeCounter(ctx context.Context, key string, n, limit int64, now, expires time.Time) (int64, bool, error) {
	if err := s.wait(ctx); err != nil {
		return 0, false, err
	}
	return s.Store.TakeCounter(ctx, key, n, limit, now, expires)
}

func (s *slowStore) AddCounter(ctx context.Context, key string, delta int64, now, expires time.Time) (int64, error) {
	if err := s.wait(ctx); err != nil {
		return 0, err
	}
	return s.Store.AddCounter(ctx, key, delta, now, expires)
}

func (s *slowStore) ReadCounter(ctx context.Context, key string, now time.Time) (int64, error) {
	if err := s.wait(ctx); err != nil {
		return 0, err
	}
	return s.Store.ReadCounter(ctx, key, now)
}

func (s *slowStore) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if err := s.wait(ctx); err != nil {
		return false, err
	}
	return s.Store.AcquireLease(ctx, name, owner, ttl, now)
}

func (s *slowStore) RenewLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.RenewLease(ctx, name, owner, ttl, now)
}

func (s *slowStore) ReleaseLease(ctx context.Context, name, owner string, now time.Time) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.ReleaseLease(ctx, name, owner, now)
}

func (s *slowStore) MarkSeen(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	if err := s.wait(ctx); err != nil {
		return false, err
	}
	return s.Store.MarkSeen(ctx, key, ttl, now)
}

func (s *slowStore) TouchUser(ctx context.Context, u store.User) (store.User, error) {
	if err := s.wait(ctx); err != nil {
		return store.User{}, err
	}
	return s.Store.TouchUser(ctx, u)
}

func (s *slowStore) GetUser(ctx context.Context, id int64) (store.User, error) {
	if err := s.wait(ctx); err != nil {
		return store.User{}, err
	}
	return s.Store.GetUser(ctx, id)
}

func (s *slowStore) SetUserBlocked(ctx context.Context, id int64, blocked bool) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.SetUserBlocked(ctx, id, blocked)
}

func (s *slowStore) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.ListUsers(ctx, f)
}

func (s *slowStore) AppendUsage(ctx context.Context, r store.UsageRecord) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.AppendUsage(ctx, r)
}

func (s *slowStore) SummarizeUsage(ctx context.Context, from, to time.Time) ([]store.UsageBucket, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.SummarizeUsage(ctx, from, to)
}

func (s *slowStore) GetValue(ctx context.Context, key string, now time.Time) ([]byte, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.GetValue(ctx, key, now)
}

func (s *slowStore) SetValue(ctx context.Context, key string, value []byte, ttl time.Duration, now time.Time) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.SetValue(ctx, key, value, ttl, now)
}

func (s *slowStore) DeleteValue(ctx context.Context, key string) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.DeleteValue(ctx, key)
}
