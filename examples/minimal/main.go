// Command minimal is the smallest useful bot: Gemini replies, the built-in
// commands, and one command of its own. Run it with TELEGRAM_BOT_TOKEN and
// GEMINI_API_KEYS set: go run ./examples/minimal
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
)

// roll is a command of our own: /roll answers with a die.
var roll = botkit.Command{Name: "roll", Description: "roll a die", Handler: func(ctx context.Context, m *botkit.Message) error {
	return m.Reply(ctx, fmt.Sprintf("🎲 %d", rand.IntN(6)+1))
}}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := botkit.New(os.Getenv("TELEGRAM_BOT_TOKEN"), botkit.Options{
		Keys:     os.Getenv("GEMINI_API_KEYS"),
		Commands: []botkit.Command{roll},
		// Empty means the real APIs; tests and load runs point them at fakes.
		ServerURL: os.Getenv("SVSBOT_TELEGRAM_API_URL"),
		GeminiURL: os.Getenv("SVSBOT_GEMINI_API_URL"),
	})
	if err != nil {
		log.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- b.Run(context.WithoutCancel(ctx)) }()
	select {
	case err = <-ran: // polling failed
	case <-ctx.Done(): // SIGINT or SIGTERM: drain
	}
	drain, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err = errors.Join(err, b.Shutdown(drain)); err != nil {
		log.Fatal(err)
	}
}
