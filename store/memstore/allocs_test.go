package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// TestCounterAllocs checks that counters allocate nothing once a key exists.
func TestCounterAllocs(t *testing.T) {
	s := memstore.New(memstore.Options{})
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	exp := now.Add(24 * time.Hour)
	key := "quota:day:2026-11-25:user:42"
	_, ok, err := s.TakeCounter(ctx, key, 1, 1<<40, now, exp)
	require.NoError(t, err)
	require.True(t, ok)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, ok, err := s.TakeCounter(ctx, key, 1, 1<<40, now, exp); err != nil || !ok {
			t.Fatalf("TakeCounter: ok %v, err %v", ok, err)
		}
	})
	require.Zero(t, allocs, "TakeCounter on an existing key")
	allocs = testing.AllocsPerRun(1000, func() {
		if _, ok, err := s.TakeCounter(ctx, key, 1<<41, 1<<40, now, exp); err != nil || ok {
			t.Fatalf("refused TakeCounter: ok %v, err %v", ok, err)
		}
	})
	require.Zero(t, allocs, "a refused TakeCounter")
	allocs = testing.AllocsPerRun(1000, func() {
		if _, err := s.AddCounter(ctx, key, -1, now, exp); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "AddCounter on an existing key")
	allocs = testing.AllocsPerRun(1000, func() {
		if _, err := s.ReadCounter(ctx, key, now); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "ReadCounter")
	// A key whose window expired is reused in place.
	later, laterExp := exp, exp.Add(24*time.Hour)
	allocs = testing.AllocsPerRun(1000, func() {
		if _, ok, err := s.TakeCounter(ctx, key, 1, 1<<40, later, laterExp); err != nil || !ok {
			t.Fatalf("TakeCounter: ok %v, err %v", ok, err)
		}
	})
	require.Zero(t, allocs, "TakeCounter in a new window")
}
