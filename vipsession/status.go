package vipsession

import (
	"context"
	"fmt"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Status is what /vip and /usage show a user.
type Status struct {
	UserID int64
	Role   Role
	Tier   Tier
	Source Source
	// Grant is the user's active grant, or nil. Grant.Expires zero means
	// the grant never expires.
	Grant *store.Subscription
	// Day and Month are the quota windows in Options.Location.
	Day, Month Window
	// MemoryRounds is the number of rounds the conversation remembers now;
	// the tier allows Tier.MemoryRounds.
	MemoryRounds int
	// MemoryExpires is when the memory is forgotten for idleness; zero
	// when there is none.
	MemoryExpires time.Time
}

// Window is the use of one quota period.
type Window struct {
	Start, Resets time.Time
	Requests      Allowance
	Tokens        Allowance
}

// Allowance is the use of one quota. Limit and Remaining are Unlimited
// for an unlimited quota. Used includes reservations of replies still
// running.
type Allowance struct {
	Used, Limit, Remaining int64
}

func allowance(used, limit int64) Allowance {
	a := Allowance{Used: used, Limit: limit, Remaining: Unlimited}
	if limit != Unlimited {
		a.Remaining = max(limit-used, 0)
	}
	return a
}

// Status reports the tier, grant, quota use and memory of id, changing
// nothing (a private-chat mark is recorded as Begin would).
func (m *Manager) Status(ctx context.Context, id Identity) (Status, error) {
	if id.UserID == 0 {
		return Status{}, fmt.Errorf("%w: zero user ID", ErrInvalid)
	}
	now := m.now()
	r, err := m.resolve(ctx, id, now)
	if err != nil {
		return Status{}, err
	}
	t := r.tier
	s := Status{UserID: id.UserID, Role: m.RoleOf(id.UserID), Tier: t.clone(), Source: r.source, Grant: r.grant}
	specs := m.quotas(t, id.UserID, now)
	var used [len(specs)]int64
	for i, q := range specs {
		if used[i], err = m.st.ReadCounter(ctx, q.key, now); err != nil {
			return Status{}, fmt.Errorf("vipsession: read %s: %w", q.quota, err)
		}
	}
	day, month := m.dayWindow(now), m.monthWindow(now)
	s.Day = Window{Start: day.start, Resets: day.end,
		Requests: allowance(used[0], t.RequestsPerDay), Tokens: allowance(used[2], t.TokensPerDay)}
	s.Month = Window{Start: month.start, Resets: month.end,
		Requests: allowance(used[1], t.RequestsPerMonth), Tokens: allowance(used[3], t.TokensPerMonth)}
	if t.MemoryRounds > 0 {
		turns, err := m.st.RecentTurns(ctx, id.conversationKey(), 2*t.MemoryRounds)
		if err != nil {
			return Status{}, fmt.Errorf("vipsession: read memory: %w", err)
		}
		if len(turns) > 0 {
			expires := turns[len(turns)-1].Time.Add(t.IdleExpiry)
			if now.Before(expires) {
				s.MemoryRounds = len(rounds(turns))
				s.MemoryExpires = expires
			}
		}
	}
	return s, nil
}
