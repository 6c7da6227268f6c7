package fleetstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/internal/testenv"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/fleetstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/pgstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/redisstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

func openPair(t *testing.T, pgURL, redisURL string, opts fleetstore.Options) *fleetstore.Store {
	t.Helper()
	ctx := context.Background()
	pg, err := pgstore.Open(ctx, pgURL, pgstore.Options{Schema: testenv.PostgresSchema(t, pgURL)})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := redisstore.Open(ctx, redisURL, redisstore.Options{Prefix: testenv.RedisPrefix(t, redisURL)})
	if err != nil {
		pg.Close()
		t.Fatal(err)
	}
	s, err := fleetstore.New(pg, rs, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pgURL, redisURL := testenv.PostgresURL(t), testenv.RedisURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openPair(t, pgURL, redisURL, fleetstore.Options{})
	})
}

// fakeClock is a clock that only moves when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type events struct {
	mu         sync.Mutex
	downs, ups int
}

func (e *events) record(err error, down bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if down {
		e.downs++
	} else {
		e.ups++
	}
}

func (e *events) counts() (int, int) { e.mu.Lock(); defer e.mu.Unlock(); return e.downs, e.ups }

func TestRedisOutage(t *testing.T) {
	pgURL := testenv.PostgresURL(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	for _, failOpen := range []bool{false, true} {
		name := map[bool]string{false: "FailClosed", true: "FailOpen"}[failOpen]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			srv := testenv.StartRedis(t)
			clock := &fakeClock{t: now}
			var ev events
			opts := fleetstore.Options{FailOpen: failOpen, OnFailure: ev.record, Now: clock.Now, Probe: time.Second}
			if failOpen {
				opts.Fallback = memstore.New(memstore.Options{})
			}
			s := openPair(t, pgURL, srv.URL(), opts)

			used, ok, err := s.TakeCounter(ctx, "quota", 1, 10, now, exp)
			if err != nil || !ok || used != 1 {
				t.Fatalf("take with Redis up: %d %v %v", used, ok, err)
			}
			srv.Stop()
			used, ok, err = s.TakeCounter(ctx, "quota", 1, 10, now, exp)
			if failOpen {
				if err != nil || !ok || used != 1 { // the fallback counts from zero
					t.Fatalf("fail open: %d %v %v", used, ok, err)
				}
			} else if !errors.Is(err, fleetstore.ErrUnavailable) {
				t.Fatalf("fail closed: got %v, want ErrUnavailable", err)
			}
			// Durable data is untouched by the outage.
			if err := s.SetValue(ctx, "k", []byte("v"), 0, now); err != nil {
				t.Fatalf("durable write during outage: %v", err)
			}
			if downs, _ := ev.counts(); downs == 0 {
				t.Fatal("OnFailure not called for the outage")
			}

			srv.Start()
			clock.Add(2 * time.Second) // past the probe delay
			used, ok, err = s.TakeCounter(ctx, "quota", 1, 10, now, exp)
			// The restarted Redis keeps nothing (no persistence): it counts from zero.
			if err != nil || !ok || used != 1 {
				t.Fatalf("after recovery: %d %v %v", used, ok, err)
			}
			if _, ups := ev.counts(); ups != 1 {
				t.Fatalf("recovery reported %d times, want 1", ups)
			}
		})
	}
}
