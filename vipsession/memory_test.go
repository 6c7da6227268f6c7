package vipsession_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

func texts(turns []store.Turn) []string {
	out := make([]string, len(turns))
	for i, t := range turns {
		out[i] = string(t.Role) + ":" + t.Text
	}
	return out
}

func TestRoundLimitResetsMemoryAndSaysSo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.MemoryRounds = 2
		// A budget of one round: trimming must not hide the round limit.
		tier.MemoryTokens = 2
		clk := newClock(t0)
		m := newManager(t, st, clk, tier, nil)
		ctx := context.Background()

		s := turn(t, m, user(1), "q1", "a1")
		assert.Equal(t, vipsession.NoReset, s.MemoryReset)
		clk.Advance(time.Minute)
		s = turn(t, m, user(1), "q2", "a2")
		assert.Equal(t, []string{"user:q1", "model:a1"}, texts(s.History))
		clk.Advance(time.Minute)

		s, err := m.Begin(ctx, user(1), vipsession.BeginOptions{Text: "q3"})
		require.NoError(t, err)
		assert.Equal(t, vipsession.ResetRoundLimit, s.MemoryReset)
		assert.Empty(t, s.History)
		require.NoError(t, s.Abort(ctx))
		stat, err := m.Status(ctx, user(1))
		require.NoError(t, err)
		assert.Equal(t, 2, stat.MemoryRounds, "an aborted turn leaves memory as it was")

		s, err = m.Begin(ctx, user(1), vipsession.BeginOptions{Text: "q3"})
		require.NoError(t, err)
		assert.Equal(t, vipsession.ResetRoundLimit, s.MemoryReset)
		require.NoError(t, s.Commit(ctx, vipsession.Result{UserText: "q3", ModelText: "a3"}))
		stat, err = m.Status(ctx, user(1))
		require.NoError(t, err)
		assert.Equal(t, 1, stat.MemoryRounds)
		s = turn(t, m, user(1), "q4", "a4")
		assert.Equal(t, vipsession.NoReset, s.MemoryReset)
		assert.Equal(t, []string{"user:q3", "model:a3"}, texts(s.History))
	})
}

func TestIdleExpiryStartsFresh(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("free")
		tier.IdleExpiry = 30 * time.Minute
		clk := newClock(t0)
		m := newManager(t, st, clk, tier, nil)

		turn(t, m, user(1), "q1", "a1")
		clk.Advance(29 * time.Minute)
		s := turn(t, m, user(1), "q2", "a2")
		assert.Len(t, s.History, 2)
		stat, err := m.Status(context.Background(), user(1))
		require.NoError(t, err)
		assert.Equal(t, clk.Now().Add(30*time.Minute), stat.MemoryExpires)

		clk.Advance(30 * time.Minute)
		stat, err = m.Status(context.Background(), user(1))
		require.NoError(t, err)
		assert.Equal(t, 0, stat.MemoryRounds)
		s = turn(t, m, user(1), "q3", "a3")
		assert.Equal(t, vipsession.ResetIdle, s.MemoryReset)
		assert.Empty(t, s.History)
		s = turn(t, m, user(1), "q4", "a4")
		assert.Equal(t, []string{"user:q3", "model:a3"}, texts(s.History))
	})
}

func TestMemoryTrimsByTokens(t *testing.T) {
	cjk := strings.Repeat("记忆", 25)  // 50 tokens
	en := strings.Repeat("word", 50) // 50 tokens
	for _, text := range []struct{ name, s string }{{"cjk", cjk}, {"english", en}} {
		t.Run(text.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, st store.Store) {
				tier := testTier("free")
				tier.MemoryRounds = 5
				tier.MemoryTokens = 250 // two rounds of 100 tokens, not three
				clk := newClock(t0)
				m := newManager(t, st, clk, tier, nil)
				for i := range 3 {
					turn(t, m, user(1), fmt.Sprint(i, text.s), text.s)
					clk.Advance(time.Second)
				}
				s, err := m.Begin(context.Background(), user(1), vipsession.BeginOptions{Text: "x"})
				require.NoError(t, err)
				require.Len(t, s.History, 4)
				assert.True(t, strings.HasPrefix(s.History[0].Text, "1"))
				assert.True(t, strings.HasPrefix(s.History[2].Text, "2"))
				assert.Equal(t, store.RoleUser, s.History[0].Role)
				// Each user turn carries a one-byte prefix: 51 tokens.
				assert.Equal(t, estimatedPair(text.s, 1)+estimatedPair(text.s, 2), s.HistoryTokens)
				assert.Equal(t, vipsession.EstimateTokens("x")+s.HistoryTokens+1024, s.ReservedTokens)
				require.NoError(t, s.Abort(context.Background()))
			})
		})
	}
}

// estimatedPair is the estimate of round i of TestMemoryTrimsByTokens.
func estimatedPair(text string, i int) int64 {
	return vipsession.EstimateTokens(fmt.Sprint(i, text)) + vipsession.EstimateTokens(text)
}

func TestMemoryIsPerChatAndTopic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		m := newManager(t, st, newClock(t0), testTier("free"), nil)
		group := vipsession.Identity{UserID: 1, ChatID: -100}
		topic := vipsession.Identity{UserID: 1, ChatID: -100, ThreadID: 5}
		turn(t, m, user(1), "private", "p")
		turn(t, m, group, "group", "g")
		s := turn(t, m, topic, "topic", "t")
		assert.Empty(t, s.History)
		s = turn(t, m, group, "group 2", "g2")
		assert.Equal(t, []string{"user:group", "model:g"}, texts(s.History))
		require.NoError(t, m.Reset(context.Background(), group))
		s = turn(t, m, group, "group 3", "g3")
		assert.Empty(t, s.History)
		s = turn(t, m, user(1), "private 2", "p2")
		assert.Equal(t, []string{"user:private", "model:p"}, texts(s.History))
	})
}

func TestSingleTurnTierStoresNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		tier := testTier("guest")
		tier.MemoryRounds, tier.IdleExpiry = 0, 0
		m := newManager(t, st, newClock(t0), tier, nil)
		turn(t, m, user(1), "q1", "a1")
		s := turn(t, m, user(1), "q2", "a2")
		assert.Empty(t, s.History)
		turns, err := st.RecentTurns(context.Background(), store.ConversationKey(1, 1, 0), 10)
		require.NoError(t, err)
		assert.Empty(t, turns)
	})
}

func TestHistorySkipsMalformedStoredTurns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		m := newManager(t, st, newClock(t0), testTier("free"), nil)
		key := store.ConversationKey(1, 1, 0)
		at := t0.Add(-time.Minute)
		require.NoError(t, st.AppendTurns(context.Background(), key,
			store.Turn{Role: store.RoleModel, Text: "orphan reply", Time: at},
			store.Turn{Role: store.RoleUser, Text: "half turn", Time: at},
			store.Turn{Role: store.RoleUser, Text: "q", Time: at},
			store.Turn{Role: store.RoleModel, Text: "a", Time: at},
		))
		s, err := m.Begin(context.Background(), user(1), vipsession.BeginOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"user:q", "model:a"}, texts(s.History))
		require.NoError(t, s.Abort(context.Background()))
	})
}
