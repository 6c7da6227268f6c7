package telegramtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// An echo bot, driven by the real go-telegram/bot client, answers a user
// of the fake server.
func Example() {
	srv := telegramtest.New(telegramtest.Options{})
	defer srv.Close()

	echo := func(ctx context.Context, b *bot.Bot, u *models.Update) {
		if u.Message == nil {
			return
		}
		_, _ = b.SendMessage(ctx, &bot.SendMessageParams{
			ChatID:          u.Message.Chat.ID,
			Text:            "<b>echo:</b> " + u.Message.Text,
			ParseMode:       models.ParseModeHTML,
			ReplyParameters: &models.ReplyParameters{MessageID: u.Message.ID},
		})
	}
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithDefaultHandler(echo))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()

	if _, err := srv.SendText(42, "hello"); err != nil {
		fmt.Println(err)
		return
	}
	waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	replies, err := srv.WaitReplies(waitCtx, 42, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(replies[0].Text)
	text, mode, _ := srv.Source(42, replies[0].ID)
	fmt.Println(mode, text)
	fmt.Println("in reply to:", replies[0].ReplyToMessage.Text)
	// Output:
	// echo: hello
	// HTML <b>echo:</b> hello
	// in reply to: hello
}

// Injected faults and pacing show how a bot copes with Telegram's 429s.
func ExampleServer_InjectFault() {
	srv := telegramtest.New(telegramtest.Options{})
	defer srv.Close()
	_, _ = srv.SendText(42, "hi")
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, ChatID: 42, RetryAfter: 5, Times: 1})

	b, _ := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
	_, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: 42, Text: "hello"})
	fmt.Println(bot.IsTooManyRequestsError(err))
	for _, l := range srv.RateLimits() {
		fmt.Println(l.Method, l.ChatID, l.RetryAfter, l.Scope)
	}
	// Output:
	// true
	// sendMessage 42 5 fault
}
