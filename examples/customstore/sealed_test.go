package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

var (
	keyOld = bytes.Repeat([]byte{1}, 32)
	keyNew = bytes.Repeat([]byte{2}, 32)
)

func sealedMem(t testing.TB, keys ...[]byte) (*SealedStore, *memstore.Store) {
	t.Helper()
	inner := memstore.New(memstore.Options{})
	s, err := NewSealedStore(inner, keys...)
	require.NoError(t, err)
	return s, inner
}

// The sealed store passes the same conformance suite as every backend,
// over the in-memory store and over SQLite.
func TestConformance(t *testing.T) {
	t.Run("memstore", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			s, _ := sealedMem(t, keyNew)
			return s
		})
	})
	t.Run("sqlitestore", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			inner, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"), sqlitestore.Options{RelaxedSync: true})
			require.NoError(t, err)
			s, err := NewSealedStore(inner, keyNew)
			require.NoError(t, err)
			return s
		})
	})
}

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestTextIsSealedAtRest(t *testing.T) {
	ctx := context.Background()
	s, inner := sealedMem(t, keyNew)
	turns := []store.Turn{
		{Role: store.RoleUser, Text: "my password is hunter2", Tokens: 6, Time: now},
		{Role: store.RoleModel, Text: "Please don't tell me your password.", Tokens: 8, Time: now},
	}
	require.NoError(t, s.AppendTurns(ctx, "conv:1", turns...))
	assert.Equal(t, "my password is hunter2", turns[0].Text, "the caller's turns are left alone")

	raw, err := inner.RecentTurns(ctx, "conv:1", 10)
	require.NoError(t, err)
	require.Len(t, raw, 2)
	for _, r := range raw {
		assert.True(t, strings.HasPrefix(r.Text, sealedPrefix), r.Text)
		assert.NotContains(t, r.Text, "password")
	}
	assert.NotEqual(t, raw[0].Text, raw[1].Text)
	assert.Equal(t, int64(6), raw[0].Tokens, "only the text is sealed")

	got, err := s.RecentTurns(ctx, "conv:1", 10)
	require.NoError(t, err)
	assert.Equal(t, turns[0].Text, got[0].Text)
	assert.Equal(t, turns[1].Text, got[1].Text)

	// The same text sealed twice differs: a fresh nonce each time.
	require.NoError(t, s.AppendTurns(ctx, "conv:1", turns[0]))
	raw, err = inner.RecentTurns(ctx, "conv:1", 10)
	require.NoError(t, err)
	assert.NotEqual(t, raw[0].Text, raw[2].Text)
}

func TestAlteredOrMovedTurnsFail(t *testing.T) {
	ctx := context.Background()
	s, inner := sealedMem(t, keyNew)
	require.NoError(t, s.AppendTurns(ctx, "conv:1", store.Turn{Role: store.RoleUser, Text: "secret plans", Time: now}))
	raw, err := inner.RecentTurns(ctx, "conv:1", 1)
	require.NoError(t, err)
	sealed := raw[0].Text

	flipped := []byte(sealed)
	flipped[len(flipped)-3] ^= 1
	if flipped[len(flipped)-3] == sealed[len(sealed)-3] {
		t.Fatal("no change")
	}
	cases := map[string]struct {
		conv, text string
	}{
		"moved to another conversation": {"conv:2", sealed},
		"altered":                       {"conv:3", string(flipped)},
		"not sealed":                    {"conv:4", "plain text"},
		"malformed":                     {"conv:5", sealedPrefix + "nocolon"},
		"bad base64":                    {"conv:6", sealedPrefix + s.aeads[0].id + ":!!"},
		"too short":                     {"conv:7", sealedPrefix + s.aeads[0].id + ":AAAA"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, inner.AppendTurns(ctx, c.conv, store.Turn{Role: store.RoleUser, Text: c.text, Time: now}))
			_, err := s.RecentTurns(ctx, c.conv, 1)
			assert.ErrorIs(t, err, ErrSealed)
		})
	}
}

func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	old, inner := sealedMem(t, keyOld)
	require.NoError(t, old.AppendTurns(ctx, "conv:1", store.Turn{Role: store.RoleUser, Text: "before rotation", Time: now}))

	rotated, err := NewSealedStore(inner, keyNew, keyOld)
	require.NoError(t, err)
	require.NoError(t, rotated.AppendTurns(ctx, "conv:1", store.Turn{Role: store.RoleModel, Text: "after rotation", Time: now}))
	got, err := rotated.RecentTurns(ctx, "conv:1", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"before rotation", "after rotation"}, []string{got[0].Text, got[1].Text})

	raw, err := inner.RecentTurns(ctx, "conv:1", 10)
	require.NoError(t, err)
	assert.Contains(t, raw[0].Text, ":"+old.aeads[0].id+":")
	assert.Contains(t, raw[1].Text, ":"+rotated.aeads[0].id+":", "the first key seals")

	onlyNew, err := NewSealedStore(inner, keyNew)
	require.NoError(t, err)
	_, err = onlyNew.RecentTurns(ctx, "conv:1", 10)
	require.ErrorIs(t, err, ErrSealed)
	assert.Contains(t, err.Error(), old.aeads[0].id, "the error names the missing key by its ID")
	assert.NotContains(t, err.Error(), string(keyOld))
}

func TestNewSealedStoreErrors(t *testing.T) {
	inner := memstore.New(memstore.Options{})
	_, err := NewSealedStore(nil, keyNew)
	assert.ErrorContains(t, err, "no inner store")
	_, err = NewSealedStore(inner)
	assert.ErrorContains(t, err, "no key")
	_, err = NewSealedStore(inner, keyNew, []byte("short"))
	assert.ErrorContains(t, err, "key 2 is 5 bytes, want 32")
}

// Invalid turns are refused before anything is sealed, as every backend
// refuses them.
func TestInvalidTurns(t *testing.T) {
	s, _ := sealedMem(t, keyNew)
	ctx := context.Background()
	assert.ErrorIs(t, s.AppendTurns(ctx, "", store.Turn{Role: store.RoleUser}), store.ErrInvalid)
	assert.ErrorIs(t, s.AppendTurns(ctx, "c"), store.ErrInvalid)
	assert.ErrorIs(t, s.AppendTurns(ctx, "c", store.Turn{Role: "bot"}), store.ErrInvalid)
}

// BenchmarkConversation compares appending and reading a round through the
// sealed store with the bare in-memory store it wraps.
func BenchmarkConversation(b *testing.B) {
	text := strings.Repeat("A reply of a typical length, with some words in it. ", 20)
	for _, name := range []string{"memstore", "sealed"} {
		b.Run(name, func(b *testing.B) {
			var st store.Store = memstore.New(memstore.Options{})
			if name == "sealed" {
				st, _ = sealedMem(b, keyNew)
			}
			ctx := context.Background()
			turns := []store.Turn{{Role: store.RoleUser, Text: text, Time: now}, {Role: store.RoleModel, Text: text, Time: now}}
			b.ReportAllocs()
			b.SetBytes(int64(2 * len(text)))
			for i := 0; b.Loop(); i++ {
				key := "conv:" + string(rune('a'+i%26))
				if err := st.AppendTurns(ctx, key, turns...); err != nil {
					b.Fatal(err)
				}
				if _, err := st.RecentTurns(ctx, key, 2); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
