package botkit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// A bot with a command of its own and the full AI reply. In production
// drop ServerURL, GeminiURL and Store (a SQLite file is the default), and
// take the token and keys from the environment.
func Example_bot() {
	tg := telegramtest.New(telegramtest.Options{}) // a fake Telegram
	defer tg.Close()
	ai := geminitest.New(geminitest.Options{Answer: geminitest.Text("The answer is **42**.")}) // a fake Gemini
	defer ai.Close()
	ai.AddKey("key-1", "AIza-example-secret", "")
	st := memstore.New(memstore.Options{})
	defer st.Close()

	b, err := botkit.New(tg.Token(), botkit.Options{
		Keys:      "AIza-example-secret",
		Store:     st,
		ServerURL: tg.URL(),
		GeminiURL: ai.URL,
		Owners:    []int64{1},
		Commands: []botkit.Command{{
			Name: "ping", Description: "Check that the bot is alive",
			Handler: func(ctx context.Context, m *botkit.Message) error { return m.Reply(ctx, "pong") },
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = tg.SendCommand(42, "/ping")
	replies, _ := tg.WaitReplies(ctx, 42, 1)
	fmt.Println(replies[0].Text)
	_, _ = tg.SendText(42, "What is six times seven?")
	replies, _ = tg.WaitReplies(ctx, 42, 1)
	fmt.Println(replies[0].Text)

	fmt.Println(b.Shutdown(ctx), <-done)
	// Output:
	// pong
	// The answer is 42.
	// <nil> <nil>
}
