package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"golang.org/x/time/rate"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// sdkBot is the SDK's whole pipeline, built by botkit.New as a program
// would build it: intake, dispatcher, sessions and quotas in the store, key
// routing, streamed Gemini calls and paced replies.
type sdkBot struct {
	b      *botkit.Bot
	router *keyrouter.Router
	hook   *httptest.Server // webhook intake; nil when polling
	conns  *http.Transport
	runErr chan error // Run's result when polling
	label  string
}

// webhookSecret is the secret of the webhook intake.
const webhookSecret = "loadtest-webhook-secret"

func startSDK(ctx context.Context, f *fakes, sc Scenario, st store.Store) (pipeline, error) {
	var keys []keyrouter.Key
	for _, k := range f.keys {
		keys = append(keys, keyrouter.Key{
			ID: k.id, Secret: keyrouter.Secret(k.secret), Project: k.project,
			Limits: keyrouter.Limits{RPM: sc.KeyRPM, RPD: sc.KeyRPD},
		})
	}
	router, err := keyrouter.New(keys, keyrouter.Options{Classifier: gemini.Classify})
	if err != nil {
		return nil, fmt.Errorf("key router: %w", err)
	}
	transport := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	opts := botkit.Options{
		Router:                  router,
		GeminiURL:               f.gm.URL,
		GeminiHTTPClient:        &http.Client{Transport: transport},
		Store:                   st,
		Tiers:                   loadTiers(),
		ServerURL:               f.tg.URL(),
		HTTPClient:              &http.Client{Timeout: 30 * time.Second, Transport: transport},
		BotUsername:             f.tg.Bot().Username,
		Poller:                  botkit.PollerOptions{PollTimeout: 5 * time.Second},
		Dispatcher:              botkit.DispatcherOptions{Workers: sc.Workers, QueueSize: sc.Queue},
		Webhook:                 botkit.WebhookOptions{Secret: webhookSecret},
		SkipCommandRegistration: true,
		Logger:                  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: sc.LogLevel})),
	}
	if !sc.Pacing {
		// The fake does not limit: neither does the bot, so that the run
		// measures the pipeline rather than Telegram's pace.
		opts.Sender = botkit.SenderOptions{
			PerChat: rate.Inf, PerChatBurst: 1 << 20,
			PerGroup: rate.Inf, PerGroupBurst: 1 << 20,
			Global: rate.Inf, GlobalBurst: 1 << 20,
		}
	}
	b, err := botkit.New(f.tg.Token(), opts)
	if err != nil {
		router.Close()
		return nil, err
	}
	s := &sdkBot{b: b, router: router, conns: transport, label: "sdk (botkit.New)"}
	if sc.Intake == "webhook" {
		s.hook = httptest.NewServer(b.WebhookHandler())
		if err := b.SetWebhook(ctx, botkit.WebhookConfig{URL: s.hook.URL, Secret: webhookSecret}); err != nil {
			_ = s.shutdown(ctx)
			return nil, fmt.Errorf("set webhook: %w", err)
		}
		return s, nil
	}
	s.runErr = make(chan error, 1)
	go func() { s.runErr <- b.Run(context.WithoutCancel(ctx)) }()
	return s, nil
}

func (s *sdkBot) name() string { return s.label }

func (s *sdkBot) shutdown(ctx context.Context) error {
	err := s.b.Shutdown(ctx)
	if s.runErr != nil {
		if rerr := <-s.runErr; rerr != nil && !errors.Is(rerr, context.Canceled) {
			err = errors.Join(err, fmt.Errorf("run: %w", rerr))
		}
	}
	if s.hook != nil {
		s.hook.Close()
	}
	s.conns.CloseIdleConnections()
	return errors.Join(err, s.router.Close())
}

// loadTiers are the default tiers with quotas opened wide, so that the run
// measures the pipeline and not one user's daily allowance, and with
// conversation memory for every tier, so that the store carries history.
func loadTiers() []vipsession.Tier {
	tiers := vipsession.DefaultTiers()
	for i := range tiers {
		t := &tiers[i]
		t.RequestsPerDay, t.RequestsPerMonth = vipsession.Unlimited, vipsession.Unlimited
		t.TokensPerDay, t.TokensPerMonth = vipsession.Unlimited, vipsession.Unlimited
		t.RequestsPerMinute = vipsession.Unlimited
		t.Capacity = vipsession.Unlimited
		if t.MemoryRounds == 0 {
			t.MemoryRounds, t.MemoryTokens, t.IdleExpiry = 3, 4_000, 30*time.Minute
		}
	}
	return tiers
}
