package botkit

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// SecretHeader is the header in which Telegram sends the webhook secret.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// WebhookOptions configures a Webhook. The zero value gives the defaults,
// except that Secret should be set: without it anyone who finds the URL can
// post updates.
type WebhookOptions struct {
	// Secret is compared, in constant time, with the SecretHeader of every
	// request; empty accepts any request.
	Secret string
	// MaxBodyBytes bounds the request body. Zero means 1 MiB.
	MaxBodyBytes int64
	// Logger receives rejected requests. Nil means slog.Default().
	Logger *slog.Logger
	// AwaitHandled holds the answer until the update has been handled, and
	// answers 503 if Shutdown cancelled it, so that Telegram delivers it
	// again. False answers 200 as soon as the update is queued: faster, but
	// an update cancelled by Shutdown is then lost, as Telegram was told it
	// arrived. Telegram holds at most max_connections deliveries open at
	// once (SetWebhook's MaxConnections), so with AwaitHandled that also
	// bounds the updates in flight.
	AwaitHandled bool
}

// Webhook is the http.Handler that receives updates pushed by Telegram and
// submits them to a Dispatcher. It answers
//
//   - 405 to anything but POST,
//   - 401 to a wrong or missing secret,
//   - 413 to a body above MaxBodyBytes,
//   - 400 to a body that is not an update,
//   - 503 once the Dispatcher is shutting down, if the queue stays full
//     until the request is cancelled, or while another replica holds the
//     update's chat (ErrChatBusy), so that Telegram retries later,
//   - 200 once the update is accepted (queued, or dropped as a duplicate;
//     with AwaitHandled, once it is handled),
//   - 503 with AwaitHandled for an update Shutdown cancelled.
//
// Telegram retries every non-2xx answer. It is safe for concurrent use.
type Webhook struct {
	d    *Dispatcher
	opts WebhookOptions
}

var _ http.Handler = (*Webhook)(nil)

// NewWebhook returns a Webhook submitting to d.
func NewWebhook(d *Dispatcher, opts WebhookOptions) *Webhook {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Webhook{d: d, opts: opts}
}

// ServeHTTP implements http.Handler.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if h.opts.Secret != "" &&
		subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), []byte(h.opts.Secret)) != 1 {
		h.opts.Logger.Warn("botkit: webhook request with a wrong secret", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.ContentLength > h.opts.MaxBodyBytes {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	upd := new(models.Update)
	if err := json.Unmarshal(body, upd); err != nil || upd.ID <= 0 {
		http.Error(w, "malformed update", http.StatusBadRequest)
		return
	}
	var done func(Outcome)
	var outcome chan Outcome
	if h.opts.AwaitHandled {
		outcome = make(chan Outcome, 1)
		done = func(o Outcome) { outcome <- o }
	}
	if err := h.d.Submit(r.Context(), upd, done); err != nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if outcome != nil {
		select {
		case o := <-outcome:
			if o == OutcomeCancelled {
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			}
		case <-r.Context().Done():
			// Telegram gave up waiting and will deliver the update again;
			// the de-duplication marks drop that copy if this one is
			// handled.
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// WebhookConfig is what SetWebhook tells Telegram.
type WebhookConfig struct {
	// URL is the HTTPS address of the Webhook handler. Required.
	URL string
	// Secret is sent back in SecretHeader: 1 to 256 characters of
	// A-Z, a-z, 0-9, _ and -. Required.
	Secret string
	// MaxConnections is the most simultaneous deliveries, 1 to 100. Zero
	// leaves Telegram's default (40).
	MaxConnections int
	// AllowedUpdates lists the update types to receive; nil keeps the
	// current setting.
	AllowedUpdates []string
	// DropPendingUpdates discards the updates waiting at Telegram.
	DropPendingUpdates bool
}

// ValidSecret reports whether s is a secret Telegram accepts.
func ValidSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, c := range []byte(s) {
		if !tokenSecretByte(c) {
			return false
		}
	}
	return true
}

// SetWebhook points Telegram at cfg.URL with cfg.Secret. Polling stops
// working (409) while a webhook is set. A token that ValidToken refuses
// fails at once (ErrMalformedToken); errors never contain the token.
func SetWebhook(ctx context.Context, b *bot.Bot, cfg WebhookConfig) error {
	if cfg.URL == "" {
		return errors.New("botkit: set webhook: empty URL")
	}
	if !ValidSecret(cfg.Secret) {
		return errors.New("botkit: set webhook: the secret must be 1-256 characters of A-Za-z0-9_-")
	}
	if err := ValidToken(b.Token()); err != nil {
		return fmt.Errorf("botkit: set webhook: %w", err)
	}
	_, err := b.SetWebhook(ctx, &bot.SetWebhookParams{
		URL:                cfg.URL,
		SecretToken:        cfg.Secret,
		MaxConnections:     cfg.MaxConnections,
		AllowedUpdates:     cfg.AllowedUpdates,
		DropPendingUpdates: cfg.DropPendingUpdates,
	})
	if err != nil {
		return fmt.Errorf("botkit: set webhook: %w", wrapAPI(b, "setWebhook", err))
	}
	return nil
}

// DeleteWebhook removes the webhook, so that polling works again;
// dropPending discards the updates waiting at Telegram. Its errors are
// those of SetWebhook.
func DeleteWebhook(ctx context.Context, b *bot.Bot, dropPending bool) error {
	if err := ValidToken(b.Token()); err != nil {
		return fmt.Errorf("botkit: delete webhook: %w", err)
	}
	if _, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: dropPending}); err != nil {
		return fmt.Errorf("botkit: delete webhook: %w", wrapAPI(b, "deleteWebhook", err))
	}
	return nil
}

// wrapAPI returns the APIError of err if it is an answer of the API, and
// otherwise err with b's token removed from its text.
func wrapAPI(b *bot.Bot, method string, err error) error {
	if ae := AsAPIError(method, err); ae != nil {
		return ae
	}
	return newRedactor(b.Token()).redact(err)
}
