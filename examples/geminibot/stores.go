package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/fleetstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/pgstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/redisstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
)

// openedStore is the bot's store and what must be closed with it.
type openedStore struct {
	store.Store
	closers []func() error
	// shared: other replicas may use the same store, so chats are leased.
	shared bool
	// routerState shares the key router's quota view across replicas.
	routerState keyrouter.SharedState
}

// Close closes the store and the stores it is made of.
func (o *openedStore) Close() error {
	var errs []error
	for _, c := range o.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// Ping checks every server the store depends on, for /readyz.
func (o *openedStore) Ping(ctx context.Context) error {
	if p, ok := o.Store.(store.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// openStore opens the store sc describes. Errors name SVSBOT_STORE_URL or
// SVSBOT_REDIS_URL, never their passwords.
func openStore(ctx context.Context, sc storeConfig, log *slog.Logger) (*openedStore, error) {
	switch sc.Kind {
	case storeMemory:
		s := memstore.New(memstore.Options{})
		return &openedStore{Store: s, closers: []func() error{s.Close}}, nil
	case storeSQLite:
		if dir := filepath.Dir(sc.Path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, &configError{Var: envStoreURL, Reason: "cannot create the directory of the database: " + fileErrorReason(err)}
			}
		}
		s, err := sqlitestore.Open(ctx, sc.Path, sqlitestore.Options{})
		if err != nil {
			return nil, &configError{Var: envStoreURL, Reason: "cannot open " + sc.Path + ": " + err.Error()}
		}
		return &openedStore{Store: s, closers: []func() error{s.Close}}, nil
	case storePostgres, storeFleet:
		pg, err := pgstore.Open(ctx, string(sc.URL), pgstore.Options{})
		if err != nil {
			return nil, &configError{Var: envStoreURL, Reason: "cannot open " + sc.URL.String() + ": " + scrub(err, string(sc.URL))}
		}
		if sc.Kind == storePostgres {
			return &openedStore{Store: pg, closers: []func() error{pg.Close}, shared: true}, nil
		}
		rd, err := redisstore.Open(ctx, string(sc.RedisURL), redisstore.Options{})
		if err != nil {
			_ = pg.Close()
			return nil, &configError{Var: envRedisURL, Reason: "cannot open " + sc.RedisURL.String() + ": " + scrub(err, string(sc.RedisURL))}
		}
		fo := fleetstore.Options{
			OnFailure: func(err error, down bool) {
				if down {
					log.Error("redis unreachable", "fail_open", sc.FailOpen, "err", scrub(err, string(sc.RedisURL)))
				} else {
					log.Info("redis answers again")
				}
			},
		}
		if sc.FailOpen {
			fo.FailOpen, fo.Fallback = true, memstore.New(memstore.Options{})
		}
		fleet, err := fleetstore.New(pg, rd, fo)
		if err != nil {
			_ = rd.Close()
			_ = pg.Close()
			return nil, fmt.Errorf("geminibot: fleet store: %w", err)
		}
		return &openedStore{Store: fleet, closers: []func() error{fleet.Close}, shared: true, routerState: rd.RouterState()}, nil
	case storeRedis:
		rd, err := redisstore.Open(ctx, string(sc.URL), redisstore.Options{})
		if err != nil {
			return nil, &configError{Var: envStoreURL, Reason: "cannot open " + sc.URL.String() + ": " + scrub(err, string(sc.URL))}
		}
		return &openedStore{Store: rd, closers: []func() error{rd.Close}, shared: true, routerState: rd.RouterState()}, nil
	}
	return nil, fmt.Errorf("geminibot: unknown store kind %q", sc.Kind)
}

// scrub returns err's text without the URL or its password, which drivers
// may quote.
func scrub(err error, rawURL string) string {
	text := strings.ReplaceAll(err.Error(), rawURL, redactURL(rawURL))
	if u, perr := url.Parse(rawURL); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			text = strings.ReplaceAll(text, pw, "xxxxx")
		}
		if pw := u.Query().Get("password"); pw != "" {
			text = strings.ReplaceAll(text, pw, "xxxxx")
		}
	}
	return text
}
