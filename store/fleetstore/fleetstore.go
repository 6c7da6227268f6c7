// Package fleetstore composes two stores into one for a fleet of replicas:
// counters, leases and first-seen marks go to a fast shared store (Redis),
// everything that must last (users, subscriptions, conversations, usage,
// settings) to a durable one (PostgreSQL), behind the same store.Store.
//
// # When the fast store fails
//
// Options.FailOpen chooses what happens when the fast store cannot be
// reached. Failing closed (the default) returns the error, wrapped in
// ErrUnavailable, so the bot can tell the user to try again. Failing open
// serves counters, leases and marks from an in-process fallback store until
// the fast store answers again: the replica keeps working, but its limits
// hold for itself only, not across the fleet. Either way OnFailure is called
// (for a log line and a metric), and every call tries the fast store again
// once Options.Probe has passed, so recovery needs nothing from an operator.
package fleetstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// ErrUnavailable wraps the error of a fast-store call that failed while
// failing closed.
var ErrUnavailable = errors.New("fleetstore: shared store unavailable")

// Options configure New. The zero value fails closed.
type Options struct {
	// FailOpen serves counters, locks and marks from Fallback while the fast
	// store is unreachable.
	FailOpen bool
	// Fallback is the in-process store used when failing open; it must be
	// set when FailOpen is.
	Fallback store.Store
	// Probe is how long after a failure calls go straight to the fallback
	// before trying the fast store again; 0 means one second.
	Probe time.Duration
	// OnFailure is called when the fast store fails (down true) and when
	// it answers again after a failure (down false). It must not block.
	OnFailure func(err error, down bool)
	// Now is the clock for Probe; nil means time.Now.
	Now func() time.Time
}

// Store sends counters and locks to a fast store and the rest to a durable
// one. It is safe for concurrent use.
type Store struct {
	durable, fast store.Store
	opts          Options

	// down is read on every fast-store call without a lock; mu guards
	// downUntil and the transitions of down.
	down      atomic.Bool
	mu        sync.Mutex
	downUntil time.Time // while fast is considered down
}

var _ store.Store = (*Store)(nil)

// New composes durable and fast. Closing the result closes both.
func New(durable, fast store.Store, opts Options) (*Store, error) {
	if durable == nil || fast == nil {
		return nil, errors.New("fleetstore: both stores are required")
	}
	if opts.FailOpen && opts.Fallback == nil {
		return nil, errors.New("fleetstore: FailOpen needs a Fallback store")
	}
	if opts.Probe <= 0 {
		opts.Probe = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{durable: durable, fast: fast, opts: opts}, nil
}

// Close closes both stores (and the fallback).
func (s *Store) Close() error {
	err := errors.Join(s.fast.Close(), s.durable.Close())
	if s.opts.Fallback != nil {
		err = errors.Join(err, s.opts.Fallback.Close())
	}
	return err
}

// isOutage reports whether err means the fast store could not serve the
// call, as opposed to an answer such as ErrInvalid or ErrNotOwner.
func isOutage(err error) bool {
	return err != nil && !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrNotOwner) &&
		!errors.Is(err, store.ErrNotFound) && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded)
}

// target picks the store for a fast-store call: the fast store unless it is
// down, failing open and still within the probe delay.
func (s *Store) target() store.Store {
	if !s.opts.FailOpen || !s.down.Load() {
		return s.fast
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down.Load() && s.opts.Now().Before(s.downUntil) {
		return s.opts.Fallback
	}
	return s.fast
}

// fastCall runs op on the fast store, falling back or wrapping as configured.
func fastCall[T any](s *Store, op func(store.Store) (T, error)) (T, error) {
	t := s.target()
	v, err := op(t)
	if t != s.fast {
		return v, err
	}
	if !isOutage(err) {
		if s.down.Swap(false) && s.opts.OnFailure != nil {
			s.opts.OnFailure(nil, false)
		}
		return v, err
	}
	s.mu.Lock()
	s.downUntil = s.opts.Now().Add(s.opts.Probe)
	s.down.Store(true)
	s.mu.Unlock()
	if s.opts.OnFailure != nil {
		s.opts.OnFailure(err, true)
	}
	if s.opts.FailOpen {
		return op(s.opts.Fallback)
	}
	var zero T
	return zero, fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// TakeCounter implements store.Counters on the fast store.
func (s *Store) TakeCounter(ctx context.Context, key string, n, limit int64, now, expires time.Time) (int64, bool, error) {
	type r struct {
		used int64
		ok   bool
	}
	v, err := fastCall(s, func(st store.Store) (r, error) {
		used, ok, err := st.TakeCounter(ctx, key, n, limit, now, expires)
		return r{used, ok}, err
	})
	return v.used, v.ok, err
}

// AddCounter implements store.Counters on the fast store.
func (s *Store) AddCounter(ctx context.Context, key string, delta int64, now, expires time.Time) (int64, error) {
	return fastCall(s, func(st store.Store) (int64, error) { return st.AddCounter(ctx, key, delta, now, expires) })
}

// ReadCounter implements store.Counters on the fast store.
func (s *Store) ReadCounter(ctx context.Context, key string, now time.Time) (int64, error) {
	return fastCall(s, func(st store.Store) (int64, error) { return st.ReadCounter(ctx, key, now) })
}

// AcquireLease implements store.Locks on the fast store.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	return fastCall(s, func(st store.Store) (bool, error) { return st.AcquireLease(ctx, name, owner, ttl, now) })
}

// RenewLease implements store.Locks on the fast store.
func (s *Store) RenewLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) error {
	_, err := fastCall(s, func(st store.Store) (struct{}, error) {
		return struct{}{}, st.RenewLease(ctx, name, owner, ttl, now)
	})
	return err
}

// ReleaseLease implements store.Locks on the fast store.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string, now time.Time) error {
	_, err := fastCall(s, func(st store.Store) (struct{}, error) {
		return struct{}{}, st.ReleaseLease(ctx, name, owner, now)
	})
	return err
}

// MarkSeen implements store.Locks on the fast store.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	return fastCall(s, func(st store.Store) (bool, error) { return st.MarkSeen(ctx, key, ttl, now) })
}

// The rest goes to the durable store.

// AppendTurns implements store.Conversations on the durable store.
func (s *Store) AppendTurns(ctx context.Context, key string, turns ...store.Turn) error {
	return s.durable.AppendTurns(ctx, key, turns...)
}

// RecentTurns implements store.Conversations on the durable store.
func (s *Store) RecentTurns(ctx context.Context, key string, limit int) ([]store.Turn, error) {
	return s.durable.RecentTurns(ctx, key, limit)
}

// ClearConversation implements store.Conversations on the durable store.
func (s *Store) ClearConversation(ctx context.Context, key string) error {
	return s.durable.ClearConversation(ctx, key)
}

// GetSubscription implements store.Subscriptions on the durable store.
func (s *Store) GetSubscription(ctx context.Context, userID int64) (store.Subscription, error) {
	return s.durable.GetSubscription(ctx, userID)
}

// PutSubscription implements store.Subscriptions on the durable store.
func (s *Store) PutSubscription(ctx context.Context, sub store.Subscription) error {
	return s.durable.PutSubscription(ctx, sub)
}

// DeleteSubscription implements store.Subscriptions on the durable store.
func (s *Store) DeleteSubscription(ctx context.Context, userID int64) error {
	return s.durable.DeleteSubscription(ctx, userID)
}

// ListSubscriptions implements store.Subscriptions on the durable store.
func (s *Store) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	return s.durable.ListSubscriptions(ctx, f)
}

// TouchUser implements store.Users on the durable store.
func (s *Store) TouchUser(ctx context.Context, u store.User) (store.User, error) {
	return s.durable.TouchUser(ctx, u)
}

// GetUser implements store.Users on the durable store.
func (s *Store) GetUser(ctx context.Context, id int64) (store.User, error) {
	return s.durable.GetUser(ctx, id)
}

// SetUserBlocked implements store.Users on the durable store.
func (s *Store) SetUserBlocked(ctx context.Context, id int64, blocked bool) error {
	return s.durable.SetUserBlocked(ctx, id, blocked)
}

// ListUsers implements store.Users on the durable store.
func (s *Store) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, error) {
	return s.durable.ListUsers(ctx, f)
}

// AppendUsage implements store.Usage on the durable store.
func (s *Store) AppendUsage(ctx context.Context, r store.UsageRecord) error {
	return s.durable.AppendUsage(ctx, r)
}

// SummarizeUsage implements store.Usage on the durable store.
func (s *Store) SummarizeUsage(ctx context.Context, from, to time.Time) ([]store.UsageBucket, error) {
	return s.durable.SummarizeUsage(ctx, from, to)
}

// GetValue implements store.KV on the durable store.
func (s *Store) GetValue(ctx context.Context, key string, now time.Time) ([]byte, error) {
	return s.durable.GetValue(ctx, key, now)
}

// SetValue implements store.KV on the durable store.
func (s *Store) SetValue(ctx context.Context, key string, value []byte, ttl time.Duration, now time.Time) error {
	return s.durable.SetValue(ctx, key, value, ttl, now)
}

// DeleteValue implements store.KV on the durable store.
func (s *Store) DeleteValue(ctx context.Context, key string) error {
	return s.durable.DeleteValue(ctx, key)
}

// Ping checks both stores that can be pinged.
func (s *Store) Ping(ctx context.Context) error {
	var err error
	for _, st := range []store.Store{s.durable, s.fast} {
		if p, ok := st.(store.Pinger); ok {
			err = errors.Join(err, p.Ping(ctx))
		}
	}
	return err
}
