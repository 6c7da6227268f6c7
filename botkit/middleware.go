package botkit

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"
)

// Recover turns a panic in the handlers it wraps into an error wrapping
// ErrPanic, logged to log (nil: slog.Default()) with the update ID and the
// stack. The Dispatcher recovers panics too; Recover lets middleware
// further out (Logging, metrics) see the panic as an ordinary error.
func Recover(log *slog.Logger) Middleware {
	if log == nil {
		log = slog.Default()
	}
	return func(next Handler) Handler {
		return func(ctx context.Context, upd *models.Update) (err error) {
			defer func() {
				if r := recover(); r != nil {
					log.ErrorContext(ctx, "botkit: handler panicked", "update_id", upd.ID,
						"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
					err = fmt.Errorf("%w: %v", ErrPanic, r)
				}
			}()
			return next(ctx, upd)
		}
	}
}

// Logging logs every update to log (nil: slog.Default()) when its handler
// returns: update ID, chat ID, user ID, duration, and the error if any (at
// level Error; Debug otherwise). It never logs message text.
func Logging(log *slog.Logger) Middleware {
	if log == nil {
		log = slog.Default()
	}
	return func(next Handler) Handler {
		return func(ctx context.Context, upd *models.Update) error {
			start := time.Now()
			err := next(ctx, upd)
			attrs := []slog.Attr{slog.Int64("update_id", upd.ID), slog.Duration("duration", time.Since(start))}
			if c := UpdateChat(upd); c != nil {
				attrs = append(attrs, slog.Int64("chat_id", c.ID))
			}
			if u := UpdateUser(upd); u != nil {
				attrs = append(attrs, slog.Int64("user_id", u.ID))
			}
			if err != nil {
				attrs = append(attrs, slog.Any("err", err))
				log.LogAttrs(ctx, slog.LevelError, "botkit: update failed", attrs...)
			} else {
				log.LogAttrs(ctx, slog.LevelDebug, "botkit: update handled", attrs...)
			}
			return err
		}
	}
}

// AllowList passes on only updates whose user or chat ID is in ids; others
// are dropped without an answer (the handler returns nil). An empty list
// drops everything.
func AllowList(ids ...int64) Middleware {
	allowed := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		allowed[id] = struct{}{}
	}
	return func(next Handler) Handler {
		return func(ctx context.Context, upd *models.Update) error {
			if u := UpdateUser(upd); u != nil {
				if _, ok := allowed[u.ID]; ok {
					return next(ctx, upd)
				}
			}
			if c := UpdateChat(upd); c != nil {
				if _, ok := allowed[c.ID]; ok {
					return next(ctx, upd)
				}
			}
			return nil
		}
	}
}

// RateLimitOptions configures RateLimit. The zero value gives the defaults.
type RateLimitOptions struct {
	// Rate is the sustained number of updates per second a user may send,
	// and Burst how many at once. Zero means one update every 2 seconds,
	// and 5.
	Rate  rate.Limit
	Burst int
	// Limited, when set, handles updates over the limit (to tell the user
	// to slow down); nil drops them.
	Limited Handler
	// IdleTTL is how long the state of a quiet user is kept. Zero means
	// 10 minutes.
	IdleTTL time.Duration
	// Clock measures the rate. Nil means SystemClock.
	Clock Clock
}

// RateLimit limits how often each user's updates reach the handler, with a
// token bucket per user (x/time/rate), evicted when idle. Updates without a
// user pass.
func RateLimit(opts RateLimitOptions) Middleware {
	if opts.Rate <= 0 {
		opts.Rate = 0.5
	}
	if opts.Burst <= 0 {
		opts.Burst = 5
	}
	if opts.IdleTTL <= 0 {
		opts.IdleTTL = 10 * time.Minute
	}
	clock := clockOr(opts.Clock)
	users := newKeyedLimiters(opts.Rate, opts.Burst, opts.IdleTTL)
	return func(next Handler) Handler {
		return func(ctx context.Context, upd *models.Update) error {
			u := UpdateUser(upd)
			if u == nil || users.allow(u.ID, clock.Now()) {
				return next(ctx, upd)
			}
			if opts.Limited != nil {
				return opts.Limited(ctx, upd)
			}
			return nil
		}
	}
}
