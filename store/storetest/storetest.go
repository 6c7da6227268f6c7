package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Precision is the time precision the suite requires of a backend: times
// read back must equal the times written once both are truncated to it.
const Precision = time.Millisecond

// base is the fake "now" of the suite. Expiry cases add durations to it.
// It has no sub-second part, so that expiry boundaries are exact whatever
// precision a backend keeps; round-trip cases use fineTime instead.
var base = time.Date(2026, time.November, 25, 10, 0, 0, 0, time.UTC)

// fineTime has a sub-millisecond part and a non-UTC zone, to check that
// times keep their instant (at Precision) whatever zone they were written in.
var fineTime = time.Date(2026, time.March, 1, 23, 30, 15, 123456789, time.FixedZone("UTC+8", 8*3600))

// Run runs the conformance suite: one subtest per contract and case, each on
// a fresh store from newStore. See the package documentation for what it
// requires of a backend.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Conversations", conversationCases},
		{"Subscriptions", subscriptionCases},
		{"Counters", counterCases},
		{"Locks", lockCases},
		{"Users", userCases},
		{"Usage", usageCases},
		{"KV", kvCases},
		{"Close", closeCases},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					s := open(t, newStore)
					c.run(t, s)
				})
			}
		})
	}
}

// testCase is one named case of the suite.
type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// open makes a fresh store and closes it when the case ends. A second Close
// after the Close cases is harmless: its error is ignored.
func open(t *testing.T, newStore func(t *testing.T) store.Store) store.Store {
	t.Helper()
	s := newStore(t)
	require.NotNil(t, s, "newStore returned nil")
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// ctx returns the context of a case, cancelled when it ends.
func ctx(t testing.TB) context.Context {
	return t.Context()
}

// requireErrorIs fails unless err wraps target.
func requireErrorIs(t testing.TB, err, target error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Truef(t, errors.Is(err, target), "error %q does not wrap %q %s", err, target, fmtMsg(msgAndArgs))
}

func fmtMsg(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return ""
	}
	if s, ok := msgAndArgs[0].(string); ok {
		return "(" + s + ")"
	}
	return ""
}

// requireSameTime fails unless got and want are the same instant at Precision.
func requireSameTime(t testing.TB, want, got time.Time, what string) {
	t.Helper()
	if want.IsZero() {
		require.Truef(t, got.IsZero(), "%s: want the zero time, got %v", what, got)
		return
	}
	require.Truef(t, want.Truncate(Precision).Equal(got.Truncate(Precision)),
		"%s: want %v, got %v (compared at %v precision)", what, want, got, Precision)
}

// tricky are strings that break naive escaping in SQL, LIKE patterns,
// Lua scripts, Redis protocols, JSON and shells, plus text from many scripts.
// Each must be stored verbatim as a key and as a value. They are valid UTF-8
// without NUL: the suite requires no more of text (see the package doc).
var tricky = []string{
	"'); DROP TABLE x;--",
	`" OR 1=1 --`,
	"%",
	"_",
	"a%b_c",
	`back\slash\\`,
	`\x00 literally`,
	"*",
	"?",
	"[a-z]",
	"{braces}",
	"key with spaces",
	"\r\n*1\r\n$4\r\nPING\r\n",
	"redis.call('FLUSHALL')",
	"]] .. os.exit() .. [[",
	"$1 $$ :name @p ?",
	"emoji 😀👩‍👩‍👧‍👦🏳️‍🌈",
	"中文字符 日本語 한국어",
	"مرحبا بالعالم שלום",
	"\u202egnp.exe",
	"tab\tnewline\nend",
	"ünïcödé ñ ß",
	strings.Repeat("長", 300),
}

// bigText returns n bytes of valid UTF-8 mixing ASCII, CJK and emoji.
func bigText(n int) string {
	var b strings.Builder
	parts := []string{"abc ", "中文", "😀", "\t", "'\"\\%_"}
	for i := 0; b.Len() < n; i++ {
		b.WriteString(parts[i%len(parts)])
	}
	s := b.String()
	for len(s) > n || !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// parallel runs f(i) for i in [0, n) on n goroutines released together, and
// waits for all of them.
func parallel(n int, f func(i int)) {
	start := make(chan struct{})
	done := make(chan struct{}, n)
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			f(i)
		}()
	}
	close(start)
	for range n {
		<-done
	}
}
