package redisstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/internal/testenv"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/store/redisstore"
)

var _ keyrouter.SharedState = (*redisstore.RouterState)(nil)

func TestRouterStateMatchesMemoryState(t *testing.T) {
	url := testenv.RedisURL(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("America/Los_Angeles")
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, loc)
	dayEnd := keyrouter.NextReset(now, loc)
	shared := []keyrouter.SharedState{open(t, url).RouterState(), &keyrouter.MemoryState{}}
	for _, st := range shared {
		// 3 per minute, 5 per day.
		var got []bool
		for i := range 4 {
			ok, _, err := st.Take(ctx, "p1", "flash", now.Add(time.Duration(i)*time.Second), 3, 5, dayEnd)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ok)
		}
		if got[0] != true || got[2] != true || got[3] != false {
			t.Fatalf("%T: minute window: %v", st, got)
		}
		ok, freeAt, _ := st.Take(ctx, "p1", "flash", now.Add(10*time.Second), 3, 5, dayEnd)
		if ok || !freeAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("%T: freeAt %v, want %v", st, freeAt, now.Add(time.Minute))
		}
		later := now.Add(61 * time.Second)
		ok1, _, _ := st.Take(ctx, "p1", "flash", later, 3, 5, dayEnd)
		ok2, _, _ := st.Take(ctx, "p1", "flash", later, 3, 5, dayEnd)
		ok3, free, _ := st.Take(ctx, "p1", "flash", later, 3, 5, dayEnd)
		if !ok1 || !ok2 || ok3 || !free.Equal(dayEnd) {
			t.Fatalf("%T: day quota: %v %v %v free %v", st, ok1, ok2, ok3, free)
		}
		// A new day starts counting afresh.
		next := dayEnd.Add(time.Second)
		if ok, _, _ := st.Take(ctx, "p1", "flash", next, 3, 5, keyrouter.NextReset(next, loc)); !ok {
			t.Fatalf("%T: new day refused", st)
		}
		// Cooldowns hold, and never shorten.
		if err := st.Cool(ctx, "p2", "flash", now.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		st.Cool(ctx, "p2", "flash", now.Add(5*time.Second))
		if ok, free, _ := st.Take(ctx, "p2", "flash", now.Add(10*time.Second), 0, 0, dayEnd); ok || !free.Equal(now.Add(30*time.Second)) {
			t.Fatalf("%T: cooldown: %v %v", st, ok, free)
		}
		if ok, _, _ := st.Take(ctx, "p2", "flash", now.Add(31*time.Second), 0, 0, dayEnd); !ok {
			t.Fatalf("%T: after cooldown refused", st)
		}
	}
}

func TestRouterStateConcurrentReplicas(t *testing.T) {
	url := testenv.RedisURL(t)
	ctx := context.Background()
	s := open(t, url)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	replicas := []keyrouter.SharedState{s.RouterState(), s.RouterState(), s.RouterState()}
	var taken atomic.Int64
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := replicas[i%3].Take(ctx, "p", "m", now, 10, 500, now.Add(time.Hour))
			if err != nil {
				t.Error(err)
			}
			if ok {
				taken.Add(1)
			}
		}()
	}
	wg.Wait()
	if taken.Load() != 10 {
		t.Fatalf("three replicas took %d of a 10-per-minute quota", taken.Load())
	}
}

// TestRoutersShareQuota runs two key routers, as two replicas would, over
// one Redis: together they never spend more than the project's quota.
func TestRoutersShareQuota(t *testing.T) {
	url := testenv.RedisURL(t)
	s := open(t, url)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	key := keyrouter.Key{Secret: "AIza-test-secret-0001", Project: "p", Limits: keyrouter.Limits{RPM: 15}}
	var served int
	for range 2 {
		r, err := keyrouter.New([]keyrouter.Key{key}, keyrouter.Options{
			Now: func() time.Time { return now }, Shared: s.RouterState(), MaxWait: -1,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for range 15 {
			l, err := r.Acquire(context.Background(), keyrouter.Request{Model: "flash"})
			if err != nil {
				continue
			}
			served++
			l.Release(keyrouter.Outcome{Verdict: keyrouter.Success})
		}
	}
	if served != 15 {
		t.Fatalf("two routers served %d calls of a 15-RPM project", served)
	}
}
