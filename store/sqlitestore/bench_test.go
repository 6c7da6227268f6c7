package sqlitestore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

// Benchmarks run on files in b.TempDir, on the same disk as the tests.
// "Serial" is one caller waiting for each write; "Parallel" is 32 callers
// per GOMAXPROCS and "Parallel128" 128, as the chats of a busy bot would
// be, which lets group commit share each fsync. FULL and NORMAL are the
// synchronous modes; FULL-NoGroupCommit is FULL with MaxBatch 1, the
// baseline that group commit improves on.

func BenchmarkStoretest(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store { return openTemp(b, Options{}) })
}

var syncModes = []struct {
	name string
	opts Options
}{
	{"FULL", Options{}},
	{"NORMAL", Options{RelaxedSync: true}},
	{"FULL-NoGroupCommit", Options{MaxBatch: 1}},
}

// parallelisms are the numbers of concurrent callers of the Parallel
// benchmarks, per GOMAXPROCS: 32 and 128 (64 and 256 callers on 2 cores).
var parallelisms = []struct {
	name    string
	perProc int
}{{"Parallel", 32}, {"Parallel128", 128}}

var benchNow = time.Date(2026, time.November, 25, 10, 0, 0, 0, time.UTC)

func exchange(text string) []store.Turn {
	return []store.Turn{
		{Role: store.RoleUser, Text: text, Tokens: 50, Time: benchNow},
		{Role: store.RoleModel, Text: text, Tokens: 50, Time: benchNow},
	}
}

// BenchmarkAppendTurns measures calls appending one exchange (a user turn
// and a model turn) to one of 1,024 conversations.
func BenchmarkAppendTurns(b *testing.B) {
	text := strings.Repeat("a typical message 中文 😀 ", 7)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = store.ConversationKey(int64(i), 0, 0)
	}
	for _, m := range syncModes {
		b.Run("Serial/"+m.name, func(b *testing.B) {
			s := openTemp(b, m.opts)
			turns := exchange(text)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := s.AppendTurns(b.Context(), keys[i%len(keys)], turns...); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportRate(b, "appends/s")
		})
		for _, p := range parallelisms {
			b.Run(p.name+"/"+m.name, func(b *testing.B) {
				s := openTemp(b, m.opts)
				var worker atomic.Int64
				b.ReportAllocs()
				b.SetParallelism(p.perProc)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					turns := exchange(text)
					i := int(worker.Add(1)) * 31
					for pb.Next() {
						if err := s.AppendTurns(context.Background(), keys[i%len(keys)], turns...); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
				reportRate(b, "appends/s")
				reportBatch(b, s)
			})
		}
	}
}

// BenchmarkTakeCounter measures TakeCounter on 1,024 existing counters.
func BenchmarkTakeCounter(b *testing.B) {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "quota:day:2026-11-25:user:" + strconv.Itoa(i)
	}
	expires := benchNow.Add(24 * time.Hour)
	for _, m := range syncModes {
		b.Run("Serial/"+m.name, func(b *testing.B) {
			s := openTemp(b, m.opts)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok, err := s.TakeCounter(b.Context(), keys[i%len(keys)], 1, math.MaxInt64, benchNow, expires); err != nil || !ok {
					b.Fatal(ok, err)
				}
				i++
			}
			reportRate(b, "takes/s")
		})
		for _, p := range parallelisms {
			b.Run(p.name+"/"+m.name, func(b *testing.B) {
				s := openTemp(b, m.opts)
				var worker atomic.Int64
				b.ReportAllocs()
				b.SetParallelism(p.perProc)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := int(worker.Add(1)) * 31
					for pb.Next() {
						if _, ok, err := s.TakeCounter(context.Background(), keys[i%len(keys)], 1, math.MaxInt64, benchNow, expires); err != nil || !ok {
							b.Error(ok, err)
							return
						}
						i++
					}
				})
				reportRate(b, "takes/s")
				reportBatch(b, s)
			})
		}
	}
}

// BenchmarkRecentTurns1M reads the last 20 turns of a conversation from a
// database of one million turns, built once per run with one bulk INSERT:
// either 1,000 conversations of 1,000 turns interleaved in insertion order,
// or one conversation of a million turns. It reports the median and the
// 99th percentile of single calls.
func BenchmarkRecentTurns1M(b *testing.B) {
	const total = 1_000_000
	for _, layout := range []struct {
		name  string
		convs int
	}{{"1000Convs", 1000}, {"OneConv", 1}} {
		b.Run(layout.name, func(b *testing.B) {
			s := openTemp(b, Options{})
			start := time.Now()
			bulkInsertTurns(b, s, total, layout.convs)
			b.Logf("built %d turns in %d conversations in %v", total, layout.convs, time.Since(start).Round(time.Millisecond))
			key := "bench:" + strconv.Itoa(layout.convs/2)
			var lat []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				turns, err := s.RecentTurns(b.Context(), key, 20)
				lat = append(lat, time.Since(t0))
				if err != nil || len(turns) != 20 {
					b.Fatal(len(turns), err)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
		})
	}
}

// bulkInsertTurns stores total turns round-robin over convs conversations
// named bench:0, bench:1..., in one transaction on the writer.
func bulkInsertTurns(b *testing.B, s *Store, total, convs int) {
	b.Helper()
	q := fmt.Sprintf(`INSERT INTO turns (conv, role, text, tokens, time_ns)
		WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %d)
		SELECT 'bench:' || (i %% %d), CASE i %% 2 WHEN 0 THEN 'user' ELSE 'model' END,
			printf('turn %%d: a message of a typical length, with some words in it and 中文 😀', i),
			50, %d + i * 1000000000 FROM seq`, total-1, convs, benchNow.UnixNano())
	// Building the index after the rows, with a large page cache, sorts
	// once instead of inserting a million index entries in random order.
	err := s.w.submit(b.Context(), func(w *writer) error {
		for _, stmt := range []string{"PRAGMA cache_size = -262144", "DROP INDEX turns_by_conv", q,
			"CREATE INDEX turns_by_conv ON turns (conv)", "PRAGMA cache_size = -2000"} {
			if _, err := w.conn.ExecContext(context.Background(), stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func reportRate(b *testing.B, unit string) {
	if sec := b.Elapsed().Seconds(); sec > 0 {
		b.ReportMetric(float64(b.N)/sec, unit)
	}
}

// reportBatch reports the mean number of writes per commit.
func reportBatch(b *testing.B, s *Store) {
	if c := s.w.commits.Load(); c > 0 {
		b.ReportMetric(float64(s.w.committed.Load())/float64(c), "writes/commit")
	}
}
