package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/web3-ai-game/svs-telegram-bot/internal/testenv"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/pgstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/storetest"
)

func freshSchema(tb testing.TB, url string) string {
	tb.Helper()
	return testenv.PostgresSchema(tb, url)
}

func open(tb testing.TB, url, schema string) *pgstore.Store {
	tb.Helper()
	s, err := pgstore.Open(context.Background(), url, pgstore.Options{Schema: schema})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	url := testenv.PostgresURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, url, freshSchema(t, url))
	})
}

func TestMigrationsConcurrentAndIdempotent(t *testing.T) {
	url := testenv.PostgresURL(t)
	schema := freshSchema(t, url)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := pgstore.Open(context.Background(), url, pgstore.Options{Schema: schema})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	s := open(t, url, schema)
	ctx := context.Background()
	if err := s.SetValue(ctx, "k", []byte("v"), 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, url, schema) // re-open: nothing to migrate, data kept
	if v, err := s2.GetValue(ctx, "k", time.Now()); err != nil || string(v) != "v" {
		t.Fatalf("after re-open: %q, %v", v, err)
	}
}

func TestSchemaTooNew(t *testing.T) {
	url := testenv.PostgresURL(t)
	schema := freshSchema(t, url)
	open(t, url, schema).Close()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "INSERT INTO "+schema+".schema_migrations (version) VALUES (9999)"); err != nil {
		t.Fatal(err)
	}
	_, err = pgstore.Open(context.Background(), url, pgstore.Options{Schema: schema})
	if !errors.Is(err, pgstore.ErrSchemaTooNew) {
		t.Fatalf("got %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := pgstore.Open(ctx, "postgres://user:hunter2@[::1", pgstore.Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad URL: %v", err)
	}
	start := time.Now()
	// Port 1 on loopback refuses at once; a bounded timeout keeps Open short either way.
	_, err = pgstore.Open(ctx, "postgres://postgres:hunter2@127.0.0.1:1/test?sslmode=disable", pgstore.Options{ConnectTimeout: 2 * time.Second})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("unreachable: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Open took %v with a 2s connect timeout", d)
	}
}

func BenchmarkStore(b *testing.B) {
	url := testenv.PostgresURL(b)
	storetest.Bench(b, func(b *testing.B) store.Store {
		return open(b, url, freshSchema(b, url))
	})
}
