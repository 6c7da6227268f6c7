package vipsession

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// window is a calendar period of Options.Location.
type window struct {
	label      string // "2026-11-25" or "2026-11"
	start, end time.Time
}

// dayWindow returns the calendar day of now in the manager's zone. Days
// across a daylight-saving change are 23 or 25 hours long.
func (m *Manager) dayWindow(now time.Time) window {
	t := now.In(m.loc)
	y, mo, d := t.Date()
	start := time.Date(y, mo, d, 0, 0, 0, 0, m.loc)
	return window{
		label: start.Format("2006-01-02"),
		start: start,
		end:   time.Date(y, mo, d+1, 0, 0, 0, 0, m.loc),
	}
}

// monthWindow returns the calendar month of now in the manager's zone.
func (m *Manager) monthWindow(now time.Time) window {
	t := now.In(m.loc)
	y, mo, _ := t.Date()
	start := time.Date(y, mo, 1, 0, 0, 0, 0, m.loc)
	return window{
		label: start.Format("2006-01"),
		start: start,
		end:   time.Date(y, mo+1, 1, 0, 0, 0, 0, m.loc),
	}
}

// charge is an amount taken from one quota counter.
type charge struct {
	quota Quota
	key   string
	n     int64
	end   time.Time // the counter's window end
}

// quotaSpec is one quota of a tier as applied at a time.
type quotaSpec struct {
	quota Quota
	key   string
	limit int64
	end   time.Time
}

// quotas returns the four quotas of tier for user at now, requests first.
func (m *Manager) quotas(t *Tier, userID int64, now time.Time) [4]quotaSpec {
	day, month := m.dayWindow(now), m.monthWindow(now)
	user := strconv.FormatInt(userID, 10)
	key := func(kind string, w window) string {
		return m.prefix + "quota:" + kind + ":" + w.label + ":user:" + user
	}
	return [4]quotaSpec{
		{QuotaRequestsPerDay, key("requests", day), t.RequestsPerDay, day.end},
		{QuotaRequestsPerMonth, key("requests", month), t.RequestsPerMonth, month.end},
		{QuotaTokensPerDay, key("tokens", day), t.TokensPerDay, day.end},
		{QuotaTokensPerMonth, key("tokens", month), t.TokensPerMonth, month.end},
	}
}

func (q Quota) isTokens() bool { return q == QuotaTokensPerDay || q == QuotaTokensPerMonth }

// reserve takes one request and tokens from every quota of the tier, each
// atomically in the store (the four at once with ParallelStoreCalls). If a
// quota refuses, what was taken is given back and the error is a
// *QuotaError. Unlimited quotas are counted too, so that Status can show
// their use.
func (m *Manager) reserve(ctx context.Context, t *Tier, userID int64, tokens int64, now time.Time) ([]charge, error) {
	specs := m.quotas(t, userID, now)
	var (
		charges [len(specs)]charge
		fns     = make([]func() error, 0, len(specs))
	)
	for i, q := range specs {
		n := int64(1)
		if q.quota.isTokens() {
			n = tokens
		}
		if n == 0 {
			continue
		}
		fns = append(fns, func() error {
			if q.limit == Unlimited {
				if _, err := m.st.AddCounter(ctx, q.key, n, now, q.end); err != nil {
					return fmt.Errorf("vipsession: count %s: %w", q.quota, err)
				}
			} else {
				used, ok, err := m.st.TakeCounter(ctx, q.key, n, q.limit, now, q.end)
				if err != nil {
					return fmt.Errorf("vipsession: take %s: %w", q.quota, err)
				}
				if !ok {
					return &QuotaError{Tier: t.Name, Quota: q.quota, Limit: q.limit, Used: used, Want: n, Resets: q.end}
				}
			}
			charges[i] = charge{q.quota, q.key, n, q.end}
			return nil
		})
	}
	err := firstError(m.together(fns...))
	taken := make([]charge, 0, len(specs))
	for _, c := range charges {
		if c.n != 0 {
			taken = append(taken, c)
		}
	}
	if err != nil {
		if rerr := m.refund(context.WithoutCancel(ctx), taken, now); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return nil, err
	}
	return taken, nil
}

// firstError returns the first non-nil error, so that refusals are
// reported in the order of the quotas, requests and days first.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// refund gives back charges whose window has not ended.
func (m *Manager) refund(ctx context.Context, charges []charge, now time.Time) error {
	fns := make([]func() error, 0, len(charges))
	for _, c := range charges {
		if c.n == 0 || !c.end.After(now) {
			continue
		}
		fns = append(fns, func() error {
			if _, err := m.st.AddCounter(ctx, c.key, -c.n, now, c.end); err != nil {
				return fmt.Errorf("vipsession: refund %s: %w", c.quota, err)
			}
			return nil
		})
	}
	return errors.Join(m.together(fns...)...)
}

// settleTokens adds delta (actual minus reserved tokens) to the token
// counters charged, in the windows the turn began in.
func (m *Manager) settleTokens(ctx context.Context, charges []charge, delta int64, now time.Time) error {
	if delta == 0 {
		return nil
	}
	fns := make([]func() error, 0, 2)
	for _, c := range charges {
		if !c.quota.isTokens() || !c.end.After(now) {
			continue
		}
		fns = append(fns, func() error {
			if _, err := m.st.AddCounter(ctx, c.key, delta, now, c.end); err != nil {
				return fmt.Errorf("vipsession: settle %s: %w", c.quota, err)
			}
			return nil
		})
	}
	return errors.Join(m.together(fns...)...)
}

// limitRate counts a turn in the user's current clock minute.
func (m *Manager) limitRate(ctx context.Context, t *Tier, userID int64, now time.Time) error {
	if t.RequestsPerMinute == Unlimited {
		return nil
	}
	minute := now.Truncate(time.Minute)
	end := minute.Add(time.Minute)
	key := m.prefix + "rate:" + strconv.FormatInt(minute.Unix()/60, 10) + ":user:" + strconv.FormatInt(userID, 10)
	_, ok, err := m.st.TakeCounter(ctx, key, 1, t.RequestsPerMinute, now, end)
	if err != nil {
		return fmt.Errorf("vipsession: rate limit: %w", err)
	}
	if !ok {
		return &RateLimitError{Limit: t.RequestsPerMinute, RetryAfter: end.Sub(now)}
	}
	return nil
}

// acquireSlot takes one of the user's Concurrent reply slots, leases that
// expire after the turn timeout so a crashed process frees them. It returns
// the lease name, or "" for an unlimited tier.
func (m *Manager) acquireSlot(ctx context.Context, t *Tier, userID int64, owner string, now time.Time) (string, error) {
	if t.Concurrent == Unlimited {
		return "", nil
	}
	base := m.prefix + "busy:user:" + strconv.FormatInt(userID, 10) + ":"
	for i := int64(0); i < t.Concurrent; i++ {
		name := base + strconv.FormatInt(i, 10)
		ok, err := m.st.AcquireLease(ctx, name, owner, m.turnTTL, now)
		if err != nil {
			return "", fmt.Errorf("vipsession: reply slot: %w", err)
		}
		if ok {
			return name, nil
		}
	}
	return "", &BusyError{Limit: t.Concurrent}
}

func (m *Manager) releaseSlot(ctx context.Context, name, owner string, now time.Time) error {
	if name == "" {
		return nil
	}
	err := m.st.ReleaseLease(ctx, name, owner, now)
	if err != nil && !errors.Is(err, store.ErrNotOwner) {
		return fmt.Errorf("vipsession: release reply slot: %w", err)
	}
	return nil
}
