package sqlitestore

import (
	"database/sql"
	"math"
	"time"
)

// Times are stored as INTEGER unix nanoseconds, which keeps every instant
// between the years 1678 and 2262 exactly; times beyond are clamped to that
// range. The zero time is stored as NULL.

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos returns t as unix nanoseconds, clamped to the int64 range.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// nullNanos is nanos for a column where NULL stands for the zero time.
func nullNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return nanos(t)
}

// timeOf converts a column written by nullNanos back to a UTC time.
func timeOf(ns sql.NullInt64) time.Time {
	if !ns.Valid {
		return time.Time{}
	}
	return time.Unix(0, ns.Int64).UTC()
}

// deadline returns now+ttl in nanoseconds, saturating instead of
// overflowing.
func deadline(now time.Time, ttl time.Duration) int64 {
	n := nanos(now)
	if ttl > 0 && n > math.MaxInt64-int64(ttl) {
		return math.MaxInt64
	}
	return n + int64(ttl)
}
