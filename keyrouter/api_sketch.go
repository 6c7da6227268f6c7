package keyrouter

// API SKETCH written by the lead so that keyrouter and gemini can be built in
// parallel. The keyrouter owner turns this into real files (key.go, verdict.go,
// router.go, lease.go, ...) and deletes this file. Names and signatures below
// are the contract gemini codes against; extend freely, rename only with care.

import (
	"context"
	"errors"
	"time"
)

// Secret is an API key in a type that never prints itself: String, every fmt
// verb, slog (LogValue), JSON and text marshalling show "[REDACTED]".
// Use string(s) only where the key must go on the wire.
type Secret string

// Limits caps one key's (or one project's) use of one model. Zero = unlimited.
type Limits struct {
	RPM        int // requests per minute
	TPM        int // tokens per minute
	RPD        int // requests per day
	Concurrent int // calls in flight
}

// Key is one API key.
type Key struct {
	ID      string // non-secret stable ID; derived from the secret (short fingerprint) when empty
	Secret  Secret
	Group   string            // key group, e.g. "A".."D"; "" = "default"
	Project string            // keys of one project share its quota; "" = a project of its own
	Weight  int               // 0 = 1
	Limits  Limits            // default limits per model
	Models  map[string]Limits // per-model overrides
}

// Verdict is what an outcome means for the key that served the call.
type Verdict int

const (
	Success      Verdict = iota // counts usage
	Transient                   // 5xx, overload, network: try elsewhere; feeds the breaker
	RateLimited                 // per-minute quota: cool project+model down for RetryAfter (or default)
	DayExhausted                // per-day quota: project+model exhausted until the daily reset
	NoQuota                     // "limit: 0": project+model unusable until the daily reset
	DeadKey                     // invalid, suspended, leaked: retired until rotated
	BadRequest                  // the request is wrong: no retry, no penalty
	Canceled                    // caller's context ended: no penalty
)

// Outcome is the result of a call as the router needs it.
type Outcome struct {
	Verdict    Verdict
	Tokens     int           // tokens actually used (Success), for TPM accounting
	RetryAfter time.Duration // server hint for RateLimited; 0 = default cooldown
	Err        error         // the original error (may be nil)
}

// Classifier turns an error returned by a call into an Outcome. nil error = Success.
type Classifier func(err error) Outcome

// Request asks for a key.
type Request struct {
	Tier   string   // mapped to key groups by Options.Tiers
	Groups []string // explicit ordered groups; overrides Tier when non-empty
	Model  string
	Tokens int // estimated token cost, for TPM headroom
}

// ErrNoKey: no key can serve the request (all cooling, exhausted, retired, or none configured).
var ErrNoKey = errors.New("keyrouter: no key available")

// NoKeyError unwraps to ErrNoKey and says when a key frees up (zero = unknown / not before reset).
type NoKeyError struct {
	Model  string
	FreeAt time.Time
}

func (e *NoKeyError) Error() string { return "keyrouter: no key available" }
func (e *NoKeyError) Unwrap() error { return ErrNoKey }

// Options configure a Router; the zero value means the defaults.
type Options struct {
	Tiers       map[string][]string // tier -> ordered key groups
	Now         func() time.Time    // clock; nil = time.Now
	MaxAttempts int                 // Do: keys tried per call; 0 = 3
	Classifier  Classifier          // used by Do; nil = every error is Transient
	// ... cooldown default, reset zone, breaker settings, OnStateChange, Shared ...
}

// Router picks keys. Safe for concurrent use.
type Router struct{}

// New builds a router over keys.
func New(keys []Key, opts Options) (*Router, error) { return &Router{}, nil }

// Acquire leases the best key for req (waiting for the soonest cooldown when the ctx deadline allows).
func (r *Router) Acquire(ctx context.Context, req Request) (*Lease, error) { return nil, ErrNoKey }

// Do acquires a key, runs fn, classifies fn's error, releases, and retries on a key not yet tried.
func (r *Router) Do(ctx context.Context, req Request, fn func(ctx context.Context, l *Lease) (tokens int, err error)) error {
	return nil
}

// Close stops background work.
func (r *Router) Close() error { return nil }

// Lease is a key held for one call; Release exactly once.
type Lease struct{}

// KeyID is the non-secret ID of the leased key.
func (l *Lease) KeyID() string { return "" }

// Secret is the leased key's secret, for the wire.
func (l *Lease) Secret() Secret { return "" }

// Model is the model the lease was acquired for.
func (l *Lease) Model() string { return "" }

// Release ends the lease with the call's outcome. Calling it again does nothing.
func (l *Lease) Release(o Outcome) {}
