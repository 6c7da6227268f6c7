package vipsession

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. The typed errors below unwrap to them, so test with
// errors.Is and read the details with errors.As.
var (
	// ErrQuotaExceeded reports that a daily or monthly quota is used up
	// (see QuotaError).
	ErrQuotaExceeded = errors.New("vipsession: quota exceeded")
	// ErrRateLimited reports too many turns in the current minute (see
	// RateLimitError).
	ErrRateLimited = errors.New("vipsession: rate limited")
	// ErrBusy reports that the user already has as many replies running as
	// the tier allows (see BusyError).
	ErrBusy = errors.New("vipsession: a reply for this user is already running")
	// ErrCapacity reports that the tier is full and no session can be
	// ended to make room (see CapacityError).
	ErrCapacity = errors.New("vipsession: tier full")
	// ErrUnknownTier reports a tier name that is not configured.
	ErrUnknownTier = errors.New("vipsession: unknown tier")
	// ErrInvalidConfig reports invalid tiers or options (see ConfigError).
	ErrInvalidConfig = errors.New("vipsession: invalid configuration")
	// ErrInvalid reports an invalid argument, such as a zero user ID.
	ErrInvalid = errors.New("vipsession: invalid argument")
	// ErrFinished reports a Commit or Abort of a session that has already
	// been committed or aborted.
	ErrFinished = errors.New("vipsession: session already finished")
	// ErrNoGrant reports a Revoke of a user who has no grant.
	ErrNoGrant = errors.New("vipsession: no grant")
)

// Quota names one of the quotas of a tier.
type Quota string

// The quotas a QuotaError can name.
const (
	QuotaRequestsPerDay   Quota = "requests_per_day"
	QuotaRequestsPerMonth Quota = "requests_per_month"
	QuotaTokensPerDay     Quota = "tokens_per_day"
	QuotaTokensPerMonth   Quota = "tokens_per_month"
)

// QuotaError says which quota refused a turn and when it resets. It
// unwraps to ErrQuotaExceeded.
type QuotaError struct {
	Tier   string
	Quota  Quota
	Limit  int64     // the tier's limit
	Used   int64     // used in the current window, before this turn
	Want   int64     // what this turn asked for (1 request, or estimated tokens)
	Resets time.Time // start of the next window, in Options.Location
}

// Error names the quota, its use and when it resets.
func (e *QuotaError) Error() string {
	return fmt.Sprintf("vipsession: %s quota of tier %s exceeded: %d of %d used, resets %s",
		e.Quota, e.Tier, e.Used, e.Limit, e.Resets.Format(time.RFC3339))
}

// Unwrap returns ErrQuotaExceeded.
func (e *QuotaError) Unwrap() error { return ErrQuotaExceeded }

// RateLimitError says how long to wait before the next turn. It unwraps to
// ErrRateLimited.
type RateLimitError struct {
	Limit      int64 // turns per minute
	RetryAfter time.Duration
}

// Error says how long to wait.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("vipsession: rate limited to %d per minute, retry after %v", e.Limit, e.RetryAfter)
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// BusyError reports that the user's replies in flight reached the tier's
// Concurrent limit. It unwraps to ErrBusy.
type BusyError struct {
	Limit int64
}

// Error gives the limit of replies in flight.
func (e *BusyError) Error() string {
	return fmt.Sprintf("vipsession: %d replies already running for this user", e.Limit)
}

// Unwrap returns ErrBusy.
func (e *BusyError) Unwrap() error { return ErrBusy }

// CapacityError reports that every session of a full tier is waiting for a
// reply, or that the tier's capacity is zero. It unwraps to ErrCapacity.
type CapacityError struct {
	Tier     string
	Capacity int64
	// RetryAfter is a hint: the earliest time a running reply's slot
	// expires, measured from now; zero when the tier is closed.
	RetryAfter time.Duration
}

// Error names the full tier.
func (e *CapacityError) Error() string {
	return fmt.Sprintf("vipsession: tier %s is full (%d sessions)", e.Tier, e.Capacity)
}

// Unwrap returns ErrCapacity.
func (e *CapacityError) Unwrap() error { return ErrCapacity }

// ConfigError names the tier and field of an invalid configuration. It
// unwraps to ErrInvalidConfig.
type ConfigError struct {
	Tier  string // empty for settings outside a tier
	Field string
	Err   error
}

// Error names the tier and the field.
func (e *ConfigError) Error() string {
	if e.Tier == "" {
		return fmt.Sprintf("vipsession: invalid configuration: %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("vipsession: invalid configuration: tier %q: %s: %v", e.Tier, e.Field, e.Err)
}

// Unwrap returns ErrInvalidConfig and the underlying error.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }
