package gemini

import (
	"errors"
	"strings"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// Sentinel errors. The typed errors of this package unwrap to them, so test
// with errors.Is through any wrapping.
var (
	// ErrBlocked: the prompt was blocked, or the answer ended for a safety or
	// policy reason (SAFETY, PROHIBITED_CONTENT, RECITATION, ...). *BlockedError.
	ErrBlocked = errors.New("gemini: answer blocked")
	// ErrEmpty: the model answered with no text.
	ErrEmpty = errors.New("gemini: empty answer")
	// ErrNoKey: no key of any model of the chain could take the call.
	// *NoKeyError, which also unwraps to keyrouter.ErrNoKey.
	ErrNoKey = errors.New("gemini: no key available")
	// ErrBadRequest: the API refused the request itself (not the key); retrying
	// it unchanged fails again. *CallError.
	ErrBadRequest = errors.New("gemini: bad request")
	// ErrUnavailable: every key and model tried failed for a reason that may
	// pass (5xx, overload, network, dead or rate-limited keys). *CallError.
	ErrUnavailable = errors.New("gemini: model unavailable")
	// ErrInterrupted: a stream failed after text had reached the caller; the
	// partial text is in the Result. *CallError.
	ErrInterrupted = errors.New("gemini: stream interrupted")
	// ErrInvalidRequest: the Request is unusable (no text, no model). Nothing
	// was sent.
	ErrInvalidRequest = errors.New("gemini: invalid request")
)

// BlockedError says why an answer was blocked. It unwraps to ErrBlocked.
type BlockedError struct {
	// Prompt is true when the prompt itself was blocked (promptFeedback), false
	// when the answer was stopped (the candidate's finishReason).
	Prompt bool
	// Reason is the blockReason or finishReason, e.g. "SAFETY", "PROHIBITED_CONTENT".
	Reason string
	// Message is the API's explanation, when it gave one.
	Message string
}

// Error names what was blocked and why.
func (e *BlockedError) Error() string {
	s := "gemini: answer blocked: " + e.Reason
	if e.Prompt {
		s = "gemini: prompt blocked: " + e.Reason
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns ErrBlocked.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

// NoKeyError says that no model of the chain had a key to take the call, and
// when the first one frees up. errors.Is matches both ErrNoKey and
// keyrouter.ErrNoKey; errors.As finds the last *keyrouter.NoKeyError too,
// and, when calls failed on the way (a 429 that cooled the project, a key
// found dead), the last *CallError and what it wraps.
type NoKeyError struct {
	Models []string   // the models tried, in order
	FreeAt time.Time  // the earliest time a key of any model frees up; zero = unknown
	Err    error      // the router's error for the last model
	Last   *CallError // the last failed call, nil when no call was made
}

// Error lists the models and, when known, when a key frees up.
func (e *NoKeyError) Error() string {
	s := "gemini: no key available for " + strings.Join(e.Models, ", ")
	if !e.FreeAt.IsZero() {
		s += " until " + e.FreeAt.UTC().Format(time.RFC3339)
	}
	return s
}

// Unwrap returns ErrNoKey, the router's error and the last failed call.
func (e *NoKeyError) Unwrap() []error {
	errs := []error{ErrNoKey, e.Err}
	if e.Err == nil {
		errs[1] = keyrouter.ErrNoKey
	}
	if e.Last != nil {
		errs = append(errs, e.Last)
	}
	return errs
}

// CallError is a call that failed: refused by the API, by the network, or
// interrupted mid-stream. Its text and its wrapped error are scrubbed of the
// API key. It unwraps to ErrBadRequest, ErrUnavailable or ErrInterrupted
// (by Verdict and Interrupted) and to the underlying error, so errors.As
// finds a genai.APIError for its code, status and details.
type CallError struct {
	Model       string            // the model of the last attempt
	KeyID       string            // the non-secret ID of the key of the last attempt
	Verdict     keyrouter.Verdict // what the error meant for the key
	Interrupted bool              // the error came after text reached the caller
	Err         error             // the scrubbed cause
}

// Error describes the failure without the API key.
func (e *CallError) Error() string {
	s := "gemini: " + e.Model + " (key " + e.KeyID + "): "
	if e.Interrupted {
		s += "stream interrupted: "
	}
	if e.Err != nil {
		s += e.Err.Error()
	} else {
		s += e.Verdict.String()
	}
	return s
}

// Unwrap returns the sentinel for the failure and the scrubbed cause.
func (e *CallError) Unwrap() []error {
	sentinel := ErrUnavailable
	switch {
	case e.Interrupted:
		sentinel = ErrInterrupted
	case e.Verdict == keyrouter.BadRequest:
		sentinel = ErrBadRequest
	}
	if e.Err == nil {
		return []error{sentinel}
	}
	return []error{sentinel, e.Err}
}
