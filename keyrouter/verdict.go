package keyrouter

import (
	"strconv"
	"time"
)

// Verdict is what an outcome means for the key that served the call.
type Verdict int

// The verdicts, in the order of Stats.Failures.
const (
	Success      Verdict = iota // counts usage
	Transient                   // 5xx, overload, network: try elsewhere; feeds the breaker
	RateLimited                 // per-minute quota: cool project+model down for RetryAfter (or default)
	DayExhausted                // per-day quota: project+model exhausted until the daily reset
	NoQuota                     // "limit: 0": project+model unusable until the daily reset
	DeadKey                     // invalid, suspended, leaked: retired until rotated
	BadRequest                  // the request is wrong: no retry, no penalty
	Canceled                    // caller's context ended: no penalty

	numVerdicts = iota
)

var verdictNames = [numVerdicts]string{"success", "transient", "rate-limited", "day-exhausted",
	"no-quota", "dead-key", "bad-request", "canceled"}

// String returns the verdict's name, e.g. "rate-limited".
func (v Verdict) String() string {
	if v >= 0 && int(v) < numVerdicts {
		return verdictNames[v]
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// Retryable reports whether another key may serve the call that got v.
func (v Verdict) Retryable() bool {
	switch v {
	case Transient, RateLimited, DayExhausted, NoQuota, DeadKey:
		return true
	}
	return false
}

// Outcome is the result of a call as the router needs it.
type Outcome struct {
	Verdict    Verdict
	Tokens     int           // tokens actually used (Success), for TPM accounting; 0 = the estimate
	RetryAfter time.Duration // server hint for RateLimited; 0 = Options.Cooldown
	Err        error         // the original error (may be nil)
}

// Classifier turns an error returned by a call into an Outcome. nil error = Success.
// It must be safe for concurrent use.
type Classifier func(err error) Outcome
