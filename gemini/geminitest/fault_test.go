package geminitest_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

func TestFaultsUnary(t *testing.T) {
	tests := []struct {
		fault  geminitest.Fault
		code   int    // want an APIError with this code; 0 = a response
		status string // APIError status
		check  func(t *testing.T, resp *genai.GenerateContentResponse)
	}{
		{fault: geminitest.Fault{Kind: geminitest.FaultInvalidKey}, code: 400, status: "INVALID_ARGUMENT"},
		{fault: geminitest.Fault{Kind: geminitest.FaultSuspendedKey}, code: 403, status: "PERMISSION_DENIED"},
		{fault: geminitest.Fault{Kind: geminitest.FaultLeakedKey}, code: 403, status: "PERMISSION_DENIED"},
		{fault: geminitest.Fault{Kind: geminitest.FaultBadRequest}, code: 400, status: "INVALID_ARGUMENT"},
		{fault: geminitest.Fault{Kind: geminitest.FaultInternal}, code: 500, status: "INTERNAL"},
		{fault: geminitest.Fault{Kind: geminitest.FaultOverloaded}, code: 503, status: "UNAVAILABLE"},
		{fault: geminitest.Fault{Kind: geminitest.FaultTimeout}, code: 504, status: "DEADLINE_EXCEEDED"},
		{fault: geminitest.Fault{Kind: geminitest.FaultRateLimited, RetryDelay: 7 * time.Second}, code: 429, status: "RESOURCE_EXHAUSTED"},
		{fault: geminitest.Fault{Kind: geminitest.FaultDayExhausted}, code: 429, status: "RESOURCE_EXHAUSTED"},
		{fault: geminitest.Fault{Kind: geminitest.FaultNoQuota}, code: 429, status: "RESOURCE_EXHAUSTED"},
		{fault: geminitest.Fault{Kind: geminitest.FaultRaw, Status: 502, Body: []byte("<html>bad gateway</html>")}, code: 502, status: "502 Bad Gateway"},
		{fault: geminitest.Fault{Kind: geminitest.FaultBlockedPrompt}, check: func(t *testing.T, r *genai.GenerateContentResponse) {
			assert.Empty(t, r.Candidates)
			assert.Equal(t, genai.BlockedReasonSafety, r.PromptFeedback.BlockReason)
		}},
		{fault: geminitest.Fault{Kind: geminitest.FaultSafety}, check: func(t *testing.T, r *genai.GenerateContentResponse) {
			assert.Equal(t, genai.FinishReasonSafety, r.Candidates[0].FinishReason)
		}},
		{fault: geminitest.Fault{Kind: geminitest.FaultMaxTokens}, check: func(t *testing.T, r *genai.GenerateContentResponse) {
			assert.Equal(t, genai.FinishReasonMaxTokens, r.Candidates[0].FinishReason)
			assert.True(t, strings.HasPrefix("echo: hello there", r.Text()))
		}},
		{fault: geminitest.Fault{Kind: geminitest.FaultEmpty}, check: func(t *testing.T, r *genai.GenerateContentResponse) {
			assert.Empty(t, r.Candidates)
			assert.Nil(t, r.PromptFeedback)
		}},
		{fault: geminitest.Fault{Kind: geminitest.FaultSlowFirstByte, Delay: time.Hour}, check: func(t *testing.T, r *genai.GenerateContentResponse) {
			assert.Equal(t, "echo: hello there", r.Text())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Kind.String(), func(t *testing.T) {
			var slept time.Duration
			s := geminitest.New(geminitest.Options{Sleep: func(ctx context.Context, d time.Duration) error { slept += d; return nil }})
			defer s.Close()
			s.AddKey("k1", "AIzaSyD-0123456789abcdefghijklmnopqrstu", "")
			s.Inject(tt.fault)
			resp, err := newClient(t, s, "AIzaSyD-0123456789abcdefghijklmnopqrstu").Models.GenerateContent(
				context.Background(), "m", genai.Text("hello there"), nil)
			if tt.code != 0 {
				e := apiErr(t, err)
				assert.Equal(t, tt.code, e.Code)
				assert.Equal(t, tt.status, e.Status)
				assert.Equal(t, tt.fault.Kind.String(), s.Calls()[0].Fault)
				return
			}
			require.NoError(t, err)
			tt.check(t, resp)
			if tt.fault.Kind == geminitest.FaultSlowFirstByte {
				assert.Equal(t, time.Hour, slept)
			}
		})
	}
}

func TestFaultsStream(t *testing.T) {
	tests := []struct {
		name     string
		fault    geminitest.Fault
		text     string // text received before the end
		apiCode  int    // the error is an APIError with this code
		errOther bool   // the error is a transport error
	}{
		{"mid-stream after 2", geminitest.Fault{Kind: geminitest.FaultMidStream, AfterChunks: 2}, "abcd", 500, false},
		{"mid-stream 503 before any", geminitest.Fault{Kind: geminitest.FaultMidStream, Status: 503}, "", 503, false},
		{"drop after 3", geminitest.Fault{Kind: geminitest.FaultDrop, AfterChunks: 3}, "abcdef", 0, true},
		{"drop at once", geminitest.Fault{Kind: geminitest.FaultDrop}, "", 0, true},
		{"safety", geminitest.Fault{Kind: geminitest.FaultSafety}, "abcd", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := geminitest.New(geminitest.Options{Chunks: 4, Answer: geminitest.Text("abcdefgh")})
			defer s.Close()
			s.AddKey("k1", "secret-1", "")
			s.Inject(tt.fault)
			var text strings.Builder
			var gotErr error
			for resp, err := range newClient(t, s, "secret-1").Models.GenerateContentStream(context.Background(), "m", genai.Text("hi"), nil) {
				if err != nil {
					gotErr = err
					break
				}
				text.WriteString(resp.Text())
			}
			assert.Equal(t, tt.text, text.String())
			switch {
			case tt.apiCode != 0:
				assert.Equal(t, tt.apiCode, apiErr(t, gotErr).Code)
			case tt.errOther:
				require.Error(t, gotErr)
				var e genai.APIError
				assert.False(t, errors.As(gotErr, &e), "%v", gotErr)
			default:
				assert.NoError(t, gotErr)
			}
		})
	}
}

func TestFaultScopes(t *testing.T) {
	s := geminitest.New(geminitest.Options{Seed: 42})
	defer s.Close()
	for _, k := range []string{"a", "b"} {
		s.AddKey(k, "secret-"+k, "")
	}
	s.Inject(geminitest.Fault{Kind: geminitest.FaultOverloaded, Model: "pro"})
	s.Inject(geminitest.Fault{Kind: geminitest.FaultInternal, KeyID: "a", Times: 2})
	s.Inject(geminitest.Fault{Kind: geminitest.FaultTimeout, KeyID: "b", Chance: 0.5})
	a, b := newClient(t, s, "secret-a"), newClient(t, s, "secret-b")
	code := func(c *genai.Client, model string) int {
		_, err := c.Models.GenerateContent(context.Background(), model, genai.Text("x"), nil)
		if err == nil {
			return 200
		}
		return apiErr(t, err).Code
	}
	assert.Equal(t, 503, code(b, "pro"))
	assert.Equal(t, 500, code(a, "flash"))
	assert.Equal(t, 500, code(a, "flash"))
	assert.Equal(t, 200, code(a, "flash"), "Times: 2 is spent")
	fails := 0
	for range 200 {
		if code(b, "flash") == 504 {
			fails++
		}
	}
	assert.InDelta(t, 100, fails, 30, "Chance 0.5 of 200 calls")
	s.ClearFaults()
	assert.Equal(t, 200, code(b, "pro"))
}

func TestConcurrentCallsAreCounted(t *testing.T) {
	s := geminitest.New(geminitest.Options{Chunks: 3})
	defer s.Close()
	s.AddKey("k", "secret", "P")
	c := newClient(t, s, "secret")
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for _, err := range c.Models.GenerateContentStream(context.Background(), "m", genai.Text("hello"), nil) {
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, geminitest.ProjectStats{Calls: 50, Answered: 50}, s.Stats("P"))
	assert.Len(t, s.Calls(), 50)
}
