package botkit

import (
	"errors"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// Observer is told what the bot does, for metrics. botkit itself exports
// no metrics; package botkit/metrics implements Observer for Prometheus, so
// that programs not wanting it do not compile it. Methods are called from
// handler goroutines, must be safe for concurrent use and must not block.
//
// An Observer that also has a method ObserveKeys(func() []keyrouter.KeyStats)
// is given the key router's Stats when the Bot or Assistant is built, for
// key-state gauges read at collection time.
type Observer interface {
	// UpdateReceived counts an update by kind: "message", "command",
	// "callback_query", "edited_message" or "other".
	UpdateReceived(kind string)
	// ReplyFinished reports one AI reply, answered or not.
	ReplyFinished(r ReplyEvent)
	// TelegramError counts a failed Bot API call by method and class.
	TelegramError(method, class string)
}

// ReplyEvent describes one AI reply for an Observer. It carries no text
// and no secret.
type ReplyEvent struct {
	// Outcome is "ok", "truncated", "cancelled" or an error class: "quota",
	// "rate_limited", "busy", "capacity", "no_key", "blocked", "empty",
	// "unavailable", "bad_request", "interrupted", "telegram", "internal".
	Outcome string
	// Tier, Model and KeyID say who was served with what ("" when the
	// reply failed before a model was called).
	Tier, Model, KeyID string
	// Latency is from the update's arrival to the reply's end;
	// FirstText to the first text from the model (0 when none came).
	Latency, FirstText time.Duration
	// PromptTokens and OutputTokens are the model's report.
	PromptTokens, OutputTokens int
}

// keyStatsObserver is the optional capability of Observer described in its
// documentation.
type keyStatsObserver interface {
	ObserveKeys(stats func() []keyrouter.KeyStats)
}

// ReplyOutcome returns the class of a reply's error, as in
// ReplyEvent.Outcome: "ok" for nil.
func ReplyOutcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errCancelledByUser):
		return "cancelled"
	case errors.Is(err, vipsession.ErrQuotaExceeded):
		return "quota"
	case errors.Is(err, vipsession.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, vipsession.ErrBusy):
		return "busy"
	case errors.Is(err, vipsession.ErrCapacity):
		return "capacity"
	case errors.Is(err, gemini.ErrNoKey), errors.Is(err, keyrouter.ErrNoKey):
		return "no_key"
	case errors.Is(err, gemini.ErrBlocked):
		return "blocked"
	case errors.Is(err, gemini.ErrEmpty):
		return "empty"
	case errors.Is(err, gemini.ErrInterrupted):
		return "interrupted"
	case errors.Is(err, gemini.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, gemini.ErrBadRequest), errors.Is(err, gemini.ErrInvalidRequest):
		return "bad_request"
	case errors.Is(err, errTelegram):
		return "telegram"
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return "telegram"
	}
	return "internal"
}

// TelegramErrorClass returns the class of a Bot API error: "rate_limited",
// "blocked", "forbidden", "bad_request", "formatting", "migrated",
// "server", "unauthorized", "conflict" or "network".
func TelegramErrorClass(err error) string {
	switch {
	case errors.Is(err, ErrTooManyRequests), errors.Is(err, ErrRetryAfterTooLong):
		return "rate_limited"
	case errors.Is(err, ErrBlocked):
		return "blocked"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrBadFormatting):
		return "formatting"
	case errors.Is(err, ErrChatMigrated):
		return "migrated"
	case errors.Is(err, ErrBadRequest):
		return "bad_request"
	case errors.Is(err, ErrServer):
		return "server"
	case errors.Is(err, ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, ErrConflict):
		return "conflict"
	}
	return "network"
}

// nopObserver observes nothing.
type nopObserver struct{}

func (nopObserver) UpdateReceived(string)        {}
func (nopObserver) ReplyFinished(ReplyEvent)     {}
func (nopObserver) TelegramError(string, string) {}
