package vipsession_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// benchBackends are the stores measured: the test backends, plus SQLite
// with synchronous=NORMAL.
func benchBackends() []backend {
	relaxed := backend{"sqlitestore-relaxed", func(tb testing.TB) store.Store {
		st, err := sqlitestore.Open(context.Background(), filepath.Join(tb.TempDir(), "bot.db"), sqlitestore.Options{RelaxedSync: true})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = st.Close() })
		return st
	}}
	return append(append([]backend(nil), backends...), relaxed)
}

// benchParallelism is goroutines per GOMAXPROCS: 8 is a quiet bot, 64 one
// with many replies in flight (each waits seconds for the model between
// Begin and Commit), which lets SQLite's group commit share each fsync.
var benchParallelism = []int{8, 64}

// BenchmarkBeginCommit measures whole turns (Begin, then Commit) of the
// default free tier with every quota counted, each goroutine one user (so
// the per-user concurrency limit of 1 holds). pairs/s is Begin+Commit
// pairs per second.
func BenchmarkBeginCommit(b *testing.B) {
	for _, be := range benchBackends() {
		for _, par := range benchParallelism {
			for _, parallel := range []bool{false, true} {
				mode := "calls=serial"
				if parallel {
					mode = "calls=parallel"
				}
				b.Run(fmt.Sprintf("%s/par=%d/%s", be.name, par, mode), func(b *testing.B) {
					benchBeginCommit(b, be.open(b), par, parallel)
				})
			}
		}
	}
}

func benchBeginCommit(b *testing.B, st store.Store, par int, parallel bool) {
	tiers := vipsession.DefaultTiers()
	free := &tiers[1]
	free.RequestsPerDay, free.RequestsPerMonth = 1<<40, 1<<40
	free.TokensPerDay, free.TokensPerMonth = 1<<50, 1<<50
	free.RequestsPerMinute = 1 << 40
	m, err := vipsession.New(st, vipsession.Options{Tiers: tiers, ParallelStoreCalls: parallel})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var users atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(par)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := user(users.Add(1))
		res := vipsession.Result{
			UserText: "What is the capital of France?", ModelText: "Paris is the capital of France.",
			PromptTokens: 40, OutputTokens: 12, Model: "gemini-flash-latest", KeyID: "k1",
		}
		for pb.Next() {
			s, err := m.Begin(ctx, id, vipsession.BeginOptions{Text: res.UserText})
			if err != nil {
				b.Error(err)
				return
			}
			if err := s.Commit(ctx, res); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}

// BenchmarkStoreTakeCounter is the baseline for BenchmarkBeginCommit: the
// store's own throughput of the cheapest write a turn makes (a turn makes
// eleven writes and two reads), at the same parallelism.
func BenchmarkStoreTakeCounter(b *testing.B) {
	for _, be := range benchBackends() {
		for _, par := range benchParallelism {
			b.Run(fmt.Sprintf("%s/par=%d", be.name, par), func(b *testing.B) {
				st := be.open(b)
				ctx := context.Background()
				var users atomic.Int64
				b.ReportAllocs()
				b.SetParallelism(par)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					key := "bench:" + strconv.FormatInt(users.Add(1), 10)
					for pb.Next() {
						now := time.Now()
						if _, _, err := st.TakeCounter(ctx, key, 1, 1<<40, now, now.Add(time.Hour)); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
			})
		}
	}
}
