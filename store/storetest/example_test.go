package storetest_test

import (
	"testing"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

// conformance is what a backend's TestConformance runs: a fresh store per
// case, with cleanup registered on the case's t.
func conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memstore.New(memstore.Options{})
		t.Cleanup(func() { t.Log("the suite closed the store already:", s.Close()) })
		return s
	})
}

// benchmarks is what a backend's BenchmarkStore runs, here reading from a
// conversation of 100,000 turns.
func benchmarks(b *testing.B) {
	storetest.BenchWith(b, func(*testing.B) store.Store {
		return memstore.New(memstore.Options{})
	}, storetest.BenchOptions{HistoryTurns: 100_000})
}

// A backend runs the suite from its own tests: name conformance
// TestConformance and benchmarks BenchmarkStore in a _test.go file.
func Example() {
	_, _ = conformance, benchmarks
}
