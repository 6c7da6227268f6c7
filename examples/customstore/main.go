// Command customstore runs a bot on a store of its own: SealedStore, which
// encrypts conversation text at rest around the SQLite store and passes the
// same conformance suite (storetest) as every backend of the SDK.
//
//	export TELEGRAM_BOT_TOKEN=... GEMINI_API_KEYS=...
//	export SVSBOT_SEAL_KEY=$(openssl rand -base64 32)   # keep it: without it the conversations cannot be read
//	go run ./examples/customstore
//
// SVSBOT_SEAL_OLD_KEYS (base64, comma-separated) still opens turns sealed
// with earlier keys, for rotation; SVSBOT_SQLITE_PATH is the database
// (default sealed.db).
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	keys, err := sealKeys(os.Getenv("SVSBOT_SEAL_KEY"), os.Getenv("SVSBOT_SEAL_OLD_KEYS"))
	if err != nil {
		log.Fatal(err)
	}
	path := os.Getenv("SVSBOT_SQLITE_PATH")
	if path == "" {
		path = "sealed.db"
	}
	inner, err := sqlitestore.Open(ctx, path, sqlitestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	st, err := NewSealedStore(inner, keys...)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close() // the bot does not close a store it was given

	b, err := botkit.New(os.Getenv("TELEGRAM_BOT_TOKEN"), botkit.Options{Keys: os.Getenv("GEMINI_API_KEYS"), Store: st})
	if err != nil {
		log.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- b.Run(context.WithoutCancel(ctx)) }()
	select {
	case err = <-ran:
	case <-ctx.Done():
	}
	drain, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err = errors.Join(err, b.Shutdown(drain)); err != nil {
		log.Print(err)
	}
}

// sealKeys decodes the sealing key and the older keys, all base64 of 32
// bytes. Errors name the variable, never the key.
func sealKeys(current, old string) ([][]byte, error) {
	if current == "" {
		return nil, errors.New("SVSBOT_SEAL_KEY is not set: make one with `openssl rand -base64 32`, and keep it")
	}
	var keys [][]byte
	for i, s := range append([]string{current}, strings.FieldsFunc(old, func(r rune) bool { return r == ',' || r == ' ' })...) {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil || len(k) != 32 {
			name := "SVSBOT_SEAL_KEY"
			if i > 0 {
				name = fmt.Sprintf("SVSBOT_SEAL_OLD_KEYS entry %d", i)
			}
			return nil, fmt.Errorf("%s: not the base64 of 32 bytes (make one with `openssl rand -base64 32`)", name)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
