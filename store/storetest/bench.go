package storetest

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// HistoryTurnsEnv names the environment variable that sets the default of
// BenchOptions.HistoryTurns, so that a backend's benchmark can read from a
// conversation of a million turns without a code change:
//
//	STORETEST_HISTORY_TURNS=1000000 go test -run='^$' -bench=RecentTurns ./store/sqlitestore/
const HistoryTurnsEnv = "STORETEST_HISTORY_TURNS"

// DefaultHistoryTurns is the size of the conversation that the RecentTurns
// benchmark reads, when neither BenchOptions nor the environment set one.
const DefaultHistoryTurns = 10_000

// BenchOptions configures BenchWith. The zero value gives the defaults.
type BenchOptions struct {
	// HistoryTurns is the number of turns stored, before timing starts, in
	// the conversation that the RecentTurns benchmark reads. Zero means the
	// value of the STORETEST_HISTORY_TURNS environment variable, or
	// DefaultHistoryTurns when it is unset.
	HistoryTurns int
	// Parallelism sets the callers of the parallel cases to Parallelism
	// per GOMAXPROCS (b.SetParallelism). Zero means 1, testing's default:
	// one caller per CPU, which leaves a network store's round trips
	// unoverlapped; a bot has a caller per busy chat.
	Parallelism int
}

// Bench runs the shared benchmarks with the default options. See BenchWith.
func Bench(b *testing.B, newStore func(b *testing.B) store.Store) {
	b.Helper()
	BenchWith(b, newStore, BenchOptions{})
}

// BenchWith runs the shared benchmarks as sub-benchmarks, each on a fresh
// store from newStore, each reporting allocations and ops/s:
//
//   - AppendTurns: one call appending a user turn and a model turn, spread
//     over 64 conversations;
//   - AppendTurnsParallel: the same from parallel callers;
//   - RecentTurns: the last 20 turns of a conversation of HistoryTurns turns;
//   - TakeCounter/Serial: one goroutine taking from existing counters;
//   - TakeCounter/ManyKeys: parallel takes spread over 1,024 counters;
//   - TakeCounter/HotKey: parallel takes from a single counter;
//   - MarkSeen: parallel first sightings of distinct keys, 100 ms apart in
//     fake time, as a bot de-duplicating update IDs would make them.
func BenchWith(b *testing.B, newStore func(b *testing.B) store.Store, opts BenchOptions) {
	b.Helper()
	history := opts.HistoryTurns
	if history <= 0 {
		history = DefaultHistoryTurns
		if v := os.Getenv(HistoryTurnsEnv); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				b.Fatalf("storetest: %s=%q is not a positive number", HistoryTurnsEnv, v)
			}
			history = n
		}
	}
	par := max(opts.Parallelism, 1)
	b.Run("AppendTurns", func(b *testing.B) { benchAppendTurns(b, newStore(b)) })
	b.Run("AppendTurnsParallel", func(b *testing.B) { benchAppendParallel(b, newStore(b), par) })
	b.Run(fmt.Sprintf("RecentTurns/history=%d", history), func(b *testing.B) { benchRecentTurns(b, newStore(b), history) })
	b.Run("TakeCounter/Serial", func(b *testing.B) { benchTakeSerial(b, newStore(b)) })
	b.Run("TakeCounter/ManyKeys", func(b *testing.B) { benchTakeParallel(b, newStore(b), 1024, par) })
	b.Run("TakeCounter/HotKey", func(b *testing.B) { benchTakeParallel(b, newStore(b), 1, par) })
	b.Run("MarkSeen", func(b *testing.B) { benchMarkSeen(b, newStore(b), par) })
}

// reportOps reports the rate of b.N operations over the timed part.
func reportOps(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "ops/s")
	}
}

// benchText is a turn text of a typical length, about 200 bytes.
var benchText = strings.Repeat("a typical message 中文 😀 ", 7)

func benchAppendTurns(b *testing.B, s store.Store) {
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = store.ConversationKey(int64(-1000-i), 0, 0)
	}
	turns := []store.Turn{
		{Role: store.RoleUser, Text: benchText, Tokens: 50, Time: base},
		{Role: store.RoleModel, Text: benchText, Tokens: 50, Time: base},
	}
	ctx := b.Context()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.AppendTurns(ctx, keys[i%len(keys)], turns...); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportOps(b)
}

func benchAppendParallel(b *testing.B, s store.Store, par int) {
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = store.ConversationKey(int64(-1000-i), 0, 0)
	}
	turns := []store.Turn{
		{Role: store.RoleUser, Text: benchText, Tokens: 50, Time: base},
		{Role: store.RoleModel, Text: benchText, Tokens: 50, Time: base},
	}
	ctx := b.Context()
	var worker atomic.Int64
	b.SetParallelism(par)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1))
		for pb.Next() {
			if err := s.AppendTurns(ctx, keys[i%len(keys)], turns...); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	reportOps(b)
}

func benchRecentTurns(b *testing.B, s store.Store, history int) {
	ctx := b.Context()
	key := store.ConversationKey(-100200300, 0, 0)
	batch := make([]store.Turn, 0, 1000)
	for i := 0; i < history; {
		batch = batch[:0]
		for ; len(batch) < cap(batch) && i < history; i++ {
			role := store.RoleUser
			if i%2 == 1 {
				role = store.RoleModel
			}
			batch = append(batch, store.Turn{Role: role, Text: benchText, Tokens: 50, Time: base.Add(time.Duration(i) * time.Second)})
		}
		if err := s.AppendTurns(ctx, key, batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		turns, err := s.RecentTurns(ctx, key, 20)
		if err != nil {
			b.Fatal(err)
		}
		if len(turns) != min(20, history) {
			b.Fatalf("RecentTurns returned %d turns", len(turns))
		}
	}
	reportOps(b)
}

// counterKeys returns n quota-like counter keys.
func counterKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("quota:day:2026-11-25:user:%d", 1_000_000+i)
	}
	return keys
}

func benchTakeSerial(b *testing.B, s store.Store) {
	ctx := b.Context()
	keys := counterKeys(1024)
	expires := base.Add(24 * time.Hour)
	for _, k := range keys {
		if _, _, err := s.TakeCounter(ctx, k, 1, math.MaxInt64, base, expires); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok, err := s.TakeCounter(ctx, keys[i&1023], 1, math.MaxInt64, base, expires); err != nil || !ok {
			b.Fatalf("TakeCounter: ok %v, err %v", ok, err)
		}
		i++
	}
	reportOps(b)
}

func benchTakeParallel(b *testing.B, s store.Store, nkeys, par int) {
	ctx := b.Context()
	keys := counterKeys(nkeys)
	expires := base.Add(24 * time.Hour)
	var worker atomic.Int64
	b.SetParallelism(par)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1)) * 7919
		for pb.Next() {
			if _, ok, err := s.TakeCounter(ctx, keys[i%nkeys], 1, math.MaxInt64, base, expires); err != nil || !ok {
				b.Errorf("TakeCounter: ok %v, err %v", ok, err)
				return
			}
			i++
		}
	})
	reportOps(b)
}

func benchMarkSeen(b *testing.B, s store.Store, par int) {
	ctx := b.Context()
	var next atomic.Int64
	b.SetParallelism(par)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 32)
		for pb.Next() {
			id := next.Add(1)
			buf = strconv.AppendInt(append(buf[:0], "update:"...), id, 10)
			now := base.Add(time.Duration(id) * time.Microsecond)
			first, err := s.MarkSeen(ctx, string(buf), 100*time.Millisecond, now)
			if err != nil || !first {
				b.Errorf("MarkSeen: first %v, err %v", first, err)
				return
			}
		}
	})
	reportOps(b)
}
