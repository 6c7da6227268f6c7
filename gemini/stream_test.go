package gemini_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

const answer8 = "aaaa bbbb cccc dddd eeee ffff gggg hhhh"

func TestStreamDeliversChunksAndHoldsTheLease(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1, server: geminitest.Options{Chunks: 8, Answer: geminitest.Text(answer8)}})
	s := e.client.Stream(context.Background(), &gemini.Request{Text: "go"})
	var pieces []string
	for s.Next() {
		pieces = append(pieces, s.Text())
		assert.Equal(t, 1, e.inFlight(), "the key is leased while the stream runs")
	}
	require.NoError(t, s.Err())
	assert.Len(t, pieces, 8)
	assert.Equal(t, answer8, strings.Join(pieces, ""))
	res := s.Result()
	assert.Equal(t, answer8, res.Text)
	assert.Equal(t, "STOP", res.FinishReason)
	assert.Equal(t, "key00", res.KeyID)
	assert.Equal(t, gemini.DefaultModels[0], res.Model)
	assert.Equal(t, geminitest.EstimateTokens(answer8), res.Usage.Output)
	assert.Equal(t, res.Usage.Prompt+res.Usage.Output, res.Usage.Total)
	assert.Zero(t, e.inFlight())
	assert.False(t, s.Next(), "Next after the end")
	require.NoError(t, s.Close())
}

func TestStreamInterrupted(t *testing.T) {
	tests := []struct {
		name  string
		fault geminitest.Fault
	}{
		{"error event", geminitest.Fault{Kind: geminitest.FaultMidStream, AfterChunks: 3}},
		{"overloaded event", geminitest.Fault{Kind: geminitest.FaultMidStream, AfterChunks: 3, Status: 503}},
		{"dropped connection", geminitest.Fault{Kind: geminitest.FaultDrop, AfterChunks: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{keys: 2, server: geminitest.Options{Chunks: 8, Answer: geminitest.Text(answer8)}})
			e.srv.Inject(tt.fault)
			s := e.client.Stream(context.Background(), &gemini.Request{Models: []string{"a", "b"}, Text: "go"})
			var got strings.Builder
			for s.Next() {
				got.WriteString(s.Text())
			}
			err := s.Err()
			require.ErrorIs(t, err, gemini.ErrInterrupted)
			var ce *gemini.CallError
			require.ErrorAs(t, err, &ce)
			assert.True(t, ce.Interrupted)
			assert.Equal(t, keyrouter.Transient, ce.Verdict)
			assert.Equal(t, "aaaa bbbb cccc ", got.String())
			assert.Equal(t, got.String(), s.Result().Text)
			assert.Empty(t, s.Result().FinishReason)
			assert.Len(t, e.srv.Calls(), 1, "no failover once text reached the caller")
			assert.Zero(t, e.inFlight())
			assert.Equal(t, int64(1), e.failures(ce.KeyID)[keyrouter.Transient])
		})
	}
}

func TestStreamFuncInterruptedAndStopped(t *testing.T) {
	e := newEnv(t, envOptions{keys: 2, server: geminitest.Options{Chunks: 8, Answer: geminitest.Text(answer8)}})
	e.srv.Inject(geminitest.Fault{Kind: geminitest.FaultMidStream, AfterChunks: 3, Times: 1})
	var got strings.Builder
	res, err := e.client.StreamFunc(context.Background(), &gemini.Request{Text: "go"}, func(text string) error {
		got.WriteString(text)
		return nil
	})
	require.ErrorIs(t, err, gemini.ErrInterrupted)
	assert.Equal(t, "aaaa bbbb cccc ", got.String())
	assert.Equal(t, got.String(), res.Text)

	stop := errors.New("enough")
	got.Reset()
	res, err = e.client.StreamFunc(context.Background(), &gemini.Request{Text: "go"}, func(text string) error {
		got.WriteString(text)
		if got.Len() >= 10 {
			return stop
		}
		return nil
	})
	assert.Same(t, stop, err)
	assert.Equal(t, "aaaa bbbb ", res.Text)
	assert.Zero(t, e.inFlight())
	var transient int64
	for _, k := range e.router.Stats() {
		transient += k.Failures[keyrouter.Transient]
	}
	assert.Equal(t, int64(1), transient, "only the interrupted stream blames its key")
}

func TestStreamCloseEarly(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1, server: geminitest.Options{Chunks: 8, Answer: geminitest.Text(answer8)}})
	s := e.client.Stream(context.Background(), &gemini.Request{Text: "go"})
	require.True(t, s.Next())
	require.True(t, s.Next())
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.False(t, s.Next())
	assert.ErrorIs(t, s.Err(), context.Canceled)
	assert.Equal(t, "aaaa bbbb ", s.Result().Text)
	assert.Zero(t, e.inFlight())
	assert.Zero(t, e.router.Stats()[0].Failures[keyrouter.Transient], "closing is not the key's fault")

	unopened := e.client.Stream(context.Background(), &gemini.Request{Text: "go"})
	require.NoError(t, unopened.Close())
	assert.False(t, unopened.Next())
	assert.Len(t, e.srv.Calls(), 1, "a stream closed before Next sends nothing")
}
