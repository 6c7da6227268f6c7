package sqlitestore

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// TestBackupWhileWriting takes backups while writers append pairs of turns,
// and checks that each copy is intact, opens as a store, and holds a
// consistent state: every conversation is a gap-free prefix of what its
// writer appended, made of whole pairs.
func TestBackupWhileWriting(t *testing.T) {
	s := openTemp(t, Options{})
	ctx := t.Context()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	const writers = 4

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written [writers]int
	for w := range writers {
		wg.Go(func() {
			key := "conv:" + strconv.Itoa(w)
			for i := 0; ; i += 2 {
				select {
				case <-stop:
					return
				default:
				}
				err := s.AppendTurns(context.Background(), key,
					store.Turn{Role: store.RoleUser, Text: strconv.Itoa(i), Time: now},
					store.Turn{Role: store.RoleModel, Text: strconv.Itoa(i + 1), Time: now})
				if err != nil {
					t.Error(err)
					return
				}
				written[w] = i + 2
			}
		})
	}

	dir := t.TempDir()
	var backups []string
	for i := range 3 {
		// Let the writers make progress between copies.
		waitForTurns(t, s, "conv:0", 20*(i+1))
		path := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		require.NoError(t, s.Backup(ctx, path))
		backups = append(backups, path)
	}
	close(stop)
	wg.Wait()

	for _, path := range backups {
		requireIntegrity(t, path)
		b, err := Open(ctx, path, Options{})
		require.NoError(t, err, "a backup does not open as a store")
		total := 0
		for w := range writers {
			turns, err := b.RecentTurns(ctx, "conv:"+strconv.Itoa(w), 1<<20)
			require.NoError(t, err)
			require.Zero(t, len(turns)%2, "backup %s holds half of an append", path)
			require.LessOrEqual(t, len(turns), written[w])
			for i, turn := range turns {
				require.Equal(t, strconv.Itoa(i), turn.Text, "backup %s: conversation %d has a gap", path, w)
			}
			total += len(turns)
		}
		require.NoError(t, b.Close())
		t.Logf("%s: %d turns", filepath.Base(path), total)
	}
	// The store is still in use after the backups.
	require.NoError(t, s.AppendTurns(ctx, "after", store.Turn{Role: store.RoleUser, Text: "x"}))
}

// waitForTurns polls until key has at least n turns; the writers add them
// without any clock involved.
func waitForTurns(t *testing.T, s *Store, key string, n int) {
	t.Helper()
	for {
		turns, err := s.RecentTurns(t.Context(), key, n)
		require.NoError(t, err)
		if len(turns) >= n {
			return
		}
	}
}

func TestBackupErrors(t *testing.T) {
	s := openTemp(t, Options{})
	dir := t.TempDir()

	existing := filepath.Join(dir, "exists.db")
	require.NoError(t, os.WriteFile(existing, []byte("keep me"), 0o600))
	err := s.Backup(t.Context(), existing)
	require.ErrorIs(t, err, fs.ErrExist)
	b, rerr := os.ReadFile(existing)
	require.NoError(t, rerr)
	require.Equal(t, "keep me", string(b), "Backup overwrote an existing file")

	require.ErrorIs(t, s.Backup(t.Context(), filepath.Join(dir, "missing", "b.db")), fs.ErrNotExist)
	require.Error(t, s.Backup(t.Context(), ""))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, s.Backup(ctx, filepath.Join(dir, "cancelled.db")), context.Canceled)
	_, statErr := os.Stat(filepath.Join(dir, "cancelled.db"))
	require.ErrorIs(t, statErr, fs.ErrNotExist, "a cancelled backup left a file behind")

	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Backup(t.Context(), filepath.Join(dir, "closed.db")), store.ErrClosed)
}
