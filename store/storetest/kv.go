package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var kvCases = []testCase{
	{"Missing", kvMissing},
	{"SetGet", kvSetGet},
	{"Overwrite", kvOverwrite},
	{"Delete", kvDelete},
	{"TTL", kvTTL},
	{"OverwriteChangesTTL", kvOverwriteTTL},
	{"BinaryValues", kvBinary},
	{"TrickyKeysAndValues", kvTricky},
	{"BigValue", kvBig},
	{"NoAliasing", kvNoAliasing},
	{"Invalid", kvInvalid},
	{"ConcurrentSets", kvConcurrent},
}

func getValue(t testing.TB, s store.Store, key string, now time.Time) []byte {
	t.Helper()
	v, err := s.GetValue(ctx(t), key, now)
	require.NoError(t, err, key)
	return v
}

func setValue(t testing.TB, s store.Store, key string, v []byte, ttl time.Duration, now time.Time) {
	t.Helper()
	require.NoError(t, s.SetValue(ctx(t), key, v, ttl, now), key)
}

func requireMissing(t testing.TB, s store.Store, key string, now time.Time, msg string) {
	t.Helper()
	_, err := s.GetValue(ctx(t), key, now)
	requireErrorIs(t, err, store.ErrNotFound, msg)
}

func kvMissing(t *testing.T, s store.Store) {
	requireMissing(t, s, "offset", base, "a missing key")
	require.NoError(t, s.DeleteValue(ctx(t), "offset"), "deleting a missing key")
}

func kvSetGet(t *testing.T, s store.Store) {
	setValue(t, s, "offset", []byte("123456789"), 0, base)
	require.Equal(t, []byte("123456789"), getValue(t, s, "offset", base))
	setValue(t, s, "empty", []byte{}, 0, base)
	require.Empty(t, getValue(t, s, "empty", base), "an empty value")
	setValue(t, s, "nil", nil, 0, base)
	require.Empty(t, getValue(t, s, "nil", base), "a nil value is stored as empty")
	// Without a TTL a value never expires.
	require.Equal(t, []byte("123456789"), getValue(t, s, "offset", base.Add(100*365*24*time.Hour)))
}

func kvOverwrite(t *testing.T, s store.Store) {
	setValue(t, s, "k", []byte("a long first value"), 0, base)
	setValue(t, s, "k", []byte("short"), 0, base)
	require.Equal(t, []byte("short"), getValue(t, s, "k", base))
}

func kvDelete(t *testing.T, s store.Store) {
	setValue(t, s, "k", []byte("v"), 0, base)
	setValue(t, s, "k2", []byte("v2"), time.Hour, base)
	require.NoError(t, s.DeleteValue(ctx(t), "k"))
	requireMissing(t, s, "k", base, "after delete")
	require.NoError(t, s.DeleteValue(ctx(t), "k"), "deleting twice")
	require.Equal(t, []byte("v2"), getValue(t, s, "k2", base))
	require.NoError(t, s.DeleteValue(ctx(t), "k2"))
	requireMissing(t, s, "k2", base, "after deleting a value with a TTL")
}

func kvTTL(t *testing.T, s store.Store) {
	setValue(t, s, "k", []byte("v"), time.Hour, base)
	require.Equal(t, []byte("v"), getValue(t, s, "k", base.Add(time.Hour-time.Millisecond)))
	requireMissing(t, s, "k", base.Add(time.Hour), "a value has expired at now+ttl")
	requireMissing(t, s, "k", base.Add(2*time.Hour), "long after expiry")
	require.NoError(t, s.DeleteValue(ctx(t), "k"), "deleting an expired value")
	// An expired key can be set again.
	setValue(t, s, "k", []byte("again"), time.Minute, base.Add(2*time.Hour))
	require.Equal(t, []byte("again"), getValue(t, s, "k", base.Add(2*time.Hour+time.Second)))
}

func kvOverwriteTTL(t *testing.T, s store.Store) {
	setValue(t, s, "k", []byte("v1"), time.Hour, base)
	setValue(t, s, "k", []byte("v2"), 0, base.Add(time.Minute))
	require.Equal(t, []byte("v2"), getValue(t, s, "k", base.Add(10*time.Hour)), "ttl 0 removes an earlier expiry")
	setValue(t, s, "k", []byte("v3"), time.Minute, base.Add(10*time.Hour))
	requireMissing(t, s, "k", base.Add(10*time.Hour+time.Minute), "a TTL on overwrite")
}

func kvBinary(t *testing.T, s store.Store) {
	values := [][]byte{
		{0}, {0, 0, 0}, {0xff, 0xfe, 0x00, 0x80}, []byte("nul\x00inside"), []byte("\xc3\x28 invalid utf-8"),
		[]byte(`{"json": "value", "n": 1}`), bytes.Repeat([]byte{0}, 1024),
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	values = append(values, all)
	for i, v := range values {
		setValue(t, s, fmt.Sprint("bin", i), v, 0, base)
	}
	for i, v := range values {
		require.Equal(t, v, getValue(t, s, fmt.Sprint("bin", i), base), "value %d", i)
	}
}

func kvTricky(t *testing.T, s store.Store) {
	for _, x := range tricky {
		setValue(t, s, x, []byte(x), 0, base)
	}
	for _, x := range tricky {
		require.Equal(t, []byte(x), getValue(t, s, x, base))
	}
	for _, k := range []string{"k", "K", "k%", "k_", "k*", "k?"} {
		setValue(t, s, k, []byte(k), 0, base)
	}
	require.NoError(t, s.DeleteValue(ctx(t), "k%"))
	require.NoError(t, s.DeleteValue(ctx(t), "k*"))
	requireMissing(t, s, "k%", base, "deleted")
	for _, k := range []string{"k", "K", "k_", "k?"} {
		require.Equal(t, []byte(k), getValue(t, s, k, base), "deleting a pattern-like key deleted %q", k)
	}
}

func kvBig(t *testing.T, s store.Store) {
	v := []byte(bigText(100 << 10))
	v[len(v)/2] = 0
	setValue(t, s, "big", v, time.Hour, base)
	require.Equal(t, v, getValue(t, s, "big", base))
}

func kvNoAliasing(t *testing.T, s store.Store) {
	in := []byte("value")
	setValue(t, s, "k", in, 0, base)
	in[0] = 'X'
	got := getValue(t, s, "k", base)
	require.Equal(t, []byte("value"), got, "the store kept the caller's slice")
	got[0] = 'Y'
	require.Equal(t, []byte("value"), getValue(t, s, "k", base), "the store returned its own slice")
}

func kvInvalid(t *testing.T, s store.Store) {
	setValue(t, s, "k", []byte("v"), time.Hour, base)
	requireErrorIs(t, s.SetValue(ctx(t), "", []byte("x"), 0, base), store.ErrInvalid, "SetValue with an empty key")
	requireErrorIs(t, s.SetValue(ctx(t), "k", []byte("x"), -time.Second, base), store.ErrInvalid, "SetValue with a negative TTL")
	requireErrorIs(t, s.SetValue(ctx(t), "new", []byte("x"), -time.Second, base), store.ErrInvalid, "SetValue with a negative TTL")
	_, err := s.GetValue(ctx(t), "", base)
	requireErrorIs(t, err, store.ErrInvalid, "GetValue with an empty key")
	requireErrorIs(t, s.DeleteValue(ctx(t), ""), store.ErrInvalid, "DeleteValue with an empty key")
	require.Equal(t, []byte("v"), getValue(t, s, "k", base.Add(time.Hour-time.Millisecond)))
	requireMissing(t, s, "k", base.Add(time.Hour), "an invalid call changed the TTL")
	requireMissing(t, s, "new", base, "an invalid call stored a value")
}

func kvConcurrent(t *testing.T, s store.Store) {
	const writers = 32
	parallel(writers, func(i int) {
		v := bytes.Repeat([]byte{byte('a' + i%26)}, 1000+i)
		assert.NoError(t, s.SetValue(ctx(t), "shared", v, 0, base))
		assert.NoError(t, s.SetValue(ctx(t), fmt.Sprint("own", i), v, 0, base))
	})
	got := getValue(t, s, "shared", base)
	require.GreaterOrEqual(t, len(got), 1000)
	i := len(got) - 1000
	require.Equal(t, bytes.Repeat([]byte{byte('a' + i%26)}, 1000+i), got, "a value mixed from several writes")
	for i := range writers {
		require.Len(t, getValue(t, s, fmt.Sprint("own", i), base), 1000+i)
	}
}
