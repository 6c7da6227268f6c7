package botkit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// BenchmarkDispatch measures updates per second through a Dispatcher with a
// no-op handler, spread over 10,000 chats; "goroutine-per-update" is the
// go-telegram/bot model (no order, no bound) measured the same way, as a
// baseline.
func BenchmarkDispatch(b *testing.B) {
	const chats = 10000
	updates := make([]*models.Update, 1<<16)
	for i := range updates {
		updates[i] = msgUpdate(int64(i+1), int64(i%chats)+1, "")
	}
	noop := func(context.Context, *models.Update) error { return nil }

	run := func(b *testing.B, opts botkit.DispatcherOptions) {
		opts.Logger = quietLogger()
		d := botkit.NewDispatcher(noop, opts)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			u := updates[i%len(updates)]
			// IDs must differ from any in flight; reuse is safe once the
			// previous use has finished, which the queue bound ensures.
			if err := d.Submit(ctx, u, nil); err != nil {
				b.Fatal(err)
			}
		}
		if err := d.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
	}
	b.Run("botkit", func(b *testing.B) { run(b, botkit.DispatcherOptions{}) })
	b.Run("botkit+dedup-memstore", func(b *testing.B) {
		st := memstore.New(memstore.Options{})
		defer st.Close()
		// Update IDs repeat every 65,536 updates: offset them per run so
		// that the marks of an earlier run do not drop them.
		run(b, botkit.DispatcherOptions{Dedup: botkit.NewDedup(st, botkit.DedupOptions{Prefix: fmt.Sprintf("bench:%d:", b.N)})})
	})

	b.Run("goroutine-per-update", func(b *testing.B) {
		var wg sync.WaitGroup
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			u := updates[i%len(updates)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = noop(botkit.WithUpdate(ctx, u), u)
			}()
		}
		wg.Wait()
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
	})
}
