package keyrouter

import (
	"time"
	_ "time/tzdata" // the reset zone must load in static binaries without zoneinfo
)

// Options configure a Router; the zero value means the defaults.
type Options struct {
	// Tiers maps a tier to its ordered key groups, e.g. "vip": {"B", "C"}.
	// nil = every tier may use every group, in name order. A tier missing
	// from a non-nil map gets ErrUnknownTier.
	Tiers map[string][]string

	// Now is the clock; nil = time.Now. Context deadlines are compared with
	// it, so a virtual clock and deadlines on the same scale work together.
	Now func() time.Time
	// After is the timer Acquire waits on; nil = time.After. Tests pass a
	// virtual clock's timer so that nothing sleeps.
	After func(d time.Duration) <-chan time.Time

	// MaxAttempts is how many keys Do tries per call; 0 = 3.
	MaxAttempts int
	// Classifier turns errors into outcomes for Do; nil = every error is Transient.
	Classifier Classifier

	// Cooldown is how long a project+model rests after RateLimited without a
	// server hint; 0 = 1 minute.
	Cooldown time.Duration
	// MaxWait caps how long Acquire waits for a cooling key even when the
	// context allows longer; 0 = 1 minute, negative = never wait.
	MaxWait time.Duration
	// ResetZone is where the daily quotas reset at midnight; nil =
	// America/Los_Angeles, as Gemini does.
	ResetZone *time.Location

	// BreakerFailures is how many transient failures in a row open the
	// circuit breaker of a key and model; 0 = 5.
	BreakerFailures int
	// BreakerTimeout is how long an open breaker keeps its key and model
	// out of use before probing it half-open; 0 = 30 seconds.
	BreakerTimeout time.Duration
	// BreakerProbes is how many calls a half-open breaker lets through, and
	// how many must succeed to close it; 0 = 1.
	BreakerProbes int

	// OnStateChange, if set, is called (synchronously, without locks held)
	// whenever a key or a key's model changes state. It must not block long.
	OnStateChange func(StateChange)

	// Shared, if set, holds per-project usage and cooldowns shared with
	// other replicas; nil = this router's in-process counters only.
	Shared SharedState
}

// Defaults.
const (
	DefaultMaxAttempts     = 3
	DefaultCooldown        = time.Minute
	DefaultMaxWait         = time.Minute
	DefaultBreakerFailures = 5
	DefaultBreakerTimeout  = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Classifier == nil {
		o.Classifier = func(err error) Outcome {
			if err == nil {
				return Outcome{Verdict: Success}
			}
			return Outcome{Verdict: Transient, Err: err}
		}
	}
	if o.Cooldown <= 0 {
		o.Cooldown = DefaultCooldown
	}
	if o.MaxWait == 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.ResetZone == nil {
		loc, err := time.LoadLocation("America/Los_Angeles")
		if err != nil { // cannot happen with time/tzdata embedded
			loc = time.UTC
		}
		o.ResetZone = loc
	}
	if o.BreakerFailures <= 0 {
		o.BreakerFailures = DefaultBreakerFailures
	}
	if o.BreakerTimeout <= 0 {
		o.BreakerTimeout = DefaultBreakerTimeout
	}
	if o.BreakerProbes <= 0 {
		o.BreakerProbes = 1
	}
	return o
}

// NextReset returns the first midnight in loc strictly after now: when the
// daily quotas counted at now start afresh.
func NextReset(now time.Time, loc *time.Location) time.Time {
	t := now.In(loc)
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}
