package vipsession

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/web3-ai-game/svs-telegram-bot/internal/ctxtime"
	"slices"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// The active sessions of a tier with a capacity are one small JSON value
// in the store's KV, changed only under a lease named after the tier, so
// replicas sharing the store see one list. A member is active while it
// waits for a reply or until the tier's IdleExpiry after its last turn.

const (
	lockTTL        = 10 * time.Second // a crashed holder blocks the list no longer
	maxMemberKeys  = 8                // conversations remembered per member
	maxEvictedKept = 256              // evictions remembered, to tell the users
)

type capMember struct {
	User   int64     `json:"u"`
	Keys   []string  `json:"k"` // conversation keys to clear on eviction
	Active time.Time `json:"a"` // last Begin, Commit or Abort
	Busy   int       `json:"b"` // turns in progress
	Until  time.Time `json:"t"` // when the newest turn in progress times out
}

func (c *capMember) inTurn(now time.Time) bool { return c.Busy > 0 && now.Before(c.Until) }

type capEviction struct {
	User int64     `json:"u"`
	At   time.Time `json:"a"`
}

type capState struct {
	Members []capMember   `json:"m"`
	Evicted []capEviction `json:"e"`
}

func (m *Manager) capKey(t *Tier) string { return m.prefix + "capacity:" + t.Name }

// join makes user an active member of the tier, ending the session of the
// least recently active member not waiting for a reply when the tier is
// full. It reports whether the user's own session had been ended that way
// since their last turn.
func (m *Manager) join(ctx context.Context, t *Tier, user int64, convKey string, now time.Time) (bool, error) {
	var victim []string
	evictedBefore := false
	err := m.withLock(ctx, m.capKey(t)+":lock", func() error {
		st, err := m.loadCap(ctx, t)
		if err != nil {
			return err
		}
		st.prune(t, now)
		if i := st.find(user); i >= 0 {
			c := &st.Members[i]
			c.Busy++
			c.Until, c.Active = now.Add(m.turnTTL), now
			c.addKey(convKey)
			return m.saveCap(ctx, t, st, now)
		}
		if i := slices.IndexFunc(st.Evicted, func(e capEviction) bool { return e.User == user }); i >= 0 {
			evictedBefore = true
			st.Evicted = slices.Delete(st.Evicted, i, i+1)
		}
		if int64(len(st.Members)) >= t.Capacity {
			v, soonest := -1, time.Time{}
			for j := range st.Members {
				c := &st.Members[j]
				if c.inTurn(now) {
					if soonest.IsZero() || c.Until.Before(soonest) {
						soonest = c.Until
					}
					continue
				}
				if v < 0 || c.Active.Before(st.Members[v].Active) {
					v = j
				}
			}
			if v < 0 {
				e := &CapacityError{Tier: t.Name, Capacity: t.Capacity}
				if !soonest.IsZero() {
					e.RetryAfter = soonest.Sub(now)
				}
				return e
			}
			victim = st.Members[v].Keys
			st.Evicted = append(st.Evicted, capEviction{User: st.Members[v].User, At: now})
			if len(st.Evicted) > maxEvictedKept {
				st.Evicted = st.Evicted[len(st.Evicted)-maxEvictedKept:]
			}
			st.Members = slices.Delete(st.Members, v, v+1)
		}
		c := capMember{User: user, Active: now, Busy: 1, Until: now.Add(m.turnTTL)}
		c.addKey(convKey)
		st.Members = append(st.Members, c)
		return m.saveCap(ctx, t, st, now)
	})
	if err != nil {
		return false, err
	}
	for _, key := range victim {
		if err := m.st.ClearConversation(ctx, key); err != nil {
			return evictedBefore, fmt.Errorf("vipsession: end evicted session: %w", err)
		}
	}
	return evictedBefore, nil
}

// leave marks the end of one of user's turns.
func (m *Manager) leave(ctx context.Context, t *Tier, user int64, now time.Time) error {
	return m.withLock(ctx, m.capKey(t)+":lock", func() error {
		st, err := m.loadCap(ctx, t)
		if err != nil {
			return err
		}
		i := st.find(user)
		if i < 0 {
			return nil // evicted or expired meanwhile
		}
		c := &st.Members[i]
		c.Active = now
		if c.Busy > 0 {
			c.Busy--
		}
		if c.Busy == 0 {
			c.Until = time.Time{}
		}
		return m.saveCap(ctx, t, st, now)
	})
}

// ActiveSessions returns the user IDs holding an active session of the
// tier, least recently active first. Only tiers with a capacity keep the
// list; others give nil.
func (m *Manager) ActiveSessions(ctx context.Context, tier string) ([]int64, error) {
	t, ok := m.ts.Load().byName[tier]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownTier, tier)
	}
	if t.Capacity == Unlimited {
		return nil, nil
	}
	st, err := m.loadCap(ctx, t)
	if err != nil {
		return nil, err
	}
	st.prune(t, m.now())
	slices.SortStableFunc(st.Members, func(a, b capMember) int { return a.Active.Compare(b.Active) })
	ids := make([]int64, len(st.Members))
	for i, c := range st.Members {
		ids[i] = c.User
	}
	return ids, nil
}

func (st *capState) find(user int64) int {
	return slices.IndexFunc(st.Members, func(c capMember) bool { return c.User == user })
}

// prune drops members that are neither in a turn nor within the idle
// expiry, and evictions older than the idle expiry (their memory would
// have expired anyway).
func (st *capState) prune(t *Tier, now time.Time) {
	st.Members = slices.DeleteFunc(st.Members, func(c capMember) bool {
		return !c.inTurn(now) && now.Sub(c.Active) >= t.IdleExpiry
	})
	st.Evicted = slices.DeleteFunc(st.Evicted, func(e capEviction) bool {
		return now.Sub(e.At) >= t.IdleExpiry
	})
}

func (c *capMember) addKey(key string) {
	if i := slices.Index(c.Keys, key); i >= 0 {
		c.Keys = slices.Delete(c.Keys, i, i+1)
	}
	c.Keys = append(c.Keys, key)
	if len(c.Keys) > maxMemberKeys {
		c.Keys = c.Keys[len(c.Keys)-maxMemberKeys:]
	}
}

func (m *Manager) loadCap(ctx context.Context, t *Tier) (*capState, error) {
	var st capState
	raw, err := m.st.GetValue(ctx, m.capKey(t), m.now())
	switch {
	case isNotFound(err):
		return &st, nil
	case err != nil:
		return nil, fmt.Errorf("vipsession: read sessions of tier %s: %w", t.Name, err)
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("vipsession: decode sessions of tier %s: %w", t.Name, err)
	}
	return &st, nil
}

func (m *Manager) saveCap(ctx context.Context, t *Tier, st *capState, now time.Time) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("vipsession: encode sessions of tier %s: %w", t.Name, err)
	}
	if err := m.st.SetValue(ctx, m.capKey(t), raw, 0, now); err != nil {
		return fmt.Errorf("vipsession: write sessions of tier %s: %w", t.Name, err)
	}
	return nil
}

// withLock runs fn while holding the lease name, waiting for it with
// growing pauses until ctx ends. The lease expires after lockTTL should
// this process die while holding it.
func (m *Manager) withLock(ctx context.Context, name string, fn func() error) error {
	owner := m.owner()
	pause := 100 * time.Microsecond
	for {
		ok, err := m.st.AcquireLease(ctx, name, owner, lockTTL, m.now())
		if err != nil {
			return fmt.Errorf("vipsession: lock %s: %w", name, err)
		}
		if ok {
			break
		}
		if err := ctxtime.Sleep(ctx, pause); err != nil {
			return err
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
	err := fn()
	rerr := m.st.ReleaseLease(context.WithoutCancel(ctx), name, owner, m.now())
	if rerr != nil && !errors.Is(rerr, store.ErrNotOwner) {
		err = errors.Join(err, fmt.Errorf("vipsession: unlock %s: %w", name, rerr))
	}
	return err
}
