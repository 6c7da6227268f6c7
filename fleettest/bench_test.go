package fleettest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/web3-ai-game/svs-telegram-bot/internal/testenv"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/pgstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/redisstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

// BenchmarkBackends runs the shared store benchmarks on SQLite (the
// single-process default), PostgreSQL and Redis in one run, each with its
// default options, so that their takes/s and appends/s compare on the same
// machine at the same moment. The parallel cases have 16 callers per CPU,
// as a busy bot has many chats waiting on the store at once.
func BenchmarkBackends(b *testing.B) {
	opts := storetest.BenchOptions{HistoryTurns: 1000, Parallelism: 16}
	b.Run("sqlite", func(b *testing.B) {
		storetest.BenchWith(b, func(b *testing.B) store.Store {
			s, err := sqlitestore.Open(context.Background(), filepath.Join(b.TempDir(), "bot.db"), sqlitestore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}, opts)
	})
	b.Run("postgres", func(b *testing.B) {
		url := testenv.PostgresURL(b)
		storetest.BenchWith(b, func(b *testing.B) store.Store {
			s, err := pgstore.Open(context.Background(), url, pgstore.Options{Schema: testenv.PostgresSchema(b, url)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}, opts)
	})
	b.Run("redis", func(b *testing.B) {
		url := testenv.RedisURL(b)
		storetest.BenchWith(b, func(b *testing.B) store.Store {
			s, err := redisstore.Open(context.Background(), url, redisstore.Options{Prefix: testenv.RedisPrefix(b, url)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}, opts)
	})
}
