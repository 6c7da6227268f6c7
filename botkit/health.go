package botkit

import (
	"context"
	"net/http"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Healthz is the liveness handler: 200 "ok" while the process serves HTTP.
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
}

// Readyz is the readiness handler: 200 "ready" when every check passes
// within 5 seconds, 503 "not ready" otherwise. The failing check's error is
// not shown, as it may name internal addresses.
func Readyz(checks ...func(ctx context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, c := range checks {
			if err := c(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}

// Readyz is the Bot's readiness handler: it pings the store when the
// store is a store.Pinger, and fails once Shutdown has begun.
func (b *Bot) Readyz() http.Handler {
	return Readyz(func(ctx context.Context) error {
		select {
		case <-b.disp.Closing():
			return ErrClosed
		default:
		}
		if p, ok := b.st.(store.Pinger); ok {
			return p.Ping(ctx)
		}
		return nil
	})
}

// HealthHandler serves /healthz (Healthz) and /readyz (Bot.Readyz).
func (b *Bot) HealthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/healthz", Healthz())
	mux.Handle("/readyz", b.Readyz())
	return mux
}
