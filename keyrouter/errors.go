package keyrouter

import (
	"errors"
	"strconv"
	"time"
)

// ErrNoKey: no key can serve the request (all cooling, exhausted, retired, or none configured).
var ErrNoKey = errors.New("keyrouter: no key available")

// ErrClosed is returned by calls on a closed Router.
var ErrClosed = errors.New("keyrouter: router closed")

// ErrInvalidTiers is what a bad tier map given to SetTiers unwraps to.
var ErrInvalidTiers = errors.New("keyrouter: invalid tiers")

// ErrInvalidKeys is what a bad key list or key set unwraps to.
var ErrInvalidKeys = errors.New("keyrouter: invalid keys")

// NoKeyError unwraps to ErrNoKey and says when a key frees up (zero = unknown / not before reset).
type NoKeyError struct {
	Model  string
	FreeAt time.Time
}

// Error says which model had no key and, when known, when one frees up.
func (e *NoKeyError) Error() string {
	s := "keyrouter: no key available"
	if e.Model != "" {
		s += " for model " + strconv.Quote(e.Model)
	}
	if !e.FreeAt.IsZero() {
		s += " until " + e.FreeAt.UTC().Format(time.RFC3339)
	}
	return s
}

// Unwrap returns ErrNoKey.
func (e *NoKeyError) Unwrap() error { return ErrNoKey }

// RetryIn returns how long after now a key frees up; 0 when unknown or past.
func (e *NoKeyError) RetryIn(now time.Time) time.Duration {
	if e.FreeAt.IsZero() || !e.FreeAt.After(now) {
		return 0
	}
	return e.FreeAt.Sub(now)
}

// KeyListError is a bad entry in a key list or key set. It names the position,
// never the secret, and unwraps to ErrInvalidKeys.
type KeyListError struct {
	Entry  int    // 1-based entry number
	Offset int    // byte offset of the entry in the parsed text; -1 for a []Key
	Reason string // what is wrong, e.g. "empty secret"
}

// Error names the entry and the reason.
func (e *KeyListError) Error() string {
	s := "keyrouter: key " + strconv.Itoa(e.Entry)
	if e.Offset >= 0 {
		s += " (byte " + strconv.Itoa(e.Offset) + ")"
	}
	return s + ": " + e.Reason
}

// Unwrap returns ErrInvalidKeys.
func (e *KeyListError) Unwrap() error { return ErrInvalidKeys }
