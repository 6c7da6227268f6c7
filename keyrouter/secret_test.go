package keyrouter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretsNeverPrinted prints every exported value that holds or is
// near a secret with every verb, slog and JSON, and looks for the secret.
func TestSecretsNeverPrinted(t *testing.T) {
	const secret = Secret("AIzaSyTOPSECRET0123456789abcdefghijklmn")
	short := Secret("tiny-secret-1")
	keys := []Key{{Secret: secret, Group: "A", Project: "p", Weight: 2, Limits: Limits{RPM: 1},
		Models: map[string]Limits{"m": {RPM: 1}}}, {Secret: short}}
	var changes []StateChange
	r, clk := newTestRouter(t, keys, Options{OnStateChange: func(c StateChange) { changes = append(changes, c) }})
	l := mustAcquire(t, r, now(t, clk), Request{Model: "m", Groups: []string{"A"}})
	require.Equal(t, secret, l.Secret())
	_, noKey := r.Acquire(now(t, clk), Request{Model: "m", Groups: []string{"A"}})
	require.Error(t, noKey)
	l.Release(Outcome{Verdict: DeadKey, Err: errors.New("API key not valid")})
	_, parseErr := ParseKeys("A:p:" + string(secret) + "*x")
	require.Error(t, parseErr)
	_, dupErr := New([]Key{keys[0], keys[0]}, Options{})
	require.Error(t, dupErr)

	values := map[string]any{
		"Secret": secret, "*Secret": &[]Secret{secret}[0], "Key": keys[0], "*Key": &keys[0], "[]Key": keys,
		"Keys()": r.Keys(), "Lease": l, "Stats": r.Stats(), "NoKeyError": noKey, "ParseError": parseErr,
		"DupError": dupErr, "Options": Options{Tiers: map[string][]string{"a": {"A"}}},
		"StateChanges": changes, "Outcome": Outcome{Verdict: DeadKey, Err: noKey},
		"Router": r, "map": map[string]any{"k": keys[0], "s": secret},
		"struct": struct {
			K Key
			S Secret
		}{keys[0], secret},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3s", "%-40v"}
	check := func(what, out string) {
		t.Helper()
		for _, s := range []Secret{secret, short} {
			if strings.Contains(out, string(s)) || strings.Contains(out, fmt.Sprintf("%x", string(s))) ||
				strings.Contains(out, string(s)[:12]) {
				t.Errorf("%s shows a secret: %s", what, out)
			}
		}
	}
	for name, v := range values {
		for _, verb := range verbs {
			check(name+" "+verb, fmt.Sprintf(verb, v))
		}
		js, err := json.Marshal(v)
		if err == nil {
			check(name+" JSON", string(js))
		}
		for _, h := range []func(*bytes.Buffer) slog.Handler{
			func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
			func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		} {
			var buf bytes.Buffer
			slog.New(h(&buf)).Info("x", "v", v)
			check(name+" slog", buf.String())
		}
	}
	for _, err := range []error{noKey, parseErr, dupErr} {
		check("error", err.Error())
	}
	check("fingerprint", Fingerprint(secret))
	check("String", secret.String()+secret.GoString()+keys[0].String()+keys[0].GoString())
	assert.Equal(t, "[REDACTED]", secret.String())
	assert.Equal(t, "verdict(99)", Verdict(99).String())
	assert.Equal(t, "unknown", KeyState(99).String())
	assert.Equal(t, "unknown", BreakerState(9).String())
	assert.Equal(t, "half-open", BreakerHalfOpen.String())
	assert.Equal(t, `"[REDACTED]"`, string(must(json.Marshal(secret))))
	txt, _ := secret.MarshalText()
	assert.Equal(t, "[REDACTED]", string(txt))
	assert.Regexp(t, `^k-[0-9a-f]{8}$`, Fingerprint(secret))
	assert.Equal(t, Fingerprint(secret), Fingerprint(secret), "IDs are stable")
	assert.NotEqual(t, Fingerprint(secret), Fingerprint(short))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
