package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// Classify tells keyrouter what an error of a Gemini call means for the key
// that served it. It reads genai.APIError (value or pointer, through any
// wrapping), including the google.rpc details Google sends:
//
//   - nil: Success.
//   - context canceled or deadline exceeded: Canceled (no penalty). Classify
//     cannot tell whose deadline it was; Client counts one that is not the
//     caller's (an http.Client timeout) as Transient.
//   - 429 with "limit: 0" in the message: NoQuota (the model has no quota on the project).
//   - 429 with a QuotaFailure quotaId containing "PerDay": DayExhausted.
//   - other 429s (PerMinute quotaId, or no details): RateLimited, with
//     RetryAfter from RetryInfo.retryDelay ("7s", "45.837906927s") or from
//     the message's "Please retry in ...", else 0.
//   - 400 with ErrorInfo reason API_KEY_INVALID, 401, 403 with reason
//     CONSUMER_SUSPENDED (or API_KEY_SERVICE_BLOCKED, SERVICE_DISABLED) or a
//     message saying the key was reported as leaked: DeadKey.
//   - other 4xx: BadRequest.
//   - 5xx, 408, a code of 0 (the status or body decides; unknown means
//     transient) and every transport error: Transient.
//
// Outcome.Err is err itself; Outcome.Tokens is left 0.
func Classify(err error) keyrouter.Outcome {
	o := keyrouter.Outcome{Err: err}
	if err == nil {
		return o
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		o.Verdict = keyrouter.Canceled
		return o
	}
	api, ok := asAPIError(err)
	if !ok {
		o.Verdict = keyrouter.Transient
		return o
	}
	code := apiCode(api)
	switch {
	case code == 429:
		switch {
		case strings.Contains(api.Message, "limit: 0"):
			o.Verdict = keyrouter.NoQuota
		case quotaPerDay(api.Details):
			o.Verdict = keyrouter.DayExhausted
		default:
			o.Verdict = keyrouter.RateLimited
			o.RetryAfter = retryDelay(api)
		}
	case deadKey(code, api):
		o.Verdict = keyrouter.DeadKey
	case code == 408 || code >= 500 || code == 0:
		o.Verdict = keyrouter.Transient
	default:
		o.Verdict = keyrouter.BadRequest
	}
	return o
}

func asAPIError(err error) (genai.APIError, bool) {
	var v genai.APIError
	if errors.As(err, &v) {
		return v, true
	}
	var p *genai.APIError
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	return genai.APIError{}, false
}

// grpcCodes maps the google.rpc status names to HTTP codes, for errors that
// carry a status and no code.
var grpcCodes = map[string]int{
	"INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "OUT_OF_RANGE": 400,
	"UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403, "NOT_FOUND": 404,
	"ABORTED": 409, "ALREADY_EXISTS": 409, "RESOURCE_EXHAUSTED": 429, "CANCELLED": 499,
	"INTERNAL": 500, "UNKNOWN": 500, "DATA_LOSS": 500, "UNIMPLEMENTED": 501,
	"UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504,
}

// apiCode is the HTTP code of an API error. genai takes Code from the JSON
// body, so an error event without "code" arrives as 0; the status name or a
// body kept in Message ("503 Service Unavailable" statuses for plain-text
// bodies) then decides. 0 means unknown.
func apiCode(e genai.APIError) int {
	if e.Code != 0 {
		return e.Code
	}
	if c, ok := grpcCodes[e.Status]; ok {
		return c
	}
	if n, _, ok := strings.Cut(e.Status, " "); ok {
		if c, err := strconv.Atoi(n); err == nil {
			return c
		}
	}
	var body struct {
		Error struct {
			Code   int    `json:"code"`
			Status string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(e.Message), &body) == nil {
		if body.Error.Code != 0 {
			return body.Error.Code
		}
		return grpcCodes[body.Error.Status]
	}
	return 0
}

func deadKey(code int, e genai.APIError) bool {
	switch code {
	case 401:
		return true
	case 400, 403:
		switch errorReason(e.Details) {
		case "API_KEY_INVALID", "CONSUMER_SUSPENDED", "API_KEY_SERVICE_BLOCKED", "SERVICE_DISABLED":
			return true
		}
		return code == 403 && strings.Contains(strings.ToLower(e.Message), "reported as leaked")
	}
	return false
}

func detailType(d map[string]any) string {
	t, _ := d["@type"].(string)
	return t
}

func errorReason(details []map[string]any) string {
	for _, d := range details {
		if strings.HasSuffix(detailType(d), "google.rpc.ErrorInfo") {
			r, _ := d["reason"].(string)
			return r
		}
	}
	return ""
}

func quotaPerDay(details []map[string]any) bool {
	for _, d := range details {
		if !strings.HasSuffix(detailType(d), "google.rpc.QuotaFailure") {
			continue
		}
		vs, _ := d["violations"].([]any)
		for _, v := range vs {
			m, _ := v.(map[string]any)
			if id, _ := m["quotaId"].(string); strings.Contains(id, "PerDay") {
				return true
			}
		}
	}
	return false
}

// retryDelay reads RetryInfo.retryDelay, falling back on the message's
// "Please retry in 7.1s." Unparsable or negative values give 0.
func retryDelay(e genai.APIError) time.Duration {
	for _, d := range e.Details {
		if !strings.HasSuffix(detailType(d), "google.rpc.RetryInfo") {
			continue
		}
		switch v := d["retryDelay"].(type) {
		case string:
			return ParseDuration(v)
		case map[string]any: // the proto form, in case a proxy re-encodes it
			s, _ := v["seconds"].(float64)
			n, _ := v["nanos"].(float64)
			if d := time.Duration(s*float64(time.Second) + n); d > 0 {
				return d
			}
		}
	}
	if _, after, ok := strings.Cut(e.Message, "Please retry in "); ok {
		after, _, _ = strings.Cut(after, " ")
		return ParseDuration(strings.TrimSuffix(strings.TrimSpace(after), "."))
	}
	return 0
}

// maxRetryDelay caps parsed delays, so that a corrupt value cannot park a key
// for years.
const maxRetryDelay = 48 * time.Hour

// ParseDuration parses a google.protobuf.Duration in its JSON form: decimal
// seconds with an "s" suffix ("7s", "0.5s", "45.837906927s"). Go duration
// strings ("1m30s", "250ms") are accepted too. It returns 0 for anything else
// and for negative values, and caps the result at 48 hours.
func ParseDuration(s string) time.Duration {
	s = strings.TrimSpace(s)
	if num, ok := strings.CutSuffix(s, "s"); ok {
		if f, err := strconv.ParseFloat(num, 64); err == nil {
			if f <= 0 || f != f {
				return 0
			}
			if f >= maxRetryDelay.Seconds() {
				return maxRetryDelay
			}
			return time.Duration(f * float64(time.Second))
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0
	}
	return min(d, maxRetryDelay)
}
