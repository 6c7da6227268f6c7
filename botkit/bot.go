package botkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot"
)

// Bot is a whole AI Telegram bot: intake (long polling with Run, or a
// webhook with WebhookHandler), a Dispatcher, the commands and the AI reply
// of an Assistant, and everything they need (store, key router, Gemini
// client, session manager), built by New from Options.
//
// A Bot starts its dispatcher's workers in New; Shutdown must be called.
// It is safe for concurrent use.
type Bot struct {
	*Assistant
	token string
	tg    *bot.Bot
	disp  *Dispatcher
	hook  *Webhook

	mu      sync.Mutex
	running chan struct{} // closed when Run returns; nil when not running
	runErr  error
}

// New builds a Bot for the Telegram bot token from opts (see Options: the
// zero value gives a bot with a SQLite store "svsbot.db", the default tiers
// and the AI reply, once keys are given). It makes no network call.
func New(token string, opts Options) (*Bot, error) {
	id, err := botID(token)
	if err != nil {
		return nil, err
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	bopts := []bot.Option{bot.WithSkipGetMe(), bot.WithHTTPClient(hc.Timeout, hc)}
	if opts.ServerURL != "" {
		if u, err := url.Parse(opts.ServerURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("botkit: ServerURL is not an http(s) URL")
		}
		bopts = append(bopts, bot.WithServerURL(opts.ServerURL))
	}
	tg, err := bot.New(token, bopts...)
	if err != nil {
		return nil, errors.New("botkit: could not create the Telegram client")
	}
	a, err := NewAssistant(tg, opts)
	if err != nil {
		return nil, err
	}
	b := &Bot{Assistant: a, token: token, tg: tg}
	do := opts.Dispatcher
	if do.Logger == nil {
		do.Logger = a.log
	}
	if do.Dedup == nil {
		do.Dedup = NewDedup(a.st, DedupOptions{Prefix: "botkit:update:" + strconv.FormatInt(id, 10) + ":", Clock: a.clock})
	}
	if do.Express == nil {
		do.Express = a.ExpressCancel
	}
	if opts.SharedStore && do.ChatLocks == nil {
		do.ChatLocks = a.st
	}
	b.disp = NewDispatcher(b.Handler(), do)
	wo := opts.Webhook
	if wo.Logger == nil {
		wo.Logger = a.log
	}
	b.hook = NewWebhook(b.disp, wo)
	return b, nil
}

// botID is the numeric ID at the start of a token; its error never
// contains the token.
func botID(token string) (int64, error) {
	if err := ValidToken(token); err != nil {
		return 0, err
	}
	head, _, ok := strings.Cut(token, ":")
	id, err := strconv.ParseInt(head, 10, 64)
	if !ok || err != nil || id <= 0 {
		return 0, errors.New("botkit: malformed bot token (want <bot ID>:<secret>)")
	}
	return id, nil
}

// Handler returns the Bot's whole handler, as the dispatcher runs it:
// Assistant.HandleUpdate inside Options.Middleware, inside Logging and
// Recover.
func (b *Bot) Handler() Handler {
	mw := append([]Middleware{Recover(b.log), Logging(b.log)}, b.opts.Middleware...)
	return Chain(b.HandleUpdate, mw...)
}

// Telegram returns the go-telegram/bot client, for API calls of your own
// (prefer Sender, which paces them).
func (b *Bot) Telegram() *bot.Bot { return b.tg }

// Dispatcher returns the Bot's dispatcher, to submit updates that come
// another way.
func (b *Bot) Dispatcher() *Dispatcher { return b.disp }

// Run registers the command menus (unless Options.SkipCommandRegistration)
// and takes updates by long polling until Shutdown; then it waits for the
// handlers to drain, saves the polling offset and returns nil. It returns
// early with ctx.Err() when ctx ends, and with an error wrapping
// ErrConflict if a webhook is set or another process polls. Call it once.
func (b *Bot) Run(ctx context.Context) error {
	b.mu.Lock()
	if b.running != nil {
		b.mu.Unlock()
		return errors.New("botkit: Run called twice")
	}
	done := make(chan struct{})
	b.running = done
	b.mu.Unlock()
	err := b.run(ctx)
	b.mu.Lock()
	b.runErr = err
	b.mu.Unlock()
	close(done)
	return err
}

func (b *Bot) run(ctx context.Context) error {
	b.registerCommands(ctx)
	if b.life.Err() != nil {
		return nil // Shutdown came while starting
	}
	po := b.opts.Poller
	if po.ServerURL == "" {
		po.ServerURL = b.opts.ServerURL
	}
	if po.Offsets == nil {
		po.Offsets = b.st
	}
	if po.Clock == nil {
		po.Clock = b.clock
	}
	if po.Logger == nil {
		po.Logger = b.log
	}
	p, err := NewPoller(b.token, b.disp, po)
	if err != nil {
		return err
	}
	return p.Run(ctx)
}

// WebhookHandler returns the http.Handler for updates pushed by Telegram
// (see Webhook; Options.Webhook configures it). Register it, then call
// SetWebhook.
func (b *Bot) WebhookHandler() http.Handler { return b.hook }

// SetWebhook registers the command menus (unless
// Options.SkipCommandRegistration) and points Telegram at cfg.URL.
func (b *Bot) SetWebhook(ctx context.Context, cfg WebhookConfig) error {
	b.registerCommands(ctx)
	return SetWebhook(ctx, b.tg, cfg)
}

// registerCommands sets the command menus at start-up, unless
// Options.SkipCommandRegistration; Shutdown stops it at once (it would
// otherwise retry while Telegram is unreachable). A failure is logged: the
// bot works without menus.
func (b *Bot) registerCommands(ctx context.Context) {
	if b.opts.SkipCommandRegistration {
		return
	}
	ctx, cancel := b.withLife(ctx)
	defer cancel()
	if err := b.RegisterCommands(ctx); err != nil {
		b.log.Warn("botkit: command menus not registered", "err", err)
	}
}

// Shutdown stops intake and cuts short at once what runs at start-up
// (the command registration of Run and SetWebhook) and in the background
// (a /broadcast, whose progress message then says it stopped); it lets
// running replies finish until ctx ends (then cancels them, so that
// Telegram delivers their updates again), waits for Run and the background
// work to return, and closes what New opened. It returns ctx.Err() if the
// deadline cut work short.
func (b *Bot) Shutdown(ctx context.Context) error {
	b.stopLife()
	err := b.disp.Shutdown(ctx)
	if berr := b.stopBackground(ctx); berr != nil && err == nil {
		err = berr
	}
	b.mu.Lock()
	running := b.running
	b.mu.Unlock()
	if running != nil {
		<-running
	}
	if cerr := b.Assistant.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("botkit: close: %w", cerr))
	}
	return err
}
