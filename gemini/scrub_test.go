package gemini_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// TestKeyTravelsInTheHeader checks where genai puts the key: in the
// x-goog-api-key header, never in the URL.
func TestKeyTravelsInTheHeader(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1})
	_, err := e.client.Generate(context.Background(), &gemini.Request{Text: "x"})
	require.NoError(t, err)
	s := e.client.Stream(context.Background(), &gemini.Request{Text: "x"})
	for s.Next() {
	}
	require.NoError(t, s.Err())
	_, err = e.client.CountTokens(context.Background(), &gemini.Request{Text: "x"})
	require.NoError(t, err)
	for _, c := range e.srv.Calls() {
		assert.Equal(t, "header", c.KeyFrom, c.Method)
	}
}

// leakyTransport fails every request with an error that quotes the key, as a
// proxy or a custom transport might.
type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy refused %s?key=%s: %w", r.URL, r.Header.Get("x-goog-api-key"), context.DeadlineExceeded)
}

func TestTransportErrorsAreScrubbed(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1, client: gemini.Options{HTTPClient: &http.Client{Transport: leakyTransport{}}}})
	for _, mode := range modes {
		_, _, err := run(e, mode, &gemini.Request{Models: []string{"m"}, Text: "x"})
		require.Error(t, err)
		secret := secretOf("key00")
		assert.NotContains(t, err.Error(), secret)
		assert.Contains(t, err.Error(), "[REDACTED]")
		for u := err; u != nil; u = errors.Unwrap(u) {
			assert.NotContains(t, u.Error(), secret)
		}
		var ce *gemini.CallError
		require.ErrorAs(t, err, &ce)
		assert.NotContains(t, ce.Err.Error(), secret)
		assert.ErrorIs(t, ce.Err, context.DeadlineExceeded, "the sentinel survives scrubbing")
		assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), secret)
	}
	// A deadline that is not the caller's is the key's transient failure.
	assert.Equal(t, int64(len(modes)), e.failures("key00")[keyrouter.Transient])
}
