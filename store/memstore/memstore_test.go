package memstore_test

import (
	"fmt"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memstore.New(memstore.Options{}) })
}

func TestConformanceOneShard(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memstore.New(memstore.Options{Shards: 1}) })
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(*testing.B) store.Store { return memstore.New(memstore.Options{}) })
}

// BenchmarkBaselineMutexMap is the floor for TakeCounter/Serial, measured in
// the same run: a bare increment in a map of 1,024 keys under one mutex,
// with none of the validation, hashing or expiry of a counter.
func BenchmarkBaselineMutexMap(b *testing.B) {
	var mu sync.Mutex
	m := make(map[string]int64)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("quota:day:2026-11-25:user:%d", 1_000_000+i)
		m[keys[i]] = 0
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		mu.Lock()
		m[keys[i&1023]]++
		mu.Unlock()
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
