package sqlitestore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

// openTemp opens a store in a fresh file of t's temporary directory and
// closes it when t ends.
func openTemp(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, Options{}) })
}

// TestConformanceNoBatching runs the suite with group commit turned off, so
// that each write has a transaction of its own. It relaxes fsync, which
// that path does not depend on, to keep the run short.
func TestConformanceNoBatching(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, Options{MaxBatch: 1, RelaxedSync: true}) })
}
