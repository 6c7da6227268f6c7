package gemini

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
)

const redacted = "[REDACTED]"

// googleKey matches Google API keys, which some error messages quote
// (403 CONSUMER_SUSPENDED names "api_key:AIza...").
var googleKey = regexp.MustCompile(`AIza[0-9A-Za-z_\-]{35}`)

// scrubString removes secret and anything shaped like a Google API key.
func scrubString(s, secret string) string {
	if secret != "" && strings.Contains(s, secret) {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	if strings.Contains(s, "AIza") {
		s = googleKey.ReplaceAllString(s, redacted)
	}
	return s
}

// scrub returns err without secret in its text or in anything it wraps that
// a caller can reach. An API error becomes a scrubbed genai.APIError copy; an
// error whose text holds the key becomes a *scrubbedError that keeps only
// the context and EOF sentinels; other errors are returned as they are.
func scrub(err error, secret string) error {
	if err == nil {
		return nil
	}
	if api, ok := asAPIError(err); ok {
		api.Message = scrubString(api.Message, secret)
		api.Status = scrubString(api.Status, secret)
		if api.Details != nil {
			details := make([]map[string]any, len(api.Details))
			for i, d := range api.Details {
				details[i], _ = scrubValue(d, secret).(map[string]any)
			}
			api.Details = details
		}
		return api
	}
	msg := err.Error()
	if clean := scrubString(msg, secret); clean != msg || deepContains(err, secret) {
		return &scrubbedError{msg: clean, kind: sentinelOf(err)}
	}
	return err
}

// deepContains reports whether any error in err's tree quotes secret.
func deepContains(err error, secret string) bool {
	if err == nil || secret == "" {
		return false
	}
	if strings.Contains(err.Error(), secret) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return deepContains(u.Unwrap(), secret)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if deepContains(e, secret) {
				return true
			}
		}
	}
	return false
}

func scrubValue(v any, secret string) any {
	switch x := v.(type) {
	case string:
		return scrubString(x, secret)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = scrubValue(e, secret)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = scrubValue(e, secret)
		}
		return s
	}
	return v
}

func sentinelOf(err error) error {
	for _, s := range []error{context.Canceled, context.DeadlineExceeded, io.ErrUnexpectedEOF, io.EOF} {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

// scrubbedError is an error whose original text held the key. It keeps the
// scrubbed text and, for errors.Is, the well-known sentinel it wrapped.
type scrubbedError struct {
	msg  string
	kind error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.kind }
