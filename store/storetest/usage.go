package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var usageCases = []testCase{
	{"Empty", usageEmpty},
	{"Grouping", usageGrouping},
	{"RangeBounds", usageRange},
	{"UTCDays", usageUTCDays},
	{"TrickyStrings", usageTricky},
	{"Invalid", usageInvalid},
	{"ConcurrentAppends", usageConcurrent},
}

func appendUsage(t testing.TB, s store.Store, recs ...store.UsageRecord) {
	t.Helper()
	for _, r := range recs {
		require.NoError(t, s.AppendUsage(ctx(t), r))
	}
}

func summarize(t testing.TB, s store.Store, from, to time.Time) []store.UsageBucket {
	t.Helper()
	got, err := s.SummarizeUsage(ctx(t), from, to)
	require.NoError(t, err)
	return got
}

// requireBuckets fails unless got equals want (days compared as instants).
func requireBuckets(t testing.TB, want, got []store.UsageBucket) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.Equalf(t, w.UserID, g.UserID, "bucket %d user", i)
		require.Equalf(t, w.Model, g.Model, "bucket %d model", i)
		require.Equalf(t, w.KeyID, g.KeyID, "bucket %d key", i)
		require.Truef(t, w.Day.Equal(g.Day), "bucket %d day: want %v, got %v", i, w.Day, g.Day)
		require.Equalf(t, w.UsageTotals, g.UsageTotals, "bucket %d totals", i)
	}
}

func rec(user int64, model, key string, at time.Time, prompt, output int64, latency time.Duration, outcome string) store.UsageRecord {
	return store.UsageRecord{UserID: user, ChatID: user, Model: model, KeyID: key, PromptTokens: prompt,
		OutputTokens: output, Latency: latency, Outcome: outcome, Time: at}
}

func usageEmpty(t *testing.T, s store.Store) {
	require.Empty(t, summarize(t, s, base.Add(-24*time.Hour), base.Add(24*time.Hour)))
}

func usageGrouping(t *testing.T, s store.Store) {
	day := store.DayUTC(base)
	next := day.Add(24 * time.Hour)
	ms := time.Millisecond
	appendUsage(t, s,
		rec(2, "flash", "k1", base, 10, 20, 100*ms, store.OutcomeOK),
		rec(1, "pro", "k1", base.Add(time.Hour), 1, 2, 10*ms, store.OutcomeOK),
		rec(1, "flash", "k2", base, 5, 6, 7*ms, "quota"),
		rec(1, "flash", "k1", base, 100, 200, 300*ms, store.OutcomeOK),
		rec(1, "flash", "k1", base.Add(2*time.Hour), 1000, 2000, 3000*ms, "blocked"),
		rec(1, "flash", "k1", next.Add(time.Minute), 7, 8, 9*ms, store.OutcomeOK),
		rec(2, "flash", "k1", day, 1, 1, ms, ""),
	)
	b := func(user int64, model, key string, d time.Time, tot store.UsageTotals) store.UsageBucket {
		return store.UsageBucket{UserID: user, Model: model, KeyID: key, Day: d, UsageTotals: tot}
	}
	want := []store.UsageBucket{
		b(1, "flash", "k1", day, store.UsageTotals{Requests: 2, Errors: 1, PromptTokens: 1100, OutputTokens: 2200, Latency: 3300 * ms}),
		b(1, "flash", "k2", day, store.UsageTotals{Requests: 1, Errors: 1, PromptTokens: 5, OutputTokens: 6, Latency: 7 * ms}),
		b(1, "pro", "k1", day, store.UsageTotals{Requests: 1, PromptTokens: 1, OutputTokens: 2, Latency: 10 * ms}),
		b(2, "flash", "k1", day, store.UsageTotals{Requests: 2, Errors: 1, PromptTokens: 11, OutputTokens: 21, Latency: 101 * ms}),
		b(1, "flash", "k1", next, store.UsageTotals{Requests: 1, PromptTokens: 7, OutputTokens: 8, Latency: 9 * ms}),
	}
	requireBuckets(t, want, summarize(t, s, day, next.Add(24*time.Hour)))
	for _, g := range summarize(t, s, day, next.Add(24*time.Hour)) {
		require.True(t, g.Day.Equal(store.DayUTC(g.Day)), "Day is midnight UTC: %v", g.Day)
	}
}

// usageRange checks that the range is half open: from <= Time < to.
func usageRange(t *testing.T, s store.Store) {
	ms := time.Millisecond
	appendUsage(t, s,
		rec(1, "m", "k", base.Add(-ms), 1, 0, 0, store.OutcomeOK),
		rec(1, "m", "k", base, 10, 0, 0, store.OutcomeOK),
		rec(1, "m", "k", base.Add(time.Hour-ms), 100, 0, 0, store.OutcomeOK),
		rec(1, "m", "k", base.Add(time.Hour), 1000, 0, 0, store.OutcomeOK),
	)
	prompts := func(from, to time.Time) int64 {
		var sum int64
		for _, g := range summarize(t, s, from, to) {
			sum += g.PromptTokens
		}
		return sum
	}
	require.EqualValues(t, 110, prompts(base, base.Add(time.Hour)))
	require.EqualValues(t, 111, prompts(base.Add(-ms), base.Add(time.Hour)))
	require.EqualValues(t, 1110, prompts(base, base.Add(time.Hour+ms)))
	require.EqualValues(t, 10, prompts(base, base.Add(ms)))
	require.Zero(t, prompts(base.Add(ms), base.Add(time.Hour-ms)))
	require.Zero(t, prompts(base.Add(2*time.Hour), base.Add(3*time.Hour)))
}

// usageUTCDays checks that records group by their UTC day whatever zone
// their Time was in, and that ranges compare instants.
func usageUTCDays(t *testing.T, s store.Store) {
	tokyo := time.FixedZone("UTC+9", 9*3600)
	pacific := time.FixedZone("UTC-8", -8*3600)
	// 2026-11-26 08:00 in Tokyo is 2026-11-25 23:00 UTC.
	a := time.Date(2026, 11, 26, 8, 0, 0, 0, tokyo)
	// 2026-11-25 17:00 in UTC-8 is 2026-11-26 01:00 UTC.
	b := time.Date(2026, 11, 25, 17, 0, 0, 0, pacific)
	appendUsage(t, s,
		rec(1, "m", "k", a, 1, 0, 0, store.OutcomeOK),
		rec(1, "m", "k", b, 2, 0, 0, store.OutcomeOK),
		rec(1, "m", "k", fineTime, 4, 0, 0, store.OutcomeOK),
	)
	d25 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	got := summarize(t, s, d25.In(tokyo), d25.Add(48*time.Hour).In(pacific))
	requireBuckets(t, []store.UsageBucket{
		{UserID: 1, Model: "m", KeyID: "k", Day: d25, UsageTotals: store.UsageTotals{Requests: 1, PromptTokens: 1}},
		{UserID: 1, Model: "m", KeyID: "k", Day: d25.Add(24 * time.Hour), UsageTotals: store.UsageTotals{Requests: 1, PromptTokens: 2}},
	}, got)
	// fineTime is 2026-03-01 23:30 at UTC+8: 15:30 UTC on the same day.
	got = summarize(t, s, fineTime.Add(-time.Second), fineTime.Add(time.Second))
	requireBuckets(t, []store.UsageBucket{
		{UserID: 1, Model: "m", KeyID: "k", Day: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), UsageTotals: store.UsageTotals{Requests: 1, PromptTokens: 4}},
	}, got)
}

func usageTricky(t *testing.T, s store.Store) {
	for i, x := range tricky {
		appendUsage(t, s, rec(1, x, x, base.Add(time.Duration(i)*time.Second), int64(i), 0, 0, x))
	}
	got := summarize(t, s, base, base.Add(time.Hour))
	require.Len(t, got, len(tricky))
	seen := map[string]bool{}
	for _, g := range got {
		require.Equal(t, g.Model, g.KeyID)
		require.EqualValues(t, 1, g.Errors, "outcome %q is not ok", g.Model)
		seen[g.Model] = true
	}
	for _, x := range tricky {
		require.True(t, seen[x], "model %q did not round-trip", x)
	}
	for i := 1; i < len(got); i++ {
		require.LessOrEqual(t, got[i-1].Model, got[i].Model, "buckets ordered by model")
	}
}

func usageInvalid(t *testing.T, s store.Store) {
	good := rec(1, "m", "k", base, 1, 1, time.Millisecond, store.OutcomeOK)
	appendUsage(t, s, good)
	bad := map[string]store.UsageRecord{
		"zero time":              rec(1, "m", "k", time.Time{}, 1, 1, 0, store.OutcomeOK),
		"negative prompt tokens": rec(1, "m", "k", base, -1, 1, 0, store.OutcomeOK),
		"negative output tokens": rec(1, "m", "k", base, 1, -1, 0, store.OutcomeOK),
		"negative latency":       rec(1, "m", "k", base, 1, 1, -time.Second, store.OutcomeOK),
	}
	for name, r := range bad {
		requireErrorIs(t, s.AppendUsage(ctx(t), r), store.ErrInvalid, name)
	}
	requireBuckets(t, []store.UsageBucket{{UserID: 1, Model: "m", KeyID: "k", Day: store.DayUTC(base),
		UsageTotals: store.UsageTotals{Requests: 1, PromptTokens: 1, OutputTokens: 1, Latency: time.Millisecond}}},
		summarize(t, s, base.Add(-365*24*time.Hour), base.Add(time.Hour)))
}

func usageConcurrent(t *testing.T, s store.Store) {
	const writers, each = 16, 25
	parallel(writers, func(w int) {
		for i := range each {
			r := rec(int64(w%4+1), "m", "k", base.Add(time.Duration(i)*time.Minute), 1, 2, time.Millisecond, store.OutcomeOK)
			if err := s.AppendUsage(ctx(t), r); err != nil {
				t.Errorf("AppendUsage: %v", err)
			}
		}
	})
	got := summarize(t, s, base, base.Add(24*time.Hour))
	require.Len(t, got, 4)
	for i, g := range got {
		require.EqualValues(t, i+1, g.UserID)
		n := int64(writers / 4 * each)
		require.Equal(t, store.UsageTotals{Requests: n, PromptTokens: n, OutputTokens: 2 * n, Latency: time.Duration(n) * time.Millisecond}, g.UsageTotals)
	}
}
