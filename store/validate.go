package store

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The Check functions validate arguments as the contracts require, so that
// every backend rejects the same inputs with the same errors. They return
// nil or an error wrapping ErrInvalid.

// CheckKey rejects an empty key, and one that is not valid text.
func CheckKey(what, key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	}
	return CheckText(what, key)
}

// CheckText rejects text that is not valid UTF-8 or holds a NUL byte, which
// not every backend can store.
func CheckText(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%w: %s holds a NUL byte", ErrInvalid, what)
	}
	return nil
}

// CleanText makes s storable: invalid UTF-8 becomes U+FFFD and NUL bytes
// are dropped. Callers storing text they did not write (a model's answer)
// use it so that one odd byte does not cost the whole turn.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// CheckTurns validates the arguments of AppendTurns.
func CheckTurns(key string, turns []Turn) error {
	if err := CheckKey("conversation key", key); err != nil {
		return err
	}
	if len(turns) == 0 {
		return fmt.Errorf("%w: no turns to append", ErrInvalid)
	}
	for i, t := range turns {
		if !t.Role.Valid() {
			return fmt.Errorf("%w: turn %d: role %q", ErrInvalid, i, t.Role)
		}
		if t.Tokens < 0 {
			return fmt.Errorf("%w: turn %d: negative tokens", ErrInvalid, i)
		}
		if err := CheckText(fmt.Sprintf("turn %d text", i), t.Text); err != nil {
			return err
		}
		for _, m := range t.Media {
			if err := CheckText(fmt.Sprintf("turn %d media", i), m.Kind+m.MIMEType+m.FileID); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckLimit rejects a non-positive read limit.
func CheckLimit(limit int) error {
	if limit <= 0 {
		return fmt.Errorf("%w: limit %d must be positive", ErrInvalid, limit)
	}
	return nil
}

// CheckSubscription validates the argument of PutSubscription.
func CheckSubscription(s Subscription) error {
	switch {
	case s.UserID == 0:
		return fmt.Errorf("%w: subscription without user ID", ErrInvalid)
	case s.Tier == "":
		return fmt.Errorf("%w: subscription without tier", ErrInvalid)
	case !s.Expires.IsZero() && s.Expires.Before(s.Starts):
		return fmt.Errorf("%w: subscription expires before it starts", ErrInvalid)
	}
	if err := CheckText("subscription tier", s.Tier); err != nil {
		return err
	}
	return CheckText("subscription note", s.Note)
}

// CheckTake validates the arguments of TakeCounter.
func CheckTake(key string, n, limit int64, now, expires time.Time) error {
	if err := CheckKey("counter key", key); err != nil {
		return err
	}
	if n < 0 || limit < 0 {
		return fmt.Errorf("%w: negative amount or limit", ErrInvalid)
	}
	return CheckExpiry(now, expires)
}

// CheckAdd validates the arguments of AddCounter.
func CheckAdd(key string, now, expires time.Time) error {
	if err := CheckKey("counter key", key); err != nil {
		return err
	}
	return CheckExpiry(now, expires)
}

// CheckMark validates the arguments of MarkSeen.
func CheckMark(key string, ttl time.Duration) error {
	if err := CheckKey("mark key", key); err != nil {
		return err
	}
	return CheckTTL(ttl)
}

// CheckExpiry rejects a counter expiry that is not after now.
func CheckExpiry(now, expires time.Time) error {
	if !expires.After(now) {
		return fmt.Errorf("%w: counter expiry not after now", ErrInvalid)
	}
	return nil
}

// CheckLease validates the arguments of AcquireLease and RenewLease.
func CheckLease(name, owner string, ttl time.Duration) error {
	if err := CheckRelease(name, owner); err != nil {
		return err
	}
	return CheckTTL(ttl)
}

// CheckRelease validates the arguments of ReleaseLease.
func CheckRelease(name, owner string) error {
	if err := CheckKey("lease name", name); err != nil {
		return err
	}
	return CheckKey("lease owner", owner)
}

// CheckTTL rejects a non-positive TTL.
func CheckTTL(ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("%w: TTL %v must be positive", ErrInvalid, ttl)
	}
	return nil
}

// CheckUsage validates the argument of AppendUsage.
func CheckUsage(r UsageRecord) error {
	switch {
	case r.Time.IsZero():
		return fmt.Errorf("%w: usage record without time", ErrInvalid)
	case r.PromptTokens < 0 || r.OutputTokens < 0:
		return fmt.Errorf("%w: usage record with negative tokens", ErrInvalid)
	case r.Latency < 0:
		return fmt.Errorf("%w: usage record with negative latency", ErrInvalid)
	}
	return nil
}

// CheckValue validates the arguments of SetValue.
func CheckValue(key string, ttl time.Duration) error {
	if err := CheckKey("key", key); err != nil {
		return err
	}
	if ttl < 0 {
		return fmt.Errorf("%w: negative TTL", ErrInvalid)
	}
	return nil
}

// CheckUserFilter validates the argument of ListUsers.
func CheckUserFilter(f UserFilter) error {
	return CheckLimit(f.Limit)
}

// DayUTC returns midnight UTC of t's day, the Day of a UsageBucket.
func DayUTC(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
