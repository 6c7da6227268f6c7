package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var closeCases = []testCase{
	{"ErrClosedAfterClose", closeErrClosed},
	{"CloseTwice", closeTwice},
}

// closeErrClosed checks that every method fails with ErrClosed after Close.
func closeErrClosed(t *testing.T, s store.Store) {
	c := ctx(t)
	require.NoError(t, s.AppendTurns(c, "chat:1", turn(store.RoleUser, "x", 0)))
	require.NoError(t, s.Close())
	exp := base.Add(time.Hour)
	calls := map[string]func() error{
		"AppendTurns":       func() error { return s.AppendTurns(c, "chat:1", turn(store.RoleUser, "x", 0)) },
		"RecentTurns":       func() error { _, err := s.RecentTurns(c, "chat:1", 10); return err },
		"ClearConversation": func() error { return s.ClearConversation(c, "chat:1") },
		"GetSubscription":   func() error { _, err := s.GetSubscription(c, 1); return err },
		"PutSubscription": func() error {
			return s.PutSubscription(c, store.Subscription{UserID: 1, Tier: "vip", Starts: base})
		},
		"DeleteSubscription": func() error { return s.DeleteSubscription(c, 1) },
		"ListSubscriptions":  func() error { _, err := s.ListSubscriptions(c, store.SubscriptionFilter{}); return err },
		"TakeCounter":        func() error { _, _, err := s.TakeCounter(c, "k", 1, 10, base, exp); return err },
		"AddCounter":         func() error { _, err := s.AddCounter(c, "k", 1, base, exp); return err },
		"ReadCounter":        func() error { _, err := s.ReadCounter(c, "k", base); return err },
		"AcquireLease":       func() error { _, err := s.AcquireLease(c, "l", "o", time.Minute, base); return err },
		"RenewLease":         func() error { return s.RenewLease(c, "l", "o", time.Minute, base) },
		"ReleaseLease":       func() error { return s.ReleaseLease(c, "l", "o", base) },
		"MarkSeen":           func() error { _, err := s.MarkSeen(c, "u", time.Minute, base); return err },
		"TouchUser":          func() error { _, err := s.TouchUser(c, store.User{ID: 1, LastSeen: base}); return err },
		"GetUser":            func() error { _, err := s.GetUser(c, 1); return err },
		"SetUserBlocked":     func() error { return s.SetUserBlocked(c, 1, true) },
		"ListUsers":          func() error { _, err := s.ListUsers(c, store.UserFilter{Limit: 10}); return err },
		"AppendUsage": func() error {
			return s.AppendUsage(c, store.UsageRecord{UserID: 1, Model: "m", Outcome: store.OutcomeOK, Time: base})
		},
		"SummarizeUsage": func() error { _, err := s.SummarizeUsage(c, base, exp); return err },
		"GetValue":       func() error { _, err := s.GetValue(c, "k", base); return err },
		"SetValue":       func() error { return s.SetValue(c, "k", []byte("v"), 0, base) },
		"DeleteValue":    func() error { return s.DeleteValue(c, "k") },
	}
	for name, call := range calls {
		requireErrorIs(t, call(), store.ErrClosed, name+" after Close")
	}
}

// closeTwice checks that a second Close neither panics nor reports anything
// but ErrClosed.
func closeTwice(t *testing.T, s store.Store) {
	require.NoError(t, s.Close())
	if err := s.Close(); err != nil {
		requireErrorIs(t, err, store.ErrClosed, "a second Close")
	}
}
