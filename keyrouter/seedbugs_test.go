package keyrouter

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeedBugs has one case for each fault of the bot this package
// replaces.
func TestSeedBugs(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"random group instead of the tier's order", func(t *testing.T) {
			keys := append(makeKeys(3, "a", "A", "", Limits{}), makeKeys(3, "b", "B", "", Limits{})...)
			r, clk := newTestRouter(t, keys, Options{Tiers: map[string][]string{"owner": {"A", "B"}}})
			for range 50 {
				l := mustAcquire(t, r, now(t, clk), Request{Tier: "owner", Model: "m"})
				assert.Equal(t, "A", l.Group())
				l.Release(Outcome{})
			}
		}},
		{"random key instead of the most headroom", func(t *testing.T) {
			r, clk := newTestRouter(t, makeKeys(10, "k", "A", "", Limits{RPM: 30}), Options{})
			uses := map[string]int{}
			for range 200 {
				l := mustAcquire(t, r, now(t, clk), Request{Model: "m"})
				uses[l.KeyID()]++
				l.Release(Outcome{})
			}
			for id, n := range uses {
				assert.InDelta(t, 20, n, 6, "key %s", id)
			}
		}},
		{"10 s between uses of a key", func(t *testing.T) {
			r, clk := newTestRouter(t, makeKeys(1, "s", "A", "", Limits{RPM: 10}), Options{})
			for i := range 10 {
				l, err := r.Acquire(now(t, clk), Request{Model: "m"})
				require.NoError(t, err, "call %d in the same second", i)
				l.Release(Outcome{})
			}
		}},
		{"blacklisted after any 3 errors, bad prompts included", func(t *testing.T) {
			r, clk := newTestRouter(t, makeKeys(1, "e", "A", "", Limits{}), Options{})
			for _, v := range []Verdict{BadRequest, BadRequest, BadRequest, Canceled, Transient, Transient, Transient} {
				mustAcquire(t, r, now(t, clk), Request{Model: "m"}).Release(Outcome{Verdict: v})
			}
			mustAcquire(t, r, now(t, clk), Request{Model: "m"}).Release(Outcome{})
		}},
		{"blacklisted for an hour", func(t *testing.T) {
			r, clk := newTestRouter(t, makeKeys(1, "h", "A", "", Limits{}), Options{BreakerFailures: 3})
			for range 3 {
				mustAcquire(t, r, now(t, clk), Request{Model: "m"}).Release(Outcome{Verdict: Transient})
			}
			_, err := r.Acquire(now(t, clk), Request{Model: "m"})
			require.ErrorIs(t, err, ErrNoKey)
			clk.Advance(DefaultBreakerTimeout)
			mustAcquire(t, r, now(t, clk), Request{Model: "m"}).Release(Outcome{})
			assert.Less(t, DefaultBreakerTimeout, time.Hour)
		}},
		{"never tried another group", func(t *testing.T) {
			keys := append(makeKeys(1, "a", "A", "", Limits{RPM: 1}), makeKeys(1, "b", "B", "", Limits{})...)
			r, clk := newTestRouter(t, keys, Options{Tiers: map[string][]string{"vip": {"Z", "A", "B"}}})
			var groups []string
			for range 3 {
				l := mustAcquire(t, r, now(t, clk), Request{Tier: "vip", Model: "m"})
				groups = append(groups, l.Group())
				l.Release(Outcome{})
			}
			assert.Equal(t, []string{"A", "B", "B"}, groups)
		}},
		{"logged the first 20 characters of each key", func(t *testing.T) {
			secret := Secret("AIzaSyPREFIXPREFIX01-and-the-rest")
			r, clk := newTestRouter(t, []Key{{Secret: secret}}, Options{})
			l := mustAcquire(t, r, now(t, clk), Request{Model: "m"})
			out := fmt.Sprintf("%v %+v %v %s", l, r.Stats(), r.Keys(), secret)
			assert.NotContains(t, out, string(secret[:20]))
			assert.NotContains(t, out, string(secret[:8]))
			l.Release(Outcome{})
		}},
		{"panicked on keys shorter than 20 characters", func(t *testing.T) {
			keys, err := ParseKeys("k, A:p:xy")
			require.NoError(t, err)
			r, clk := newTestRouter(t, keys, Options{})
			for range 4 {
				mustAcquire(t, r, now(t, clk), Request{Model: "m"}).Release(Outcome{})
			}
			assert.NotPanics(t, func() { _ = fmt.Sprint(r.Stats(), keys) })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.run)
	}
}
