package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/fleetstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/pgstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/redisstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
)

// openStore opens the scenario's backend, fresh for one run, wrapped in
// the latency of Scenario.StoreLatency; cleanup closes it and removes what
// it left behind (the SQLite directory, the PostgreSQL schema).
func openStore(ctx context.Context, sc Scenario) (store.Store, func(), error) {
	var base store.Store
	var err error
	cleanup := func() {}
	switch sc.Store {
	case "memory":
		base = memstore.New(memstore.Options{})
	case "sqlite":
		dir, err := os.MkdirTemp("", "loadtest-sqlite-")
		if err != nil {
			return nil, nil, fmt.Errorf("loadtest: sqlite dir: %w", err)
		}
		s, err := sqlitestore.Open(ctx, filepath.Join(dir, "bot.db"), sqlitestore.Options{})
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, fmt.Errorf("loadtest: open sqlite: %w", err)
		}
		base = s
		cleanup = func() { os.RemoveAll(dir) }
	case "fleet":
		base, cleanup, err = openFleet(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("loadtest: unknown store %q", sc.Store)
	}
	closeAll := func() {
		_ = base.Close()
		cleanup()
	}
	if sc.StoreLatency > 0 {
		return &slowStore{Store: base, delay: sc.StoreLatency}, closeAll, nil
	}
	return base, closeAll, nil
}

// openFleet composes PostgreSQL (durable records, in a schema of its own,
// dropped at cleanup) and Redis (counters, locks, marks, under a key prefix
// of its own).
func openFleet(ctx context.Context, sc Scenario) (store.Store, func(), error) {
	pgURL, redisURL := sc.PostgresURL, sc.RedisURL
	if pgURL == "" {
		pgURL = os.Getenv("SVSBOT_TEST_POSTGRES_URL")
	}
	if redisURL == "" {
		redisURL = os.Getenv("SVSBOT_TEST_REDIS_URL")
	}
	if pgURL == "" || redisURL == "" {
		return nil, nil, errors.New("loadtest: -store fleet needs -postgres-url and -redis-url (or SVSBOT_TEST_POSTGRES_URL and SVSBOT_TEST_REDIS_URL)")
	}
	name := uniqueName("loadtest_")
	pg, err := pgstore.Open(ctx, pgURL, pgstore.Options{Schema: name, MaxConns: 32})
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: open postgres: %w", err)
	}
	rd, err := redisstore.Open(ctx, redisURL, redisstore.Options{Prefix: name + ":"})
	if err != nil {
		_ = pg.Close()
		return nil, nil, fmt.Errorf("loadtest: open redis: %w", err)
	}
	st, err := fleetstore.New(pg, rd, fleetstore.Options{})
	if err != nil {
		_ = pg.Close()
		_ = rd.Close()
		return nil, nil, fmt.Errorf("loadtest: fleet store: %w", err)
	}
	dropSchema := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, pgURL); err == nil {
			_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
			_ = conn.Close(ctx)
		}
	}
	return st, dropSchema, nil
}

func uniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
