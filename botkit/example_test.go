package botkit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// A Poller feeds a Dispatcher; the handler answers through a Sender;
// Shutdown drains and saves the offset.
func ExamplePoller() {
	tg := telegramtest.New(telegramtest.Options{})
	defer tg.Close()
	st := memstore.New(memstore.Options{})
	defer st.Close()

	b, _ := bot.New(tg.Token(), bot.WithServerURL(tg.URL()), bot.WithSkipGetMe())
	sender := botkit.NewSender(b, botkit.SenderOptions{Users: st})
	answered := make(chan struct{})
	handler := botkit.Chain(func(ctx context.Context, upd *models.Update) error {
		defer close(answered)
		_, err := sender.SendMessage(ctx, &bot.SendMessageParams{
			ChatID: botkit.ChatFrom(ctx).ID,
			Text:   "Hello, " + botkit.UserFrom(ctx).FirstName,
		})
		return err
	}, botkit.Recover(nil))
	d := botkit.NewDispatcher(handler, botkit.DispatcherOptions{Dedup: botkit.NewDedup(st, botkit.DedupOptions{})})
	p, _ := botkit.NewPoller(tg.Token(), d, botkit.PollerOptions{ServerURL: tg.URL(), PollTimeout: time.Second, Offsets: st})
	done := make(chan error)
	go func() { done <- p.Run(context.Background()) }()

	_, _ = tg.Send(telegramtest.Incoming{ChatID: 42, From: models.User{ID: 42, FirstName: "Ada"}, Text: "hi"})
	<-answered
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Println(d.Shutdown(ctx), <-done, p.Offset())
	for _, m := range tg.Messages(42) {
		fmt.Println(m.Text)
	}
	// Output:
	// <nil> <nil> 2
	// hi
	// Hello, Ada
}

// Updates of one chat are handled one at a time, in order.
func ExampleDispatcher() {
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		fmt.Println(upd.ID, upd.Message.Text)
		return nil
	}, botkit.DispatcherOptions{})
	for i, text := range []string{"one", "two", "three"} {
		upd := &models.Update{ID: int64(i + 1), Message: &models.Message{Text: text, Chat: models.Chat{ID: 7}}}
		_ = d.Submit(context.Background(), upd, nil)
	}
	_ = d.Shutdown(context.Background())
	// Output:
	// 1 one
	// 2 two
	// 3 three
}

// The Webhook answers Telegram with the status codes it understands.
func ExampleWebhook() {
	d := botkit.NewDispatcher(func(context.Context, *models.Update) error { return nil }, botkit.DispatcherOptions{})
	defer d.Shutdown(context.Background())
	h := botkit.NewWebhook(d, botkit.WebhookOptions{Secret: "s3cret"})
	post := func(secret, body string) int {
		req := httptest.NewRequest(http.MethodPost, "/telegram", strings.NewReader(body))
		req.Header.Set(botkit.SecretHeader, secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(post("s3cret", `{"update_id":1}`))
	fmt.Println(post("guess", `{"update_id":2}`))
	fmt.Println(post("s3cret", `{"update_id":`))
	// Output:
	// 200
	// 401
	// 400
}

// Middleware wraps handlers; the first one given runs first.
func ExampleChain() {
	h := botkit.Chain(func(ctx context.Context, upd *models.Update) error {
		fmt.Println("handled", upd.ID)
		return nil
	}, botkit.Recover(nil), botkit.AllowList(1))
	allowed := &models.Update{ID: 10, Message: &models.Message{Chat: models.Chat{ID: 1}}}
	other := &models.Update{ID: 11, Message: &models.Message{Chat: models.Chat{ID: 2}}}
	_ = h(context.Background(), allowed)
	_ = h(context.Background(), other)
	// Output:
	// handled 10
}

// Stream shows a reply growing in a private chat's draft and finishes it
// as a formatted message.
func ExampleSender_Stream() {
	tg := telegramtest.New(telegramtest.Options{})
	defer tg.Close()
	tg.AddChat(models.Chat{ID: 5, Type: models.ChatTypePrivate})
	b, _ := bot.New(tg.Token(), bot.WithServerURL(tg.URL()), bot.WithSkipGetMe())
	sender := botkit.NewSender(b, botkit.SenderOptions{PerChatBurst: 5})

	deltas := make(chan botkit.Delta)
	go func() {
		defer close(deltas)
		for _, d := range []string{"The answer ", "is **42**."} {
			deltas <- botkit.Delta{Text: d}
		}
	}()
	res, err := sender.Stream(context.Background(), deltas, botkit.StreamOptions{ChatID: 5})
	fmt.Println(err, len(res.MessageIDs))
	src, mode, _ := tg.Source(5, res.MessageIDs[0])
	fmt.Println(mode, src)
	// Output:
	// <nil> 1
	// HTML The answer is <b>42</b>.
}
