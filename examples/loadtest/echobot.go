package main

import (
	"context"
	"net/http"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// echoBot is the floor: a bare go-telegram/bot bot that answers every
// question at once with the same answer Gemini would give, through the
// library's own poll loop and one goroutine per update, with no retries,
// no pacing, no store and no Gemini call.
type echoBot struct {
	cancel context.CancelFunc
	done   chan struct{}
	conns  *http.Transport
}

func startEcho(f *fakes, sc Scenario) (pipeline, error) {
	transport := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	client := &http.Client{Timeout: 30 * time.Second, Transport: transport}
	b, err := bot.New(f.tg.Token(),
		bot.WithServerURL(f.tg.URL()),
		bot.WithSkipGetMe(),
		bot.WithHTTPClient(5*time.Second, client),
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, upd *models.Update) {
			msg := upd.Message
			if msg == nil {
				return
			}
			text := answerTo(msg.Text, sc.AnswerBytes)
			if text == "" {
				return
			}
			_, _ = b.SendMessage(ctx, &bot.SendMessageParams{
				ChatID:          msg.Chat.ID,
				Text:            text,
				ReplyParameters: &models.ReplyParameters{MessageID: msg.ID},
			})
		}),
		bot.WithErrorsHandler(func(error) {}),
	)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &echoBot{cancel: cancel, done: make(chan struct{}), conns: transport}
	go func() {
		defer close(e.done)
		b.Start(ctx)
	}()
	return e, nil
}

func (e *echoBot) name() string { return "echo (bare go-telegram/bot)" }

func (e *echoBot) shutdown(ctx context.Context) error {
	e.cancel()
	select {
	case <-e.done:
		e.conns.CloseIdleConnections()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
