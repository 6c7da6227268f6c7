// Package testenv gives tests the addresses of the services they need, and
// skips them, with a message naming the variable to set, when a service is
// not configured. With SVSBOT_TEST_REQUIRE_SERVICES=1 (as .ci/run sets it)
// a missing service fails the test instead, so CI never skips silently.
package testenv

import (
	"os"
	"testing"
)

// Variables read by the tests that need services.
const (
	PostgresVar = "SVSBOT_TEST_POSTGRES_URL"
	RedisVar    = "SVSBOT_TEST_REDIS_URL"
	RequireVar  = "SVSBOT_TEST_REQUIRE_SERVICES"
)

// PostgresURL returns the PostgreSQL URL for tests, or skips tb.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	return lookup(tb, PostgresVar, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
}

// RedisURL returns the Redis URL for tests, or skips tb.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	return lookup(tb, RedisVar, "redis://127.0.0.1:6379/0")
}

func lookup(tb testing.TB, name, example string) string {
	tb.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	if os.Getenv(RequireVar) == "1" {
		tb.Fatalf("%s is not set but %s=1 requires it", name, RequireVar)
	}
	tb.Skipf("set %s (e.g. %s) to run this test", name, example)
	return ""
}
