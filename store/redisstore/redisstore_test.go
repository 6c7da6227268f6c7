package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/internal/testenv"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/redisstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

func open(tb testing.TB, url string) *redisstore.Store {
	tb.Helper()
	s, err := redisstore.Open(context.Background(), url, redisstore.Options{Prefix: testenv.RedisPrefix(tb, url)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	url := testenv.RedisURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, url) })
}

func TestConversationTrimmed(t *testing.T) {
	url := testenv.RedisURL(t)
	ctx := context.Background()
	s, err := redisstore.Open(ctx, url, redisstore.Options{Prefix: "svsbot-trim-" + t.Name() + ":", MaxTurns: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer s.ClearConversation(ctx, "c")
	now := time.Unix(1700000000, 0)
	for i := range 12 {
		if err := s.AppendTurns(ctx, "c", store.Turn{Role: store.RoleUser, Text: strings.Repeat("x", i), Time: now}); err != nil {
			t.Fatal(err)
		}
	}
	turns, err := s.RecentTurns(ctx, "c", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 5 || len(turns[0].Text) != 7 || len(turns[4].Text) != 11 {
		t.Fatalf("kept %d turns, first %q", len(turns), turns[0].Text)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := redisstore.Open(ctx, "redis://:hunter2@[::1", redisstore.Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad URL: %v", err)
	}
	_, err = redisstore.Open(ctx, "redis://:hunter2@127.0.0.1:1/0", redisstore.Options{ConnectTimeout: time.Second})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("unreachable: %v", err)
	}
}

func BenchmarkStore(b *testing.B) {
	url := testenv.RedisURL(b)
	storetest.Bench(b, func(b *testing.B) store.Store { return open(b, url) })
}
