package telegramtest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// BenchmarkSendMessage measures sendMessage round trips through the real
// client: against the fake, and against a canned handler that answers the
// same JSON without parsing or state (the cost of HTTP and the client).
func BenchmarkSendMessage(b *testing.B) {
	params := &bot.SendMessageParams{ChatID: int64(42), Text: "<b>hello</b> world", ParseMode: models.ParseModeHTML}
	run := func(b *testing.B, client *bot.Bot) {
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := client.SendMessage(ctx, params); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	}
	b.Run("fake", func(b *testing.B) {
		srv := newServer(b, telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
		if _, err := srv.SendText(42, "hi"); err != nil {
			b.Fatal(err)
		}
		run(b, newBot(b, srv))
	})
	b.Run("canned", func(b *testing.B) {
		answer := []byte(`{"ok":true,"result":{"message_id":1,"date":1,"chat":{"id":42,"type":"private"},"text":"hello world"}}`)
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseMultipartForm(1 << 20)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(answer)
		}))
		defer hs.Close()
		client, err := bot.New(telegramtest.DefaultToken, bot.WithServerURL(hs.URL), bot.WithSkipGetMe())
		if err != nil {
			b.Fatal(err)
		}
		run(b, client)
	})
}

// BenchmarkSendMessageParallel measures round trips from many goroutines,
// each writing to its own chat, as a load run would.
func BenchmarkSendMessageParallel(b *testing.B) {
	srv := newServer(b, telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
	const chats = 64
	for i := int64(1); i <= chats; i++ {
		if _, err := srv.SendText(i, "hi"); err != nil {
			b.Fatal(err)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	defer tr.CloseIdleConnections()
	client := newBot(b, srv, bot.WithHTTPClient(time.Minute, &http.Client{Transport: tr}))
	var next atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		chat := next.Add(1)%chats + 1
		params := &bot.SendMessageParams{ChatID: chat, Text: "hello"}
		for pb.Next() {
			if _, err := client.SendMessage(context.Background(), params); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
