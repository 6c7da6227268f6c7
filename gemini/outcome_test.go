package gemini_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// modes are the three ways to call: Generate, Stream, StreamFunc.
var modes = []string{"generate", "stream", "func"}

// run calls Generate, Stream or StreamFunc and returns the text, the result
// and the error.
func run(e *env, mode string, req *gemini.Request) (string, gemini.Result, error) {
	if mode == "func" {
		var b strings.Builder
		res, err := e.client.StreamFunc(context.Background(), req, func(text string) error {
			b.WriteString(text)
			return nil
		})
		if res == nil {
			return b.String(), gemini.Result{}, err
		}
		return b.String(), *res, err
	}
	if mode == "generate" {
		res, err := e.client.Generate(context.Background(), req)
		if res == nil {
			return "", gemini.Result{}, err
		}
		return res.Text, *res, err
	}
	s := e.client.Stream(context.Background(), req)
	defer s.Close()
	var b strings.Builder
	for s.Next() {
		b.WriteString(s.Text())
	}
	return b.String(), s.Result(), s.Err()
}

func TestAnswerOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		fault     geminitest.FaultKind
		maxTokens int
		check     func(t *testing.T, text string, res gemini.Result, err error)
	}{
		{"complete", 0, 0, func(t *testing.T, text string, res gemini.Result, err error) {
			require.NoError(t, err)
			assert.Equal(t, "one two three four five six seven eight", text)
			assert.Equal(t, "STOP", res.FinishReason)
		}},
		{"prompt blocked", geminitest.FaultBlockedPrompt, 0, func(t *testing.T, text string, res gemini.Result, err error) {
			require.ErrorIs(t, err, gemini.ErrBlocked)
			var be *gemini.BlockedError
			require.ErrorAs(t, err, &be)
			assert.True(t, be.Prompt)
			assert.Equal(t, "SAFETY", be.Reason)
			assert.Empty(t, text)
			assert.Equal(t, "key00", res.KeyID)
			assert.NotZero(t, res.Usage.Prompt)
		}},
		{"answer stopped for safety", geminitest.FaultSafety, 0, func(t *testing.T, text string, res gemini.Result, err error) {
			require.ErrorIs(t, err, gemini.ErrBlocked)
			var be *gemini.BlockedError
			require.ErrorAs(t, err, &be)
			assert.False(t, be.Prompt)
			assert.Equal(t, "SAFETY", be.Reason)
			assert.Equal(t, "SAFETY", res.FinishReason)
			assert.True(t, strings.HasPrefix("one two three four five six seven eight", text))
		}},
		{"truncated by the fault", geminitest.FaultMaxTokens, 0, func(t *testing.T, text string, res gemini.Result, err error) {
			require.NoError(t, err)
			assert.True(t, res.Truncated)
			assert.Equal(t, "MAX_TOKENS", res.FinishReason)
			assert.NotEmpty(t, text)
		}},
		{"truncated by MaxOutputTokens", 0, 3, func(t *testing.T, text string, res gemini.Result, err error) {
			require.NoError(t, err)
			assert.True(t, res.Truncated)
			assert.True(t, strings.HasPrefix("one two three four five six seven eight", text), text)
			assert.LessOrEqual(t, geminitest.EstimateTokens(text), 3)
			assert.Equal(t, geminitest.EstimateTokens(text), res.Usage.Output)
		}},
		{"empty", geminitest.FaultEmpty, 0, func(t *testing.T, text string, res gemini.Result, err error) {
			require.ErrorIs(t, err, gemini.ErrEmpty)
			assert.False(t, errors.Is(err, gemini.ErrBlocked))
			assert.Equal(t, "key00", res.KeyID)
		}},
	}
	for _, tt := range tests {
		for _, mode := range modes {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				e := newEnv(t, envOptions{keys: 1, server: geminitest.Options{Chunks: 4,
					Answer: geminitest.Text("one two three four five six seven eight")}})
				if tt.fault != 0 {
					e.srv.Inject(geminitest.Fault{Kind: tt.fault})
				}
				text, res, err := run(e, mode, &gemini.Request{Text: "go", MaxOutputTokens: tt.maxTokens})
				tt.check(t, text, res, err)
				assert.Equal(t, text, res.Text)
				assert.Len(t, e.srv.Calls(), 1, "answers are not retried")
				assert.Equal(t, int64(1), e.router.Stats()[0].Successes)
				assert.Zero(t, e.inFlight())
			})
		}
	}
}

func TestNoKey(t *testing.T) {
	clock := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, envOptions{keys: 2, project: func(int) string { return "P" },
		router: keyrouter.Options{Now: func() time.Time { return clock }}})
	e.srv.Inject(geminitest.Fault{Kind: geminitest.FaultRateLimited, RetryDelay: 30 * time.Second, Model: "a"})
	e.srv.Inject(geminitest.Fault{Kind: geminitest.FaultRateLimited, RetryDelay: 10 * time.Second, Model: "b"})
	for i, mode := range []string{"generate", "stream", "func", "generate"} {
		if i == 1 {
			require.Len(t, e.srv.Calls(), 2, "one 429 per model, then the project cools")
			e.srv.ResetCalls()
		}
		_, _, err := run(e, mode, &gemini.Request{Models: []string{"a", "b"}, Text: "x"})
		require.ErrorIs(t, err, gemini.ErrNoKey)
		require.ErrorIs(t, err, keyrouter.ErrNoKey)
		var nk *gemini.NoKeyError
		require.ErrorAs(t, err, &nk)
		assert.Equal(t, []string{"a", "b"}, nk.Models)
		assert.True(t, clock.Add(10*time.Second).Equal(nk.FreeAt), "the earliest of the models: %v", nk.FreeAt)
		var rk *keyrouter.NoKeyError
		require.ErrorAs(t, err, &rk)
		assert.Equal(t, "b", rk.Model)
	}
	assert.Empty(t, e.srv.Calls(), "cooling keys are not called")
	assert.Zero(t, e.inFlight())
}

// TestNoSecretInErrors drives every failure with a key-shaped secret and
// checks that the secret appears nowhere in what the caller gets.
func TestNoSecretInErrors(t *testing.T) {
	kinds := []geminitest.FaultKind{geminitest.FaultSuspendedKey, geminitest.FaultInvalidKey, geminitest.FaultLeakedKey,
		geminitest.FaultBadRequest, geminitest.FaultInternal, geminitest.FaultDrop, geminitest.FaultMidStream}
	for _, k := range kinds {
		for _, mode := range modes {
			t.Run(fmt.Sprintf("%s/%s", k, mode), func(t *testing.T) {
				e := newEnv(t, envOptions{keys: 1})
				e.srv.Inject(geminitest.Fault{Kind: k})
				_, _, err := run(e, mode, &gemini.Request{Models: []string{"m"}, Text: "x"})
				require.Error(t, err)
				secret := secretOf("key00")
				for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					assert.NotContains(t, s, secret)
					assert.NotContains(t, s, "AIza")
				}
				for u := err; u != nil; u = errors.Unwrap(u) {
					assert.NotContains(t, u.Error(), secret)
				}
				var api genai.APIError
				if errors.As(err, &api) {
					assert.NotContains(t, fmt.Sprint(api.Message, api.Details), secret)
				}
				var ce *gemini.CallError
				require.ErrorAs(t, err, &ce)
				assert.NotContains(t, ce.Err.Error(), secret)
			})
		}
	}
}

func TestSuspendedMessageIsScrubbed(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1})
	e.srv.Inject(geminitest.Fault{Kind: geminitest.FaultSuspendedKey})
	_, err := e.client.Generate(context.Background(), &gemini.Request{Models: []string{"m"}, Text: "x"})
	var api genai.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "Permission denied: Consumer 'api_key:[REDACTED]' has been suspended.", api.Message)
	assert.Equal(t, "CONSUMER_SUSPENDED", api.Details[0]["reason"])
	assert.Equal(t, keyrouter.DeadKey, gemini.Classify(err).Verdict, "the scrubbed error classifies the same")
}

func TestContextCanceled(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.client.Generate(ctx, &gemini.Request{Text: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	s := e.client.Stream(ctx, &gemini.Request{Text: "x"})
	assert.False(t, s.Next())
	assert.ErrorIs(t, s.Err(), context.Canceled)
	assert.Zero(t, e.inFlight())
}

func TestSlowFirstByteCanceled(t *testing.T) {
	waiting := make(chan struct{}, 1)
	e := newEnv(t, envOptions{keys: 2, server: geminitest.Options{Sleep: func(ctx context.Context, d time.Duration) error {
		waiting <- struct{}{} // the fake holds the first byte back until the call ends
		<-ctx.Done()
		return ctx.Err()
	}}})
	e.srv.Inject(geminitest.Fault{Kind: geminitest.FaultSlowFirstByte, Delay: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	s := e.client.Stream(ctx, &gemini.Request{Models: []string{"m"}, Text: "x"})
	go func() {
		<-waiting
		cancel()
	}()
	assert.False(t, s.Next())
	assert.ErrorIs(t, s.Err(), context.Canceled)
	assert.Len(t, e.srv.Calls(), 1, "a canceled call is not retried")
	assert.Zero(t, e.inFlight())
	for _, k := range e.router.Stats() {
		assert.Zero(t, k.Failures[keyrouter.Transient], "the key is not blamed")
	}
}

func TestInvalidRequest(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1})
	for _, req := range []*gemini.Request{nil, {}, {Text: "x", History: []gemini.Turn{{Role: "system"}}}} {
		_, err := e.client.Generate(context.Background(), req)
		assert.ErrorIs(t, err, gemini.ErrInvalidRequest)
	}
	assert.Empty(t, e.srv.Calls())
}

func TestCountTokens(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1})
	n, err := e.client.CountTokens(context.Background(), &gemini.Request{
		Models: []string{"m"}, System: "sys", Text: "hello world", Images: []gemini.Image{{MIMEType: "image/png", Data: []byte{1}}}})
	require.NoError(t, err)
	assert.Equal(t, geminitest.EstimateTokens("sys")+geminitest.EstimateTokens("hello world")+258, n)
	c := e.srv.Calls()[0]
	assert.Equal(t, "countTokens", c.Method)
	assert.Equal(t, "sys", c.Contents[0].Text)
	assert.Zero(t, e.inFlight())
}

// TestRotation replaces the router's keys: the next call uses the new key
// without a restart, and the old key is not called again.
func TestRotation(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1})
	_, err := e.client.Generate(context.Background(), &gemini.Request{Text: "x"})
	require.NoError(t, err)
	e.srv.RemoveKey(secretOf("key00"))
	const rotated = "AIzaSy-rotated-secret-00000000000000000"
	e.srv.AddKey("new", rotated, "")
	require.NoError(t, e.router.SetKeys([]keyrouter.Key{{Secret: rotated}}))
	for range 3 {
		res, err := e.client.Generate(context.Background(), &gemini.Request{Text: "x"})
		require.NoError(t, err)
		assert.Equal(t, keyrouter.Fingerprint(rotated), res.KeyID)
	}
	calls := e.srv.Calls()
	assert.Equal(t, []string{"key00", "new", "new", "new"}, []string{calls[0].KeyID, calls[1].KeyID, calls[2].KeyID, calls[3].KeyID})
}
