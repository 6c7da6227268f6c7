package botkit

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-telegram/bot"
)

// Sentinel errors of the package. Richer errors (APIError) unwrap to them,
// so errors.Is works through any wrapping.
var (
	// ErrClosed reports that the Dispatcher is shutting down or has shut
	// down and accepts no more updates.
	ErrClosed = errors.New("botkit: dispatcher closed")
	// ErrConflict reports that Telegram refused getUpdates with 409: another
	// process polls the same bot, or a webhook is set.
	ErrConflict = errors.New("botkit: conflict: another poller is running or a webhook is set")
	// ErrUnauthorized reports that Telegram rejected the bot token.
	ErrUnauthorized = errors.New("botkit: unauthorized: the bot token was rejected")
	// ErrTooManyRequests reports a 429 from Telegram; the APIError carries
	// the retry_after the server asked for.
	ErrTooManyRequests = errors.New("botkit: too many requests")
	// ErrRetryAfterTooLong reports a 429 whose retry_after is longer than
	// the caller is willing to wait (SenderOptions.MaxRetryAfter, or the
	// context's deadline).
	ErrRetryAfterTooLong = errors.New("botkit: retry_after exceeds the allowed wait")
	// ErrBlocked reports that the user blocked the bot (403).
	ErrBlocked = errors.New("botkit: bot was blocked by the user")
	// ErrForbidden reports any other 403: the bot was kicked, lacks rights,
	// or may not write first to the user.
	ErrForbidden = errors.New("botkit: forbidden")
	// ErrBadRequest reports a 400 that is none of the more specific cases.
	ErrBadRequest = errors.New("botkit: bad request")
	// ErrBadFormatting reports a 400 about entities or HTML the server could
	// not parse ("can't parse entities").
	ErrBadFormatting = errors.New("botkit: message formatting rejected")
	// ErrChatMigrated reports a 400 that names the supergroup a group was
	// migrated to; APIError.MigrateTo holds the new chat ID.
	ErrChatMigrated = errors.New("botkit: group migrated to a supergroup")
	// ErrNotModified reports an edit whose content equals the current one.
	// Sender treats it as success; it is only seen through Classify.
	ErrNotModified = errors.New("botkit: message is not modified")
	// ErrServer reports a 5xx answer from Telegram.
	ErrServer = errors.New("botkit: telegram server error")
	// ErrFileTooLarge reports a file above the 20 MB bots may download.
	ErrFileTooLarge = errors.New("botkit: file too large to download")
	// ErrPanic reports a handler that panicked; the panic value is in the
	// error's text.
	ErrPanic = errors.New("botkit: handler panicked")
)

// APIError is an error answer of the Telegram Bot API. It unwraps to the
// sentinel that classifies it (ErrTooManyRequests, ErrBlocked, ...), so both
// errors.As and errors.Is find it through any wrapping.
type APIError struct {
	Method      string        // the API method, such as "sendMessage"
	Code        int           // the HTTP-like error_code: 400, 403, 429, ...
	Description string        // Telegram's description
	RetryAfter  time.Duration // parameters.retry_after, for 429
	MigrateTo   int64         // parameters.migrate_to_chat_id, for a migrated group
	kind        error
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "botkit: telegram %s: %d %s", e.Method, e.Code, e.Description)
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.MigrateTo != 0 {
		fmt.Fprintf(&b, " (migrated to %d)", e.MigrateTo)
	}
	return b.String()
}

// Unwrap returns the sentinel error that classifies e.
func (e *APIError) Unwrap() error { return e.kind }

// classifyAPI picks the sentinel of an error answer. Telegram distinguishes
// some 400 and 403 answers only by their description, so those are matched
// here and nowhere else.
func classifyAPI(code int, desc string, migrateTo int64) error {
	d := strings.ToLower(desc)
	switch {
	case code == 429:
		return ErrTooManyRequests
	case code == 401:
		return ErrUnauthorized
	case code == 409:
		return ErrConflict
	case code == 403 && strings.Contains(d, "blocked by the user"):
		return ErrBlocked
	case code == 403:
		return ErrForbidden
	case migrateTo != 0:
		return ErrChatMigrated
	case strings.Contains(d, "file is too big"):
		return ErrFileTooLarge
	case strings.Contains(d, "message is not modified"):
		return ErrNotModified
	case strings.Contains(d, "can't parse entities") || strings.Contains(d, "unsupported start tag") ||
		strings.Contains(d, "can't find end tag") || strings.Contains(d, "unclosed start tag"):
		return ErrBadFormatting
	case code >= 500:
		return ErrServer
	}
	return ErrBadRequest
}

// AsAPIError maps an error returned by a go-telegram/bot method to an
// APIError. It returns nil for errors that are not answers of the API
// (network failures, cancelled contexts). method names the API method for
// the error's text.
func AsAPIError(method string, err error) *APIError {
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	var tooMany *bot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		return newAPIError(method, 429, strings.TrimPrefix(tooMany.Message, bot.ErrorTooManyRequests.Error()+", "),
			time.Duration(tooMany.RetryAfter)*time.Second, 0)
	}
	var migrate *bot.MigrateError
	if errors.As(err, &migrate) {
		return newAPIError(method, 400, strings.TrimPrefix(migrate.Message, bot.ErrorBadRequest.Error()+": "),
			0, int64(migrate.MigrateToChatID))
	}
	for _, c := range []struct {
		sentinel error
		code     int
	}{
		{bot.ErrorBadRequest, 400}, {bot.ErrorUnauthorized, 401}, {bot.ErrorForbidden, 403},
		{bot.ErrorNotFound, 404}, {bot.ErrorConflict, 409},
	} {
		if errors.Is(err, c.sentinel) {
			msg := err.Error()
			if i := strings.Index(msg, c.sentinel.Error()+", "); i >= 0 {
				msg = msg[i+len(c.sentinel.Error())+2:]
			}
			return newAPIError(method, c.code, msg, 0, 0)
		}
	}
	// Other codes (5xx, 420, ...) come as "error response from telegram for
	// method M, CODE DESCRIPTION".
	const marker = "error response from telegram for method "
	msg := err.Error()
	if i := strings.Index(msg, marker); i >= 0 {
		rest := msg[i+len(marker):]
		if j := strings.Index(rest, ", "); j >= 0 {
			var code int
			var desc string
			rest = rest[j+2:]
			if n, _ := fmt.Sscanf(rest, "%d", &code); n == 1 {
				if k := strings.IndexByte(rest, ' '); k >= 0 {
					desc = rest[k+1:]
				}
				return newAPIError(method, code, desc, 0, 0)
			}
		}
	}
	return nil
}

func newAPIError(method string, code int, desc string, retryAfter time.Duration, migrateTo int64) *APIError {
	return &APIError{
		Method: method, Code: code, Description: desc,
		RetryAfter: retryAfter, MigrateTo: migrateTo,
		kind: classifyAPI(code, desc, migrateTo),
	}
}
