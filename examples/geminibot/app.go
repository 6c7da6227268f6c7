package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// drainTimeout is how long SIGTERM lets running replies finish: under the
// 30 seconds Docker and Kubernetes wait before they kill.
const drainTimeout = 25 * time.Second

// appOptions are what the environment does not configure.
type appOptions struct {
	Logger     *slog.Logger
	Middleware []botkit.Middleware
	// Stream is the template of streamed replies.
	Stream botkit.StreamOptions
	// Sender is the template of the bot's Sender (pacing).
	Sender botkit.SenderOptions
	// Reload re-reads the configuration on SIGHUP; nil = reloading is off.
	Reload func() (*config, error)
	// Metrics serves /metrics and observes the bot; nil = no metrics.
	Metrics *metrics

	afterReload func(error) // called after each reload (tests)
}

// app is the running reference bot: its store, key router, HTTP server
// and the botkit.Bot built on them, which live as long as the process; a
// reload changes keys, tiers and personas in place.
type app struct {
	opts  appOptions
	log   *slog.Logger
	store *openedStore

	mu     sync.Mutex
	cfg    *config
	bot    *botkit.Bot
	router *keyrouter.Router
	runs   *polling // the polling Run of bot; nil for webhooks
	srv    *http.Server
	// started is closed once the HTTP server listens and the bot takes
	// updates.
	started chan struct{}
}

// newApp opens the store and builds the bot of cfg. It makes no call to
// Telegram or Gemini.
func newApp(ctx context.Context, cfg *config, opts appOptions) (*app, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &app{opts: opts, log: opts.Logger, cfg: cfg, started: make(chan struct{})}
	st, err := openStore(ctx, cfg.Store, a.log)
	if err != nil {
		return nil, err
	}
	a.store = st
	b, router, err := a.build(cfg)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	a.bot, a.router = b, router
	return a, nil
}

// tiersOf returns the tiers of cfg, with SVSBOT_MODELS as every tier's
// model chain when it is set.
func tiersOf(cfg *config) []vipsession.Tier {
	tiers := cfg.Tiers
	if tiers == nil {
		tiers = vipsession.DefaultTiers()
	}
	tiers = slices.Clone(tiers)
	if len(cfg.Models) > 0 {
		for i := range tiers {
			tiers[i].Models = slices.Clone(cfg.Models)
		}
	}
	return tiers
}

// personasOf returns the personas of cfg.
func personasOf(cfg *config) []botkit.Persona {
	personas := make([]botkit.Persona, len(cfg.Personas))
	for i, p := range cfg.Personas {
		personas[i] = botkit.Persona{Name: p.Name, Title: p.Title, Prompt: p.Prompt}
	}
	return personas
}

// build makes the key router and the bot of cfg. The bot maps its tiers to
// the router's key groups (Bot.SetTiers), as it does on every reload.
func (a *app) build(cfg *config) (*botkit.Bot, *keyrouter.Router, error) {
	router, err := keyrouter.New(cfg.Keys, keyrouter.Options{Classifier: gemini.Classify, Shared: a.store.routerState})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", envKeys, err)
	}
	tiers := tiersOf(cfg)
	opts := botkit.Options{
		Router:      router,
		GeminiURL:   cfg.GeminiAPIURL,
		Store:       a.store,
		SharedStore: a.store.shared,
		Tiers:       tiers,
		Owners:      cfg.Owners,
		Admins:      cfg.Admins,
		Personas:    personasOf(cfg),
		ServerURL:   cfg.TelegramAPIURL,
		Middleware:  a.opts.Middleware,
		Stream:      a.opts.Stream,
		Sender:      a.opts.Sender,
		Logger:      a.log,
		Webhook:     botkit.WebhookOptions{Secret: string(cfg.WebhookSecret), AwaitHandled: true},
	}
	if a.opts.Metrics != nil {
		opts.Observer = a.opts.Metrics.observer(router)
	}
	b, err := botkit.New(string(cfg.Token), opts)
	if err == nil {
		if err = b.SetTiers(tiers, nil); err != nil {
			_ = b.Shutdown(context.Background())
		}
	}
	if err != nil {
		_ = router.Close()
		return nil, nil, err
	}
	return b, router, nil
}

// run serves until ctx ends, then drains: it starts the HTTP server
// (webhook, /healthz, /readyz, /metrics), registers the webhook or starts
// long polling, and reloads on every value of reload.
func (a *app) run(ctx context.Context, reload <-chan struct{}) error {
	a.mu.Lock()
	cfg, b := a.cfg, a.bot
	a.mu.Unlock()
	serveErr := make(chan error, 1)
	if cfg.ListenAddr != "" {
		ln, err := net.Listen("tcp", cfg.ListenAddr)
		if err != nil {
			return errors.Join(&configError{Var: envListenAddr, Reason: "cannot listen: " + err.Error()}, a.close(ctx))
		}
		a.srv = &http.Server{Handler: a.mux(cfg), ReadHeaderTimeout: 10 * time.Second}
		a.log.Info("serving HTTP", "addr", ln.Addr().String())
		go func() { serveErr <- a.srv.Serve(ln) }()
	}
	if cfg.WebhookURL != "" {
		err := b.SetWebhook(ctx, botkit.WebhookConfig{URL: cfg.WebhookURL, Secret: string(cfg.WebhookSecret)})
		if err != nil {
			return errors.Join(fmt.Errorf("geminibot: set webhook: %w", err), a.close(ctx))
		}
		a.log.Info("webhook set", "url", cfg.WebhookURL)
	} else {
		a.mu.Lock()
		a.runs = startPolling(ctx, b)
		a.mu.Unlock()
		a.log.Info("long polling")
	}
	close(a.started)
	for {
		a.mu.Lock()
		var runs chan error
		if a.runs != nil {
			runs = a.runs.done
		}
		a.mu.Unlock()
		select {
		case <-ctx.Done():
			a.log.Info("draining", "timeout", drainTimeout)
			return a.close(ctx)
		case <-reload:
			err := a.reload(ctx)
			if err != nil {
				a.log.Error("reload failed; the previous configuration stays", "err", err)
			}
			if a.opts.afterReload != nil {
				a.opts.afterReload(err)
			}
		case err := <-runs:
			// Polling ended by itself: another poller, or a webhook is set.
			a.mu.Lock()
			a.runs.done <- err // for close, which waits for it
			a.mu.Unlock()
			return errors.Join(fmt.Errorf("geminibot: polling stopped: %w", err), a.close(ctx))
		case err := <-serveErr:
			return errors.Join(fmt.Errorf("geminibot: HTTP server: %w", err), a.close(ctx))
		}
	}
}

// polling is a Run of a bot in the background.
type polling struct {
	done   chan error // gets Run's result
	cancel context.CancelFunc
}

// startPolling runs b.Run until Shutdown.
func startPolling(ctx context.Context, b *botkit.Bot) *polling {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &polling{done: make(chan error, 1), cancel: cancel}
	go func() { p.done <- b.Run(runCtx) }()
	return p
}

// stop shuts b down within drainCtx and waits for its Run. Should Run
// still be busy past the deadline (registering commands over a slow
// network, say), its context is cancelled so that it returns.
func (p *polling) stop(drainCtx context.Context, b *botkit.Bot) error {
	defer context.AfterFunc(drainCtx, p.cancel)()
	err := b.Shutdown(drainCtx)
	if rerr := <-p.done; rerr != nil && !errors.Is(rerr, context.Canceled) {
		err = errors.Join(err, rerr)
	}
	p.cancel()
	return err
}

// mux routes the webhook path to the current bot, and the probes.
func (a *app) mux(cfg *config) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", botkit.Healthz())
	mux.Handle("GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.current().Readyz().ServeHTTP(w, r)
	}))
	if a.opts.Metrics != nil {
		mux.Handle("GET /metrics", a.opts.Metrics.handler())
	}
	if cfg.WebhookURL != "" {
		path := "/"
		if u, err := url.Parse(cfg.WebhookURL); err == nil && u.Path != "" {
			path = u.Path
		}
		mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.current().WebhookHandler().ServeHTTP(w, r)
		}))
	}
	return mux
}

func (a *app) current() *botkit.Bot {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bot
}

// reload re-reads the configuration and applies it to the running bot:
// keys rotate in the key router (keys that stay keep their state), and the
// tiers, their key groups and the personas are replaced in place; replies
// running finish as they began. Settings that need a restart (token,
// store, webhook, listen address, API URLs, owners and admins) are
// reported and left as they are. On error the running configuration
// stays.
func (a *app) reload(ctx context.Context) error {
	if a.opts.Reload == nil {
		return errors.New("reloading is not configured")
	}
	next, err := a.opts.Reload()
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	old := a.cfg
	for name, changed := range map[string]bool{
		envToken:          next.Token != old.Token,
		envStoreURL:       next.Store != old.Store,
		envWebhookURL:     next.WebhookURL != old.WebhookURL || next.WebhookSecret != old.WebhookSecret,
		envListenAddr:     next.ListenAddr != old.ListenAddr,
		envTelegramAPIURL: next.TelegramAPIURL != old.TelegramAPIURL,
		envGeminiAPIURL:   next.GeminiAPIURL != old.GeminiAPIURL,
		envOwners:         !slices.Equal(next.Owners, old.Owners),
		envAdmins:         !slices.Equal(next.Admins, old.Admins),
	} {
		if changed {
			a.log.Warn("changed setting needs a restart; keeping the old value", "var", name)
		}
	}
	next.Token, next.Store, next.WebhookURL, next.WebhookSecret = old.Token, old.Store, old.WebhookURL, old.WebhookSecret
	next.ListenAddr, next.TelegramAPIURL, next.GeminiAPIURL = old.ListenAddr, old.TelegramAPIURL, old.GeminiAPIURL
	next.Owners, next.Admins = old.Owners, old.Admins

	oldKeys := a.router.Keys()
	if err := a.router.SetKeys(next.Keys); err != nil {
		return fmt.Errorf("%s: %w", envKeys, err)
	}
	// The tiers' key groups are derived from the keys now in the router.
	if err := a.bot.SetTiers(tiersOf(next), nil); err != nil {
		_ = a.router.SetKeys(oldKeys)
		return fmt.Errorf("%s: %w", envTiersFile, err)
	}
	if err := a.bot.SetPersonas(personasOf(next)); err != nil {
		_ = a.router.SetKeys(oldKeys)
		_ = a.bot.SetTiers(tiersOf(old), nil)
		return fmt.Errorf("%s: %w", envPersonasFile, err)
	}
	a.cfg = next
	a.log.Info("reloaded: keys rotated, tiers and personas applied", "keys", len(next.Keys), "tiers", len(tiersOf(next)), "personas", len(next.Personas))
	return nil
}

// close drains the bot within drainTimeout, stops the HTTP server and
// closes the key router and the store.
func (a *app) close(ctx context.Context) error {
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer cancel()
	a.mu.Lock()
	defer a.mu.Unlock()
	var err error
	if a.runs != nil {
		err = a.runs.stop(drainCtx, a.bot)
		a.runs = nil
	} else {
		err = a.bot.Shutdown(drainCtx)
	}
	if a.srv != nil {
		err = errors.Join(err, a.srv.Shutdown(drainCtx))
	}
	err = errors.Join(err, a.router.Close(), a.store.Close())
	return err
}
