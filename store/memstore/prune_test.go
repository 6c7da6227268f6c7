package memstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPruneBoundsMemory writes many short-lived keys that are never touched
// again, with fake time moving on, and checks that sweeps drop them.
func TestPruneBoundsMemory(t *testing.T) {
	s := New(Options{Shards: 1})
	ctx := context.Background()
	base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	const writes = 50_000
	for i := range writes {
		now := base.Add(time.Duration(i) * time.Millisecond)
		key := fmt.Sprint("k", i)
		_, _, err := s.TakeCounter(ctx, key, 1, 10, now, now.Add(time.Second))
		require.NoError(t, err)
		_, err = s.MarkSeen(ctx, key, time.Second, now)
		require.NoError(t, err)
		_, err = s.AcquireLease(ctx, key, "owner", time.Second, now)
		require.NoError(t, err)
		require.NoError(t, s.SetValue(ctx, key, []byte("v"), time.Second, now))
	}
	// About 1,000 keys are alive at any time (a 1 s TTL, 1 ms apart); a
	// sweep runs at least every max(1024, size) writes.
	const bound = 4 * minPruneWrites
	require.Less(t, len(s.counters[0].m), bound, "counters")
	require.Less(t, len(s.marks[0].m), bound, "marks")
	require.Less(t, len(s.leases.m), bound, "leases")
	require.Less(t, len(s.kv.m), bound, "values")
	// Keys without a TTL survive every sweep.
	require.NoError(t, s.SetValue(ctx, "forever", []byte("v"), 0, base))
	for i := range 2 * minPruneWrites {
		require.NoError(t, s.SetValue(ctx, fmt.Sprint("x", i), []byte("v"), time.Second, base.Add(time.Hour)))
	}
	v, err := s.GetValue(ctx, "forever", base.Add(1000*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []byte("v"), v)
}
