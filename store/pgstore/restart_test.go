package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/internal/testenv"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/pgstore"
)

// TestServerRestart stops PostgreSQL in the middle of a stream of writes
// and starts it again: writes retry within their context, and every write
// acknowledged to the caller is there afterwards.
func TestServerRestart(t *testing.T) {
	srv := testenv.StartPostgres(t)
	ctx := context.Background()
	s, err := pgstore.Open(ctx, srv.URL(), pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

	var mu sync.Mutex
	var acked []string
	var failed int
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("w%d-%d", w, i)
				wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				err := s.AppendTurns(wctx, "restart", store.Turn{Role: store.RoleUser, Text: text, Time: now})
				cancel()
				mu.Lock()
				if err == nil {
					acked = append(acked, text)
				} else {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	waitFor := func(n int) {
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(5 * time.Millisecond) // waiting for the writers' progress, not for a clock
		}
	}
	waitFor(50)
	srv.Stop()
	restarted := make(chan struct{})
	go func() {
		time.Sleep(500 * time.Millisecond) // the outage itself
		srv.Start()
		close(restarted)
	}()
	<-restarted
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	waitFor(before + 50) // writes flow again without a new store
	close(stop)
	wg.Wait()

	turns, err := s.RecentTurns(ctx, "restart", 100000)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, tr := range turns {
		stored[tr.Text] = true
	}
	for _, text := range acked {
		if !stored[text] {
			t.Fatalf("acknowledged write %q lost across the restart", text)
		}
	}
	t.Logf("%d writes acknowledged, %d failed (in flight when the server stopped: not acknowledged), %d stored",
		len(acked), failed, len(turns))
}
