package vipsession_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// backend opens a fresh store of one kind, closed when the test ends.
type backend struct {
	name string
	open func(tb testing.TB) store.Store
}

var backends = []backend{
	{"memstore", func(tb testing.TB) store.Store {
		st := memstore.New(memstore.Options{})
		tb.Cleanup(func() { _ = st.Close() })
		return st
	}},
	{"sqlitestore", func(tb testing.TB) store.Store {
		tb.Helper()
		st, err := sqlitestore.Open(context.Background(), filepath.Join(tb.TempDir(), "bot.db"), sqlitestore.Options{})
		require.NoError(tb, err)
		tb.Cleanup(func() { _ = st.Close() })
		return st
	}},
}

// forEachBackend runs f as a subtest on every backend.
func forEachBackend(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.open(t)) })
	}
}

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// testTier is a tier with every limit open, to be narrowed by each test.
func testTier(name string) vipsession.Tier {
	return vipsession.Tier{
		Name:           name,
		RequestsPerDay: vipsession.Unlimited, RequestsPerMonth: vipsession.Unlimited,
		TokensPerDay: vipsession.Unlimited, TokensPerMonth: vipsession.Unlimited,
		RequestsPerMinute: vipsession.Unlimited, Concurrent: vipsession.Unlimited,
		MemoryRounds: 3, MemoryTokens: vipsession.Unlimited, IdleExpiry: time.Hour,
		Models:   []string{"model-a"},
		Capacity: vipsession.Unlimited,
	}
}

// newManager builds a manager whose guest and private tiers are both
// tier, plus an owner tier, on clk.
func newManager(t testing.TB, st store.Store, clk *clock, tier vipsession.Tier, mod func(*vipsession.Options)) *vipsession.Manager {
	t.Helper()
	owner := testTier("owner")
	opts := vipsession.Options{
		Tiers:       []vipsession.Tier{tier, owner},
		PrivateTier: tier.Name, GuestTier: tier.Name, AdminTier: tier.Name,
		Now: clk.Now,
	}
	if mod != nil {
		mod(&opts)
	}
	m, err := vipsession.New(st, opts)
	require.NoError(t, err)
	return m
}

func user(id int64) vipsession.Identity {
	return vipsession.Identity{UserID: id, ChatID: id, Private: true}
}

// turn runs one committed turn with the given texts.
func turn(t testing.TB, m *vipsession.Manager, id vipsession.Identity, q, a string) *vipsession.Session {
	t.Helper()
	ctx := context.Background()
	s, err := m.Begin(ctx, id, vipsession.BeginOptions{Text: q})
	require.NoError(t, err)
	require.NoError(t, s.Commit(ctx, vipsession.Result{UserText: q, ModelText: a, Model: "model-a", KeyID: "k1"}))
	return s
}
