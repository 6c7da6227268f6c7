package ctxtime_test

import (
	"context"
	"errors"
	"testing"

	"github.com/web3-ai-game/svs-telegram-bot/internal/ctxtime"
)

func TestSleep(t *testing.T) {
	if err := ctxtime.Sleep(context.Background(), 0); err != nil {
		t.Fatalf("a zero wait: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ctxtime.Sleep(ctx, 1<<62); !errors.Is(err, context.Canceled) {
		t.Fatalf("an ended context: got %v", err)
	}
}
